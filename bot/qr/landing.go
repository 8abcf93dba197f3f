package qr

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/oabot/oabot/procedures"
)

//go:embed templates/*.html
var templateFS embed.FS

// templates are parsed once; they are read-only afterwards, so sharing them is safe.
var templates = template.Must(template.New("").Funcs(template.FuncMap{"nfc": nfc}).
	ParseFS(templateFS, "templates/*.html"))

// LandingPage is what the landing page for one procedure shows.
type LandingPage struct {
	Account Account
	Record  *procedures.Record
	// CatalogVersion is shown in small print.
	CatalogVersion string
}

// verifiedDate writes a record's last_verified (YYYY-MM-DD) as dd/mm/yyyy, or "".
func verifiedDate(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return ""
	}
	return t.Format("02/01/2006")
}

// RenderLanding writes the landing page: a small, server-rendered, script-free page with
// the procedure summary and a button to message the OA with the exact text to send.
func RenderLanding(w io.Writer, p LandingPage) error {
	if p.Record == nil {
		return fmt.Errorf("qr: landing: no record")
	}
	if err := templates.ExecuteTemplate(w, "landing.html", newLandingView(p)); err != nil {
		return fmt.Errorf("qr: landing: %w", err)
	}
	return nil
}

// NotFoundPage is the Vietnamese "not found" page. Account is nil when the account itself
// is unknown.
type NotFoundPage struct {
	Account *Account
}

// RenderNotFound writes the "not found" page.
func RenderNotFound(w io.Writer, p NotFoundPage) error {
	if err := templates.ExecuteTemplate(w, "notfound.html", p); err != nil {
		return fmt.Errorf("qr: not found page: %w", err)
	}
	return nil
}

// landingView is the template's data: everything already chosen and worded.
type landingView struct {
	OAName, OALink string
	Name, Code     string
	Message        string
	Agency, Where  string
	Groups         []docGroup
	Channels       []channelView
	Conditions     []string // requirements (điều kiện thực hiện)
	Results        []string
	PortalURL      string
	OnlineURL      string
	Version        string
	Verified       string // dd/mm/yyyy the record was last checked against the portal
	Offices        []officeView
	Hours          string
	// Elsewhere: the procedure is outside the account's scope (another office does it):
	// the page says so and does not list this office's addresses as where to apply.
	Elsewhere bool
}

type officeView struct {
	Name, Address, Hours, Phone string
	// Tel is a tel: link built from digits only; html/template refuses tel: in plain strings.
	Tel template.URL
	Map string
}

type docGroup struct {
	Case  string // "" for papers every applicant brings
	Items []docItem
}

type docItem struct {
	Name     string
	Count    string
	Optional bool
	FormURL  string
	Note     bool // a remark of the dossier table, not a paper (procedures.Document.Note)
}

type channelView struct {
	Kind, Time, Fee, Note string
}

var channelNames = map[string]string{
	procedures.ChannelDirect: "Nộp trực tiếp",
	procedures.ChannelOnline: "Nộp trực tuyến",
	procedures.ChannelPost:   "Qua bưu chính",
}

func newLandingView(p LandingPage) landingView {
	r := p.Record
	v := landingView{
		OAName: nfc(p.Account.Name), OALink: p.Account.OALink(),
		Name: nfc(r.Name), Code: r.Code, Message: MessageText(r),
		Agency: nfc(r.Agency), Where: nfc(r.Where),
		PortalURL: safeURL(r.PortalURL), OnlineURL: safeURL(r.OnlineURL),
		Version: p.CatalogVersion, Hours: nfc(p.Account.Hours), Verified: verifiedDate(r.LastVerified),
	}
	v.Elsewhere = !p.Account.Scope.Contains(r)
	for _, o := range p.Account.Offices {
		if v.Elsewhere {
			break
		}
		v.Offices = append(v.Offices, officeView{Name: nfc(o.Name), Address: nfc(o.Address), Hours: nfc(o.Hours),
			Phone: o.Phone, Tel: template.URL(o.TelURL()), Map: o.MapURL()})
	}
	if v.OnlineURL == v.PortalURL {
		v.OnlineURL = ""
	}
	for _, c := range r.Requirements() {
		v.Conditions = append(v.Conditions, nfc(c))
	}
	for _, res := range r.Results {
		v.Results = append(v.Results, nfc(res))
	}
	for _, c := range r.Channels {
		kind := channelNames[c.Kind]
		if kind == "" {
			kind = nfc(c.Kind)
		}
		v.Channels = append(v.Channels, channelView{Kind: kind, Time: nfc(c.Time), Fee: nfc(c.Fee), Note: nfc(c.Note)})
	}
	idx := map[string]int{}
	for _, d := range r.Documents {
		i, ok := idx[d.Case]
		if !ok {
			i = len(v.Groups)
			idx[d.Case] = i
			v.Groups = append(v.Groups, docGroup{Case: nfc(d.Case)})
		}
		if note, ok := d.Note(); ok {
			// A remark of the portal's table, no paper to bring: no count, set apart.
			v.Groups[i].Items = append(v.Groups[i].Items, docItem{Name: nfc(note), Note: true})
			continue
		}
		v.Groups[i].Items = append(v.Groups[i].Items, docItem{
			Name: nfc(d.Name), Count: copies(d.Originals, d.Copies), Optional: d.Optional, FormURL: safeURL(d.FormURL),
		})
	}
	// Papers for every case first.
	if i, ok := idx[""]; ok && i != 0 {
		g := v.Groups[i]
		copy(v.Groups[1:i+1], v.Groups[:i])
		v.Groups[0] = g
	}
	return v
}

// copies words the number of papers: "1 bản chính, 2 bản sao".
func copies(originals, cps int) string {
	var parts []string
	if originals > 0 {
		parts = append(parts, fmt.Sprintf("%d bản chính", originals))
	}
	if cps > 0 {
		parts = append(parts, fmt.Sprintf("%d bản sao", cps))
	}
	return strings.Join(parts, ", ")
}

// safeURL keeps only http(s) links from the catalogue (html/template would neutralise
// others, but an empty link is better than a broken one).
func safeURL(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}
