package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

// Template files that are not pages: the layout ("base", with the "title" and "content"
// blocks) and the shared pieces (fields, flash, navigation).
const (
	layoutFile   = "layout.html"
	partialsFile = "partials.html"
)

// Page is what the layout needs; every page model embeds it (filled by Session.Page):
//
//	type questionsModel struct {
//		console.Page
//		Groups []group
//	}
type Page struct {
	Title string
	// CSRF goes into every form ({{template "csrf" .}}) and into <body data-csrf>.
	CSRF string
	// Nonce is this response's CSP nonce (the layout puts it on its <script>).
	Nonce string
	Flash []Flash
	// Officer is nil on the pages before sign-in.
	Officer *Officer
	// Accounts are the accounts the officer may act on; Current is the one chosen in the
	// switcher (zero when there is none).
	Accounts []Account
	Current  Account
	Nav      []NavItem
	// Path is the request's path under the console root (the switcher comes back to it).
	Path string
	// Root, CSS and JS are URLs: the console's root and its content-hashed assets.
	Root, CSS, JS string
}

func (p Page) consolePage() Page { return p }

// pageModel is any model that embeds Page.
type pageModel interface{ consolePage() Page }

// Account is one OA as the console lists it.
type Account struct {
	ID   string
	Name string
}

// views holds one parsed template set per page file, each with the layout and partials.
type views struct{ sets map[string]*template.Template }

// parseViews parses every page of fsys (templates/*.html) once, with funcs fixed now.
func parseViews(fsys fs.FS, funcs template.FuncMap) (*views, error) {
	base, err := template.New(layoutFile).Funcs(funcs).ParseFS(fsys, "templates/"+layoutFile, "templates/"+partialsFile)
	if err != nil {
		return nil, fmt.Errorf("console: parse layout: %w", err)
	}
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{sets: map[string]*template.Template{}}
	for _, f := range files {
		name := path.Base(f)
		if name == layoutFile || name == partialsFile {
			continue
		}
		set, err := template.Must(base.Clone()).ParseFS(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("console: parse %s: %w", name, err)
		}
		if set.Lookup("content") == nil {
			return nil, fmt.Errorf("console: %s defines no \"content\"", name)
		}
		v.sets[strings.TrimSuffix(name, ".html")] = set
	}
	return v, nil
}

// render executes page name into a buffer, so a failed render never sends half a page.
func (v *views) render(name string, data any) ([]byte, error) {
	set, ok := v.sets[name]
	if !ok {
		return nil, fmt.Errorf("console: no template %q (templates/%s.html)", name, name)
	}
	if _, ok := data.(pageModel); !ok {
		return nil, fmt.Errorf("console: template %q: model %T does not embed console.Page", name, data)
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, "base", data); err != nil {
		return nil, fmt.Errorf("console: render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// vietnam is the offices' time zone (fixed: Vietnam has no daylight saving), so no
// tzdata is needed.
var vietnam = time.FixedZone("ICT", 7*3600)

// templateFuncs are the functions every template may call.
func (h *Handler) templateFuncs() template.FuncMap {
	return template.FuncMap{
		// url turns a path under the console root into a URL: {{url "/questions"}}.
		"url": h.url,
		// vnTime formats a time as 02/01/2006 15:04 in Vietnam ("—" for none).
		"vnTime": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(vietnam).Format("02/01/2006 15:04")
		},
		// vnNumber writes an integer the vi-VN way: 1.234.567.
		"vnNumber": vnNumber,
		// has reports whether list holds x: {{if has .Accounts "*"}}.
		"has": func(list []string, x string) bool { return slices.Contains(list, x) },
		// dict makes a map of key, value pairs for a sub-template: {{template "x" (dict "A" 1)}}.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, errors.New("dict: keys must be strings")
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		// join writes a list one item per line (a text area's value).
		"join": func(xs []string) string { return strings.Join(xs, "\n") },
		// coord writes a latitude or longitude ("" for none).
		"coord": func(f float64) string {
			if f == 0 {
				return ""
			}
			return strconv.FormatFloat(f, 'f', -1, 64)
		},
		// fieldLabel writes a catalogue field path in the officers' words.
		"fieldLabel": fieldLabel,
		// problemText says a catalogue validation finding in the officers' words.
		"problemText": problemText,
		// sub is a-b.
		"sub": func(a, b int) int { return a - b },
		// inc is i+1, for numbering from one.
		"inc": func(i int) int { return i + 1 },
		// channelLabel names a channel kind as citizens read it.
		"channelLabel": func(kind string) string {
			switch kind {
			case "direct":
				return "Nộp trực tiếp"
			case "online":
				return "Nộp trực tuyến"
			case "post":
				return "Nộp qua bưu chính"
			}
			return kind
		},
		// list makes a slice of its arguments: {{range (list "1" "2")}}.
		"list": func(xs ...string) []string { return xs },
	}
}

func vnNumber(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
