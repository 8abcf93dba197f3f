package procedures

import (
	"fmt"
	"slices"
	"strings"
)

// Lookup finds a record by its national code ("1.004222") or its poster short code ("12").
// Printed posters and officers' command lines use either, so every tool that takes "a
// procedure" accepts both.
func (c *Catalog) Lookup(code string) (*Record, bool) {
	if r, ok := c.ByCode(code); ok {
		return r, true
	}
	return c.ByShortCode(code)
}

// Pick returns the records named in a comma-separated list of codes or short codes, in
// that order; an empty list means every record. An unknown code is an error.
func (c *Catalog) Pick(list string) ([]*Record, error) {
	if strings.TrimSpace(list) == "" {
		return c.All(), nil
	}
	var recs []*Record
	for _, code := range strings.Split(list, ",") {
		code = strings.TrimSpace(code)
		if code == "" {
			continue
		}
		r, ok := c.Lookup(code)
		if !ok {
			return nil, fmt.Errorf("unknown procedure code %q in catalogue %s", code, c.Version())
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// DocumentsMention reports whether the record's documents name every one of words
// (folded, as Said.Objects), "bản chính" and "bản sao" included when it asks for them:
// "có cần mang bản chính không" or "có cần giấy khai sinh không" after a card asks whether
// that card needs the paper.
func (r *Record) DocumentsMention(words []string) bool {
	if len(words) == 0 {
		return false
	}
	var parts []string
	for _, d := range r.Documents {
		parts = append(parts, d.Name, d.Form, d.Case)
		if d.Originals > 0 {
			parts = append(parts, "bản chính")
		}
		if d.Copies > 0 {
			parts = append(parts, "bản sao")
		}
	}
	// The query's own tokenizer, so that the words compare in the form Said.Objects has
	// (folded and respelled by canonSyllable).
	named := map[string]bool{}
	for _, t := range tokenize(Normalize(strings.Join(parts, " "))) {
		named[t.folded] = true
	}
	for _, w := range words {
		if !named[w] {
			return false
		}
	}
	return true
}

// Requirements returns r's conditions (điều kiện thực hiện) as a citizen reads them: on
// one line each, without the portal's list marks, empty ones left out.
func (r *Record) Requirements() []string {
	var out []string
	for _, c := range r.Conditions {
		if c = strings.TrimLeft(cleanSpaces(c), listMarks); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// DocumentsNamePhrase reports whether one of r's papers names words (folded, as
// Said.Objects has them) one after the other: "hợp đồng" in "… (hợp đồng thuê nhà, …)".
// DocumentsMention asks less, each word anywhere: "giấy" and "khai" are in most dossiers.
func (r *Record) DocumentsNamePhrase(words []string) bool {
	if len(words) == 0 {
		return false
	}
	return slices.ContainsFunc(r.Documents, func(d Document) bool { return containsSeq(foldedWords(d.Name), words) })
}

// Note returns the text of an item of the dossier that is a remark, not a paper ("Lưu
// ý:- Trường hợp nộp hồ sơ trực tiếp…", "Ghi chú: …", "Ví dụ: …": 51 rows of the national
// portal's dossier tables), as "Lưu ý: Trường hợp nộp hồ sơ trực tiếp…", and true; else
// "" and false. A card shows it unnumbered, and does not count it as a paper.
//
// An item under a heading that is such a label (Case "Lưu ý": 445 rows of the national
// catalogue) is a remark too; its text is its name, the heading saying what it is.
func (d Document) Note() (string, bool) {
	name := strings.TrimLeft(d.Name, listMarks)
	if NoteHeading(d.Case) {
		name = strings.TrimSpace(name)
		return name, name != ""
	}
	for _, label := range noteLabels {
		rest, ok := cutPrefixFold(name, label)
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, " ")
		if !strings.HasPrefix(rest, ":") {
			continue
		}
		rest = strings.TrimSpace(strings.TrimLeft(rest, ":"+listMarks))
		if rest == "" {
			return "", false
		}
		return label + ": " + rest, true
	}
	return "", false
}

// NoteHeading reports whether a dossier's heading (Document.Case) is a remark's label
// ("Lưu ý", "Ghi chú:"), not a case.
func NoteHeading(c string) bool {
	c = strings.TrimSpace(strings.TrimRight(c, ": "))
	for _, label := range noteLabels {
		if strings.EqualFold(c, label) {
			return true
		}
	}
	return false
}

// listMarks are the marks that start an item of the portal's lists ("- ", "+ ", "• ").
const listMarks = "-+•* "

// noteLabels start the remarks of a dossier table.
var noteLabels = []string{"Lưu ý", "Ghi chú", "Chú ý", "Ví dụ"}

// cutPrefixFold is strings.CutPrefix ignoring case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
