package catalog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/refresh"
	"github.com/oabot/oabot/procedures"
)

// Library is the live catalogue: the seed with every published version applied, served
// through a procedures.Holder so the bot, the search and the pages see a new version as
// soon as Refresh (or Run) picks it up from the store.
type Library struct {
	store  Store
	seed   *procedures.Catalog
	holder *procedures.Holder
	verify func(*procedures.Record) []string
	log    *zap.Logger
	now    func() time.Time

	mu  sync.Mutex               // serialises refreshes
	cur atomic.Pointer[snapshot] // never nil after NewLibrary
}

// snapshot is one immutable state of the library.
type snapshot struct {
	head     int64
	versions []Version // oldest first
	cat      *procedures.Catalog
	// changedIn is the version that last changed each key (Change.Key).
	changedIn map[string]int64
	// local is each account's overrides by code (the full record as the office edited
	// it; only LocalFields are taken from it).
	local map[string]map[string]*procedures.Record
	// skipped are the codes whose published edits no longer validate over the seed
	// (e.g. a new seed file took their short code); they serve the seed's record.
	skipped []procedures.Problem
}

// Options configure a Library.
type Options struct {
	Store Store
	// Holder serves the catalogue; its current catalogue is the seed.
	Holder *procedures.Holder
	// Verify, when set, lists why a record may not be marked verified (open
	// contradictions with the portal); a publish that moves last_verified forward on such
	// a record is refused.
	Verify func(*procedures.Record) []string
	Logger *zap.Logger
	Now    func() time.Time
}

