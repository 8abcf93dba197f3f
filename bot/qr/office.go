package qr

import (
	"fmt"
	"io"
	"net/url"
	"sort"

	"github.com/oabot/oabot/procedures"
)

// OfficePage is an office's page for citizens without Zalo and for the office's website:
// its procedures by field, each linking to its landing page, and a search box (a plain
// GET form: no script).
type OfficePage struct {
	Account Account
	// Records are the office's procedures (its scope), in catalogue order.
	Records []*procedures.Record
	// Query is what the citizen searched for ("" for none) and Results what was found.
	Query   string
	Results []*procedures.Record
	// CatalogVersion is shown in small print.
	CatalogVersion string
}

// maxOfficeListed bounds the procedures listed by field: an office without a scope over
// the national catalogue shows the search box only.
const maxOfficeListed = 400

type officeField struct {
	Name  string
	Items []officeItem
}

type officeItem struct {
	Name, Code, URL string
}

type officePageView struct {
	OAName, OALink, Slug string
	Query                string
	Searched             bool
	Results              []officeItem
	Fields               []officeField
	TooMany              bool
	Count                int
	Offices              []officeLocation
	Hours, Version       string
}

type officeLocation struct {
	Name, Address, Phone string
}

// RenderOffice writes the office page.
func RenderOffice(w io.Writer, p OfficePage) error {
	item := func(r *procedures.Record) officeItem {
		return officeItem{Name: nfc(r.Name), Code: r.Code, URL: "/q/" + url.PathEscape(p.Account.Slug) + "/" + url.PathEscape(r.Code)}
	}
	v := officePageView{OAName: nfc(p.Account.Name), OALink: p.Account.OALink(), Slug: p.Account.Slug, Query: p.Query,
		Searched: p.Query != "", Count: len(p.Records), Hours: nfc(p.Account.Hours), Version: p.CatalogVersion}
	for _, r := range p.Results {
		v.Results = append(v.Results, item(r))
	}
	if len(p.Records) > maxOfficeListed {
		v.TooMany = true
	} else {
		byField := map[string]*officeField{}
		for _, r := range p.Records {
			f := nfc(r.Field)
			if f == "" {
				f = "Thủ tục khác"
			}
			if byField[f] == nil {
				byField[f] = &officeField{Name: f}
			}
			byField[f].Items = append(byField[f].Items, item(r))
		}
		for _, f := range byField {
			v.Fields = append(v.Fields, *f)
		}
		sort.Slice(v.Fields, func(i, j int) bool { return v.Fields[i].Name < v.Fields[j].Name })
	}
	for _, o := range p.Account.Offices {
		v.Offices = append(v.Offices, officeLocation{Name: nfc(o.Name), Address: nfc(o.Address), Phone: o.Phone})
	}
	if err := templates.ExecuteTemplate(w, "office.html", v); err != nil {
		return fmt.Errorf("qr: office page: %w", err)
	}
	return nil
}
