package qr

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/oabot/oabot/procedures"
)

// Mode says where an account's QR codes point.
type Mode string

// Modes (zalo-oa.md §6).
const (
	// ModeLanding points at oabot's own landing page for the procedure (default): it works
	// without a Mini App and lets each scan be counted.
	ModeLanding Mode = "landing"
	// ModeMiniApp points at the office's Zalo Mini App, which opens the OA chat with the
	// code prefilled.
	ModeMiniApp Mode = "miniapp"
	// ModeOA points at the plain OA link; the poster's printed code does the rest.
	ModeOA Mode = "oa"
)

// Account is what QR codes, posters and landing pages need to know about one OA.
type Account struct {
	// Slug names the account in URLs (/q/{slug}/{code}).
	Slug string
	// OAID is the Zalo OA id; https://zalo.me/{OAID} opens the OA.
	OAID string
	// Name is the OA's display name, printed on posters and the landing page.
	Name string
	// Mode is where codes point; empty means ModeLanding.
	Mode Mode
	// MiniAppID is the Zalo Mini App id, required for ModeMiniApp.
	MiniAppID string
	// Offices are the account's own offices, shown on the landing page under "where".
	Offices []Office
	// Hours is the office-hours text, shown on the landing page.
	Hours string
	// Scope is which procedures the office handles: its posters print those by default.
	Scope procedures.Scope
}

// Office is one place of the account where citizens can go.
type Office struct {
	Name, Address, Hours, Phone string
	// Lat and Lng, when both set, add a map link.
	Lat, Lng float64
}

// MapURL returns a map search link for the office, or "" without coordinates.
func (o Office) MapURL() string {
	if o.Lat == 0 && o.Lng == 0 {
		return ""
	}
	return fmt.Sprintf("https://www.google.com/maps/search/?api=1&query=%.6f,%.6f", o.Lat, o.Lng)
}

// TelURL returns a tel: link for the office phone, or "" when it has no digits.
func (o Office) TelURL() string {
	var b strings.Builder
	for _, r := range o.Phone {
		if (r >= '0' && r <= '9') || (r == '+' && b.Len() == 0) {
			b.WriteRune(r)
		}
	}
	if b.Len() < 3 {
		return ""
	}
	return "tel:" + b.String()
}

// OALink returns the OA's public link.
func (a Account) OALink() string { return "https://zalo.me/" + url.PathEscape(a.OAID) }

// Target returns the URL a QR code for the procedure with the given code points to.
// baseURL is the service's public base URL (used in landing mode); src is an optional
// poster-location label, kept only in landing mode (after SanitizeLabel), where scans are
// counted.
func Target(baseURL string, a Account, code, src string) (string, error) {
	if code == "" {
		return "", errors.New("qr: empty procedure code")
	}
	switch a.Mode {
	case ModeLanding, "":
		base := strings.TrimRight(baseURL, "/")
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", fmt.Errorf("qr: public base URL %q is not an absolute http(s) URL", baseURL)
		}
		if a.Slug == "" {
			return "", errors.New("qr: account has no slug")
		}
		t := base + "/q/" + url.PathEscape(a.Slug) + "/" + url.PathEscape(code)
		if l := SanitizeLabel(src); l != "" {
			t += "?src=" + url.QueryEscape(l)
		}
		return t, nil
	case ModeMiniApp:
		if a.MiniAppID == "" || a.OAID == "" {
			return "", fmt.Errorf("qr: account %q: miniapp mode needs mini_app_id and the OA id", a.Slug)
		}
		q := url.Values{"oa": {a.OAID}, "p": {code}}
		return "https://zalo.me/s/" + url.PathEscape(a.MiniAppID) + "/?" + q.Encode(), nil
	case ModeOA:
		if a.OAID == "" {
			return "", fmt.Errorf("qr: account %q: oa mode needs the OA id", a.Slug)
		}
		return a.OALink(), nil
	}
	return "", fmt.Errorf("qr: account %q: unknown mode %q (want landing, miniapp or oa)", a.Slug, a.Mode)
}

// MaxLabelLen bounds a poster-location label, so that labels cannot bloat counters.
const MaxLabelLen = 32

// SanitizeLabel turns a poster-location label into [a-z0-9._-]: Vietnamese letters lose
// their marks (đ → d), spaces become "-", anything else is dropped, and the result is cut
// to MaxLabelLen. It returns "" when nothing usable is left.
func SanitizeLabel(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if b.Len() >= MaxLabelLen {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		case r == 'đ':
			b.WriteByte('d')
		case r == ' ' || r == '/':
			b.WriteByte('-')
		case unicode.Is(unicode.Mn, r):
			// combining mark of a decomposed Vietnamese letter: drop it
		}
	}
	return strings.Trim(b.String(), "-.")
}

// MessageText is the exact text a citizen sends the OA to get the procedure: "#12" when the
// record has a short code, else "#TTHC <code>" (the bot understands both).
func MessageText(r *procedures.Record) string {
	if r.ShortCode != "" {
		return "#" + r.ShortCode
	}
	return "#TTHC " + r.Code
}
