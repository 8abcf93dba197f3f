package accounts

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a Store in process memory (tests, and any single-process use). It keeps
// the same rules as the Redis store.
type MemoryStore struct {
	mu   sync.Mutex
	recs map[string]Record
	now  func() time.Time
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{recs: map[string]Record{}, now: time.Now}
}

// List returns every record by id.
func (m *MemoryStore) List(context.Context) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Record, 0, len(m.recs))
	for _, r := range m.recs {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Record) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Get returns one record or ErrNotFound.
func (m *MemoryStore) Get(_ context.Context, id string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return Record{}, ErrNotFound
	}
	return r, nil
}

// Put stores rec; another record with its oa_id → *ConflictError.
func (m *MemoryStore) Put(_ context.Context, rec Record) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, found := m.recs[rec.ID]
	if err := PrepareStored(&rec, old, found, m.now()); err != nil {
		return Record{}, err
	}
	keeps := found && old.OAID == rec.OAID // see redisstore.Accounts.Put
	for _, o := range m.recs {
		if !keeps && o.ID != rec.ID && o.OAID == rec.OAID {
			return Record{}, &ConflictError{Field: "oa_id", With: o.ID}
		}
	}
	m.recs[rec.ID] = rec
	return rec, nil
}

// SetDisabled disables or enables a record.
func (m *MemoryStore) SetDisabled(_ context.Context, id string, disabled bool, by string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.recs[id]
	if !ok {
		return Record{}, ErrNotFound
	}
	r.Disabled, r.UpdatedBy, r.UpdatedAt = disabled, by, m.now().UTC()
	m.recs[id] = r
	return r, nil
}

// PrepareStored is the part of Put every Store shares: the required fields, the times, and
// the stored secrets kept when rec leaves them empty. old is the stored record (found says
// whether there is one).
func PrepareStored(rec *Record, old Record, found bool, now time.Time) error {
	if rec.ID == "" || rec.OAID == "" || rec.AppID == "" {
		return &InvalidError{Reason: "id, oa_id and app_id are required"}
	}
	now = now.UTC()
	rec.CreatedAt, rec.UpdatedAt = now, now
	if found && old.Invalid == nil {
		rec.CreatedAt = old.CreatedAt
		if rec.OASecretKey == "" {
			rec.OASecretKey = old.OASecretKey
		}
		if rec.AppSecretKey == "" {
			rec.AppSecretKey = old.AppSecretKey
		}
	}
	return nil
}
