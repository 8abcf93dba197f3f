package procedures

import (
	"slices"
	"strings"
)

// Scope selects the procedures an office handles. A record is in scope when it matches an
// include selector — its code is in Codes, its field (lĩnh vực) is one of Fields, or its
// agency (cơ quan thực hiện) names one of Agencies — and, when Levels is set, it is done
// at one of those levels (cấp thực hiện), and its code is not in ExcludeCodes. Fields,
// agencies and levels compare folded (no diacritics, any case); an agency matches when it
// contains the selector ("Công an" matches "Công an cấp xã"). The zero Scope holds every
// procedure.
type Scope struct {
	Codes        []string
	Fields       []string
	Agencies     []string
	Levels       []string
	ExcludeCodes []string
}

// Empty reports whether the scope selects nothing in particular (every procedure).
func (s Scope) Empty() bool {
	return len(s.Codes) == 0 && len(s.Fields) == 0 && len(s.Agencies) == 0 && len(s.Levels) == 0 && len(s.ExcludeCodes) == 0
}

// Contains reports whether the office handles r.
func (s Scope) Contains(r *Record) bool {
	if r == nil || slices.Contains(s.ExcludeCodes, r.Code) {
		return false
	}
	included := len(s.Codes) == 0 && len(s.Fields) == 0 && len(s.Agencies) == 0
	included = included || slices.Contains(s.Codes, r.Code)
	if !included && len(s.Fields) > 0 {
		f := foldKey(r.Field)
		included = slices.ContainsFunc(s.Fields, func(x string) bool { return foldKey(x) == f })
	}
	if !included && len(s.Agencies) > 0 {
		a := foldKey(r.Agency)
		included = slices.ContainsFunc(s.Agencies, func(x string) bool { k := foldKey(x); return k != "" && strings.Contains(a, k) })
	}
	if !included {
		return false
	}
	if len(s.Levels) > 0 && !slices.Contains(s.Codes, r.Code) {
		return slices.ContainsFunc(r.Levels, func(l string) bool {
			k := foldKey(l)
			return slices.ContainsFunc(s.Levels, func(x string) bool { return foldKey(x) == k })
		})
	}
	return true
}

// foldKey is a selector's comparable form: folded, lower case, single spaces.
func foldKey(s string) string { return strings.Join(strings.Fields(Fold(Normalize(s))), " ") }

// preferInScope answers the first hit (each hit of a clarifying question) with the record
// scope s holds among the records of one procedure at several levels or agencies: the
// hit's level variants (the same name), then its siblings with the same actions and
// qualifiers (siblings.go), the most local first. The record it replaces becomes a
// variant; the scores, and so the confidence, stay: the procedure is the same. A
// clarifying question's options follow their hits.
func (ix *Index) preferInScope(res *Result, s Scope) {
	swapped := map[*Record]*Record{}
	for i := range res.Hits {
		if i > 0 && res.Clarify == nil {
			// Lower hits stay as found: the bot weighs the office's best one against the
			// leader (bot.ownIsClose), and answering each with its in-scope variant turned
			// other offices' questions from referrals into lists (unsealed sets, --office).
			break
		}
		h := &res.Hits[i]
		if h.Record == nil || s.Contains(h.Record) {
			continue
		}
		old := h.Record
		if j := slices.IndexFunc(h.Variants, s.Contains); j >= 0 {
			h.Variants = slices.Clone(h.Variants)
			h.Record, h.Variants[j] = h.Variants[j], old
		} else if v := ix.levelSibling(old, s); v != nil {
			h.Record, h.Variants = v, append([]*Record{old}, h.Variants...)
		} else {
			continue
		}
		swapped[old] = h.Record
	}
	if res.Clarify != nil && len(swapped) > 0 {
		opts := slices.Clone(res.Clarify.Options)
		for k, o := range opts {
			if v, ok := swapped[o]; ok {
				opts[k] = v
			}
		}
		res.Clarify = &Clarify{Topic: res.Clarify.Topic, Options: opts}
	}
}

// levelSibling is the sibling of r that scope s holds and that differs from r only by
// level or agency (the same leading actions and qualifiers), the most local one; nil when
// there is none.
func (ix *Index) levelSibling(r *Record, s Scope) *Record {
	d, ok := ix.docOf[r.Code]
	if !ok {
		return nil
	}
	di := &ix.docs[d]
	best := int32(-1)
	for o := range ix.sameAction(d) {
		od := &ix.docs[o]
		if !slices.Equal(od.quals, di.quals) || !s.Contains(od.rec) {
			continue
		}
		if best < 0 || od.levelRank > ix.docs[best].levelRank {
			best = o
		}
	}
	if best < 0 {
		return nil
	}
	return ix.docs[best].rec
}

// CommuneOnly reports whether r is done at the commune level (cấp xã) and no other.
func CommuneOnly(r *Record) bool {
	return len(r.Levels) > 0 && !slices.ContainsFunc(r.Levels, func(l string) bool { return foldKey(l) != "cap xa" })
}
