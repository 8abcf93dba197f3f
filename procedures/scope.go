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
