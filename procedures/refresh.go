package procedures

// Refresh is what a newer portal file changes in a catalogue imported from the portal
// ("oabot procedures import --dvc F --out national.json"). For such a catalogue field-by-
// field diffs are meaningful; for a hand-written one every field differs and New lists the
// whole portal.
type Refresh struct {
	// New are portal records whose code the catalogue lacks, in portal order.
	New []*Record
	// Changed are records in both that differ, in catalogue order.
	Changed []RecordChange
	// Gone are catalogue records the portal no longer has, in catalogue order.
	Gone []*Record
	// Unchanged counts the records in both that do not differ.
	Unchanged int
	// Reworded counts the changed records whose changes are of writing only
	// (RecordChange.WordingOnly); they end Changed.
	Reworded int
}

// RecordChange is one catalogue record the portal changed.
type RecordChange struct {
	Code string
	// Changes lead from the current record to Refreshed, field by field (DiffRecords).
	Changes []FieldChange
	// Refreshed is the record as accepting the change makes it: the portal's record with
	// the catalogue's local fields kept (see keepLocal).
	Refreshed *Record
}

// WordingOnly reports whether every change of the record is one of writing only
// (FieldChange.Wording): what the citizen is told stays the same.
func (c RecordChange) WordingOnly() bool {
	for _, ch := range c.Changes {
		if !ch.Wording() {
			return false
		}
	}
	return len(c.Changes) > 0
}

// PortalRefresh compares the current catalogue with freshly imported portal records.
// Changed lists the records whose content changed first, then those changed in writing
// only (RecordChange.WordingOnly), each in catalogue order: a newer importer rewrites the
// portal's punctuation and number format in every record, and an officer reading the
// list should meet the changes of substance first.
func PortalRefresh(current *Catalog, portal []*Record) Refresh {
	var rf Refresh
	var reworded []RecordChange
	byCode := make(map[string]*Record, len(portal))
	for _, p := range portal {
		byCode[p.Code] = p
		if _, ok := current.ByCode(p.Code); !ok {
			rf.New = append(rf.New, p)
		}
	}
	for _, r := range current.All() {
		p := byCode[r.Code]
		if p == nil {
			rf.Gone = append(rf.Gone, r)
			continue
		}
		next := keepLocal(r, p)
		switch c := (RecordChange{Code: r.Code, Changes: DiffRecords(r, next), Refreshed: next}); {
		case len(c.Changes) == 0:
			rf.Unchanged++
		case c.WordingOnly():
			reworded = append(reworded, c)
		default:
			rf.Changed = append(rf.Changed, c)
		}
	}
	rf.Changed, rf.Reworded = append(rf.Changed, reworded...), len(reworded)
	return rf
}

// keepLocal returns a copy of the portal record p with the fields the portal never carries
// taken from the catalogue record r: a short code printed on posters, the aliases officers
// added, where to submit online, and the date someone last checked the record. Without
// this every refresh would propose to erase them.
func keepLocal(r, p *Record) *Record {
	next := *p
	next.ShortCode, next.Aliases, next.OnlineURL, next.LastVerified = r.ShortCode, r.Aliases, r.OnlineURL, r.LastVerified
	return &next
}

// Apply returns the catalogue with the accepted changes: an accepted changed code takes
// its refreshed record, an accepted new code is appended, an accepted gone code is
// removed. Everything else is kept as it is. current is not modified.
func (rf Refresh) Apply(current []*Record, accept func(code string) bool) []*Record {
	changed := map[string]*Record{}
	for _, c := range rf.Changed {
		if accept(c.Code) {
			changed[c.Code] = c.Refreshed
		}
	}
	gone := map[string]bool{}
	for _, r := range rf.Gone {
		gone[r.Code] = accept(r.Code)
	}
	out := make([]*Record, 0, len(current)+len(rf.New))
	for _, r := range current {
		switch {
		case gone[r.Code]:
		case changed[r.Code] != nil:
			out = append(out, changed[r.Code])
		default:
			out = append(out, r)
		}
	}
	for _, r := range rf.New {
		if accept(r.Code) {
			out = append(out, r)
		}
	}
	return out
}

// Codes lists every code the refresh proposes to add, change or remove.
func (rf Refresh) Codes() map[string]bool {
	m := map[string]bool{}
	for _, r := range rf.New {
		m[r.Code] = true
	}
	for _, c := range rf.Changed {
		m[c.Code] = true
	}
	for _, r := range rf.Gone {
		m[r.Code] = true
	}
	return m
}