// NewLibrary reads every published version and serves the result. A store that cannot
// be read is an error: serving the seed would silently undo the officers' edits.
func NewLibrary(ctx context.Context, o Options) (*Library, error) {
	if o.Store == nil || o.Holder == nil {
		return nil, errors.New("catalog: a store and a holder are required")
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	l := &Library{store: o.Store, seed: o.Holder.Catalog(), holder: o.Holder, verify: o.Verify,
		log: o.Logger.Named("catalog"), now: o.Now}
	l.cur.Store(&snapshot{cat: l.seed, changedIn: map[string]int64{}, local: map[string]map[string]*procedures.Record{}})
	if err := l.Refresh(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Refresh applies the versions published since the last refresh, on any replica.
func (l *Library) Refresh(ctx context.Context) error {
	head, err := l.store.Head(ctx)
	if err != nil {
		return fmt.Errorf("catalog: head: %w", err)
	}
	if l.cur.Load().head == head {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	cur := l.cur.Load()
	if cur.head >= head {
		return nil
	}
	newer, err := l.store.Since(ctx, cur.head)
	if err != nil {
		return fmt.Errorf("catalog: read versions: %w", err)
	}
	if len(newer) == 0 {
		return nil
	}
	versions := append(append(make([]Version, 0, len(cur.versions)+len(newer)), cur.versions...), newer...)
	s := l.build(versions)
	if len(s.skipped) > 0 {
		l.log.Error("published edits no longer valid over the seed; serving the seed's records",
			zap.Int("problems", len(s.skipped)), zap.String("first", s.skipped[0].String()))
	}
	l.holder.Set(s.cat)
	l.cur.Store(s)
	l.log.Info("catalogue version served", zap.Int64("version", s.head), zap.Int("procedures", s.cat.Len()))
	return nil
}

// Run refreshes every interval until ctx ends; a failed refresh keeps the current version.
func (l *Library) Run(ctx context.Context, every time.Duration) {
	refresh.Every(ctx, every, l.Refresh, func(err error) {
		l.log.Warn("catalogue refresh failed; serving the last version", zap.Error(err))
	})
}

// build applies versions to the seed. Edits that no longer validate (the seed changed
// under them) are dropped code by code, and reported, rather than freezing the catalogue.
func (l *Library) build(versions []Version) *snapshot {
	s := &snapshot{versions: versions, changedIn: map[string]int64{}, local: map[string]map[string]*procedures.Record{}}
	if n := len(versions); n > 0 {
		s.head = versions[n-1].N
	}
	state := map[string]Change{}
	for _, v := range versions {
		for _, c := range v.Changes {
			s.changedIn[c.Key()] = v.N
			if c.Account == "" {
				state[c.Code] = c
				continue
			}
			if s.local[c.Account] == nil {
				s.local[c.Account] = map[string]*procedures.Record{}
			}
			if c.Record == nil {
				delete(s.local[c.Account], c.Code)
			} else {
				s.local[c.Account][c.Code] = c.Record
			}
		}
	}
	for range 3 {
		cat, err := applyState(l.seed, state)
		if err == nil {
			s.cat = cat
			return s
		}
		var ve *procedures.ValidationError
		if !errors.As(err, &ve) {
			break
		}
		s.skipped = append(s.skipped, ve.Problems...)
		for _, p := range ve.Problems {
			delete(state, p.Code)
		}
	}
	s.cat = l.seed // cannot happen with a valid seed; never serve nothing
	return s
}

// applyState returns the seed with each code's latest change applied.
func applyState(seed *procedures.Catalog, state map[string]Change) (*procedures.Catalog, error) {
	recs := make([]*procedures.Record, 0, seed.Len()+len(state))
	for _, r := range seed.All() {
		if _, edited := state[r.Code]; !edited {
			recs = append(recs, r)
		}
	}
	for code, c := range state {
		switch {
		case c.Removed:
		case c.Record != nil:
			recs = append(recs, c.Record)
		default:
			if r, ok := seed.ByCode(code); ok && r.Code == code {
				recs = append(recs, r)
			}
		}
	}
	return procedures.NewCatalog(recs)
}

// Label names the version served here for citizens' pages and posters: "3 (02/12/2026)",
// or "gốc (…)" with the seed's newest check date while nothing was published.
func (l *Library) Label() string {
	cur := l.cur.Load()
	if cur.head == 0 {
		// The seed's version ends with its newest check date: "3f9c2a1b7d0e-2026-07-20".
		v := l.seed.Version()
		if i := strings.IndexByte(v, '-'); i > 0 {
			if t, err := time.Parse("2006-01-02", v[i+1:]); err == nil {
				return "gốc (" + t.Format("02/01/2006") + ")"
			}
		}
		return v
	}
	at := cur.versions[len(cur.versions)-1].At
	return fmt.Sprintf("%d (%s)", cur.head, at.In(vietnam).Format("02/01/2006"))
}

// vietnam is the offices' time zone (no daylight saving).
var vietnam = time.FixedZone("ICT", 7*3600)

// Head is the version served here.
func (l *Library) Head() int64 { return l.cur.Load().head }

// Catalog is the catalogue served here.
func (l *Library) Catalog() *procedures.Catalog { return l.cur.Load().cat }

// Seed is the catalogue the versions apply to.
func (l *Library) Seed() *procedures.Catalog { return l.seed }

// Skipped lists published edits that are not served because they no longer validate.
func (l *Library) Skipped() []procedures.Problem { return l.cur.Load().skipped }

// ChangedIn is the version that last changed key (a code, or "account/code" for an
// override; 0: never changed).
func (l *Library) ChangedIn(key string) int64 { return l.cur.Load().changedIn[key] }

// localField matches the fields an account's override may set (where to apply; each
// channel's time, fee and note); the rest is the shared record's. Paths as
// procedures.DiffRecords names them.
var localField = regexp.MustCompile(`^(where|channels\[\d+\]\.(time|fee|note))$`)

// Override is account's override of code, nil when it has none.
func (l *Library) Override(account, code string) *procedures.Record {
	return l.cur.Load().local[account][code]
}

// Local is r as account tells citizens: with the account's override of where to apply and
// of each channel's time, fee and note (matched by channel kind), when it has one.
func (l *Library) Local(account string, r *procedures.Record) *procedures.Record {
	if r == nil {
		return nil
	}
	ov := l.cur.Load().local[account][r.Code]
	if ov == nil {
		return r
	}
	return ApplyLocal(r, ov)
}

// ApplyLocal is shared with an override's own facts (where; each channel's time, fee and
// note, matched by kind) — what Local serves, for previews of an override not yet published.
func ApplyLocal(shared, ov *procedures.Record) *procedures.Record {
	out := *shared
	if ov.Where != "" {
		out.Where = ov.Where
	}
	out.Channels = append([]procedures.Channel(nil), shared.Channels...)
	for i, ch := range out.Channels {
		for _, o := range ov.Channels {
			if o.Kind == ch.Kind {
				out.Channels[i].Time, out.Channels[i].Fee, out.Channels[i].Note = o.Time, o.Fee, o.Note
				break
			}
		}
	}
	return &out
}

// Versions lists the published versions, newest first.
func (l *Library) Versions() []Version {
	vs := l.cur.Load().versions
	out := make([]Version, len(vs))
	for i, v := range vs {
		out[len(vs)-1-i] = v
	}
	return out
}

// Version returns version n.
func (l *Library) Version(n int64) (Version, error) {
	vs := l.cur.Load().versions
	i := sort.Search(len(vs), func(i int) bool { return vs[i].N >= n })
	if i == len(vs) || vs[i].N != n {
		return Version{}, ErrNotFound
	}
	return vs[i], nil
}

// RecordAt is code's record as of version n (0: the seed); nil when it was not in the
// catalogue then.
func (l *Library) RecordAt(code string, n int64) *procedures.Record {
	return recordAt(l.seed, l.cur.Load().versions, code, n)
}

func recordAt(seed *procedures.Catalog, versions []Version, code string, n int64) *procedures.Record {
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		if v.N > n {
			continue
		}
		for _, c := range v.Changes {
			if c.Code != code || c.Account != "" {
				continue
			}
			switch {
			case c.Removed:
				return nil
			case c.Record != nil:
				return c.Record
			}
			return seedRecord(seed, code)
		}
	}
	return seedRecord(seed, code)
}

// localAt is account's override of code as of version n (nil: none).
func localAt(versions []Version, account, code string, n int64) *procedures.Record {
	for i := len(versions) - 1; i >= 0; i-- {
		if versions[i].N > n {
			continue
		}
		for _, c := range versions[i].Changes {
			if c.Account == account && c.Code == code {
				return c.Record
			}
		}
	}
	return nil
}

func seedRecord(seed *procedures.Catalog, code string) *procedures.Record {
	if r, ok := seed.ByCode(code); ok && r.Code == code {
		return r
	}
	return nil
}

// Diff lists, field by field, what each change of version n did.
func (l *Library) Diff(n int64) (map[string][]procedures.FieldChange, error) {
	v, err := l.Version(n)
	if err != nil {
		return nil, err
	}
	vs := l.cur.Load().versions
	out := make(map[string][]procedures.FieldChange, len(v.Changes))
	for _, c := range v.Changes {
		if c.Account == "" {
			out[c.Key()] = procedures.DiffRecords(l.RecordAt(c.Code, n-1), l.RecordAt(c.Code, n))
			continue
		}
		// An override reads against the shared record of its time.
		shared := l.RecordAt(c.Code, n)
		if shared == nil {
			continue
		}
		before, after := shared, shared
		if ov := localAt(vs, c.Account, c.Code, n-1); ov != nil {
			before = ApplyLocal(shared, ov)
		}
		if c.Record != nil {
			after = ApplyLocal(shared, c.Record)
		}
		out[c.Key()] = procedures.DiffRecords(before, after)
	}
	return out, nil
}

// Check validates changes as they would be served over the current version: every problem
// with its record and field path (*procedures.ValidationError), or the reasons a record
// may not be marked verified.
func (l *Library) Check(cs []Change) error {
	if err := CheckChanges(cs); err != nil {
		return err
	}
	cur := l.cur.Load()
	state := map[string]Change{}
	var problems []procedures.Problem
	for _, c := range cs {
		if c.Account == "" {
			state[c.Code] = c
		} else {
			problems = append(problems, checkLocal(cur.cat, c)...)
		}
	}
	if len(problems) > 0 {
		return &procedures.ValidationError{Problems: problems}
	}
	if _, err := applyState(cur.cat, state); err != nil {
		return err
	}
	if l.verify == nil {
		return nil
	}
	for _, c := range cs {
		if c.Record == nil || c.Account != "" {
			continue
		}
		before := recordAt(l.seed, cur.versions, c.Code, cur.head)
		if before != nil && c.Record.LastVerified <= before.LastVerified {
			continue
		}
		for _, why := range l.verify(c.Record) {
			problems = append(problems, procedures.Problem{Code: c.Code, Field: "last_verified",
				Msg: "không thể đánh dấu đã kiểm tra khi còn mâu thuẫn với Cổng DVC: " + why})
		}
	}
	if len(problems) > 0 {
		return &procedures.ValidationError{Problems: problems}
	}
	return nil
}

// checkLocal refuses an override that changes more than localField allows of the shared record
// or that would not validate once applied.
func checkLocal(cat *procedures.Catalog, c Change) []procedures.Problem {
	if c.Record == nil {
		return nil
	}
	shared, ok := cat.ByCode(c.Code)
	if !ok || shared.Code != c.Code {
		return []procedures.Problem{{Code: c.Code, Field: "code", Msg: "no such procedure in the shared catalogue"}}
	}
	var problems []procedures.Problem
	for _, d := range procedures.DiffRecords(shared, c.Record) {
		if !localField.MatchString(d.Field) {
			problems = append(problems, procedures.Problem{Code: c.Code, Field: d.Field,
				Msg: "an office's own information is where to apply and each channel's time, fee and note; this field is the shared catalogue's"})
		}
	}
	if len(problems) > 0 {
		return problems
	}
	if _, err := procedures.NewCatalog([]*procedures.Record{ApplyLocal(shared, c.Record)}); err != nil {
		var ve *procedures.ValidationError
		if errors.As(err, &ve) {
			return ve.Problems
		}
	}
	return nil
}

// Publish checks changes and publishes them as a new version started from base, then
// serves it here (other replicas within their refresh interval).
func (l *Library) Publish(ctx context.Context, author, note string, base int64, cs []Change) (Version, error) {
	// Check against the newest version, wherever it was published.
	if err := l.Refresh(ctx); err != nil {
		return Version{}, err
	}
	if err := l.Check(cs); err != nil {
		return Version{}, err
	}
	v, err := l.store.Publish(ctx, base, Version{Author: author, Note: note, At: l.now().UTC(), Changes: cs})
	if err != nil {
		return Version{}, err
	}
	if err := l.Refresh(ctx); err != nil {
		l.log.Warn("version published; refresh failed", zap.Error(err))
	}
	return v, nil
}

// Rollback publishes a version that brings back the content of version to (0: the seed)
// for every record changed after it.
func (l *Library) Rollback(ctx context.Context, author string, to, base int64) (Version, error) {
	if err := l.Refresh(ctx); err != nil {
		return Version{}, err
	}
	cur := l.cur.Load()
	if to < 0 || to > cur.head {
		return Version{}, ErrNotFound
	}
	var cs []Change
	seen := map[string]bool{}
	for _, v := range cur.versions {
		if v.N <= to {
			continue
		}
		for _, c := range v.Changes {
			if seen[c.Key()] {
				continue
			}
			seen[c.Key()] = true
			if c.Account != "" {
				cs = append(cs, Change{Account: c.Account, Code: c.Code, Record: localAt(cur.versions, c.Account, c.Code, to)})
				continue
			}
			cs = append(cs, l.changeBack(cur.versions, c.Code, to))
		}
	}
	if len(cs) == 0 {
		return Version{}, ErrNoChanges
	}
	if err := l.Check(cs); err != nil {
		return Version{}, err
	}
	note := fmt.Sprintf("Khôi phục phiên bản %d", to)
	if to == 0 {
		note = "Khôi phục danh mục gốc"
	}
	v, err := l.store.Publish(ctx, base, Version{Author: author, At: l.now().UTC(), Restores: to, Note: note, Changes: cs})
	if err != nil {
		return Version{}, err
	}
	if err := l.Refresh(ctx); err != nil {
		l.log.Warn("rollback published; refresh failed", zap.Error(err))
	}
	return v, nil
}

// changeBack is the change that makes code what it was at version to.
func (l *Library) changeBack(versions []Version, code string, to int64) Change {
	r := recordAt(l.seed, versions, code, to)
	switch {
	case r == nil:
		return Change{Code: code, Removed: true}
	case r == seedRecord(l.seed, code):
		return Change{Code: code}
	}
	return Change{Code: code, Record: r}
}
