package accounts

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/oabot/oabot/config"
)

// SettingsRecord is an office's own settings (config.Settings) over its account, as an
// officer saved them in the console: they replace the file's welcome, quick topics,
// offices, hours, notice and signature on every replica.
type SettingsRecord struct {
	Account  string          `json:"account"`
	Settings config.Settings `json:"settings"`
	// Version counts the saves of this account's settings (1 for the first).
	Version   int64     `json:"version"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SettingsStore keeps the offices' settings: redisstore.AccountSettings in production,
// MemorySettings in the demo and tests. Saves are compare-and-set on the version, so two
// officers cannot overwrite each other unseen.
type SettingsStore interface {
	// ListSettings returns every account's saved settings.
	ListSettings(ctx context.Context) ([]SettingsRecord, error)
	// PutSettings stores rec as version base+1, or answers *SettingsConflictError with the
	// stored record when its version is not base (0: none saved).
	PutSettings(ctx context.Context, rec SettingsRecord, base int64) (SettingsRecord, error)
	// DeleteSettings removes account's saved settings (the file's apply again) when their
	// version is base; *SettingsConflictError otherwise.
	DeleteSettings(ctx context.Context, account string, base int64) error
}

// SettingsConflictError refuses a save started from an older version: Current is what
// another officer saved meanwhile.
type SettingsConflictError struct{ Current SettingsRecord }

func (e *SettingsConflictError) Error() string {
	return fmt.Sprintf("accounts: the settings of %s were saved by %s (version %d) meanwhile", e.Current.Account, e.Current.UpdatedBy, e.Current.Version)
}

// ErrInvalidSettings wraps the problems of settings a save refuses.
var ErrInvalidSettings = errors.New("accounts: invalid settings")

// SettingsProblems are the problems of refused settings, each with its field path.
type SettingsProblems []string

func (p SettingsProblems) Error() string { return fmt.Sprintf("%d problems with the settings", len(p)) }

func (p SettingsProblems) Unwrap() error { return ErrInvalidSettings }

// MemorySettings is a SettingsStore in process memory.
type MemorySettings struct {
	mu   sync.Mutex
	recs map[string]SettingsRecord
}

// NewMemorySettings returns an empty store.
func NewMemorySettings() *MemorySettings { return &MemorySettings{recs: map[string]SettingsRecord{}} }

// ListSettings returns every account's saved settings.
func (m *MemorySettings) ListSettings(context.Context) ([]SettingsRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]SettingsRecord, 0, len(m.recs))
	for _, r := range m.recs {
		out = append(out, r)
	}
	return out, nil
}

// PutSettings stores rec as version base+1 when the stored version is base.
func (m *MemorySettings) PutSettings(_ context.Context, rec SettingsRecord, base int64) (SettingsRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.recs[rec.Account]; cur.Version != base {
		return SettingsRecord{}, &SettingsConflictError{Current: cur}
	}
	rec.Version = base + 1
	m.recs[rec.Account] = rec
	return rec, nil
}

// DeleteSettings removes account's settings when their version is base.
func (m *MemorySettings) DeleteSettings(_ context.Context, account string, base int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.recs[account]; cur.Version != base {
		return &SettingsConflictError{Current: cur}
	}
	delete(m.recs, account)
	return nil
}
