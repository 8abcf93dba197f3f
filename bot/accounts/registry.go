package accounts

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/refresh"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/zalo"
)

// RefreshEvery is how often Run re-reads the runtime records, so that an account added or
// disabled on one replica applies on every replica within about this long (at once on the
// replica that took the admin call).
const RefreshEvery = 5 * time.Second

// TokenFunc gives an account its access tokens: a refreshing zalo.TokenSource on the
// shared token store in production, the configured token in the demo.
type TokenFunc func(ctx context.Context, a config.Account) (zalo.TokenProvider, error)

// Options configures a Registry.
type Options struct {
	// File is the config file's accounts (authoritative).
	File []config.Account
	// Store keeps the runtime records; nil serves the file accounts only.
	Store Store
	// Settings keeps the offices' own settings (console); nil: the file's only.
	Settings SettingsStore
	// Tokens gives each enabled account its token provider (required).
	Tokens TokenFunc
	// ClientOptions are every Zalo client's options (API base, HTTP client); the registry
	// adds the token source, and the one-attempt retry policy for campaign clients.
	ClientOptions []zalo.Option
	Logger        *zap.Logger
}

// Registry merges, validates and serves the accounts. It publishes a new Snapshot whenever
// the served set changes and tells the subscribers, in order of subscription, before
// Refresh returns.
type Registry struct {
	o   Options
	cur atomic.Pointer[Snapshot]

	mu   sync.Mutex // serialises refreshes, puts and subscriptions
	subs []func(*Snapshot)
	sig  string
}

// New builds the registry and its first snapshot. A file account whose Zalo client cannot
// be built is an error (the configuration is wrong); a runtime record that cannot be served
// is reported in the snapshot and logged. A Store that does not answer is an error.
func New(ctx context.Context, o Options) (*Registry, error) {
	if o.Tokens == nil {
		return nil, errors.New("accounts: Options.Tokens is required")
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	r := &Registry{o: o}
	r.cur.Store(&Snapshot{byID: map[string]*Account{}, byOAID: map[string]*Account{}})
	if err := r.Refresh(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// Snapshot returns the accounts served now.
func (r *Registry) Snapshot() *Snapshot { return r.cur.Load() }

// File returns the config file's accounts.
func (r *Registry) File() []config.Account { return r.o.File }

// HasStore reports whether runtime accounts are kept (Redis mode).
func (r *Registry) HasStore() bool { return r.o.Store != nil }

// Subscribe calls fn with the current snapshot now and with every later one. fn must not
// call back into the registry.
func (r *Registry) Subscribe(fn func(*Snapshot)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs = append(r.subs, fn)
	fn(r.cur.Load())
}

// Run refreshes every RefreshEvery until ctx ends; a failed refresh is logged and the
// previous snapshot stays in force.
func (r *Registry) Run(ctx context.Context, every time.Duration) {
	if r.o.Store == nil && r.o.Settings == nil {
		return
	}
	if every <= 0 {
		every = RefreshEvery
	}
	refresh.Every(ctx, every, r.Refresh, func(err error) {
		r.o.Logger.Warn("runtime accounts not refreshed", zap.Error(err))
	})
}

// Refresh reads the runtime records and publishes a new snapshot when anything served
// changed. Accounts that did not change keep their clients (and token sources).
func (r *Registry) Refresh(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refreshLocked(ctx)
}

func (r *Registry) refreshLocked(ctx context.Context) error {
	var records []Record
	if r.o.Store != nil {
		var err error
		if records, err = r.o.Store.List(ctx); err != nil {
			return fmt.Errorf("runtime accounts: %w", err)
		}
	}
	merged, runtime, problems := Merge(r.o.File, records)
	saved, err := r.settings(ctx)
	if err != nil {
		return err
	}
	h := sha256.New()
	for i, a := range merged {
		if rec, ok := saved[a.ID]; ok {
			if bad := config.ValidateSettings("settings.", rec.Settings); len(bad) > 0 {
				// Saved by an older version with other rules: the file's settings serve.
				problems = append(problems, Problem{ID: a.ID, Err: SettingsProblems(bad)})
			} else {
				merged[i] = a.WithSettings(rec.Settings)
				fmt.Fprintf(h, "settings:%s:%d;", a.ID, rec.Version)
			}
		}
		h.Write([]byte(fingerprint(merged[i])))
	}
	for _, p := range problems {
		fmt.Fprintf(h, "!%s:%v;", p.ID, p.Err)
	}
	sig := fmt.Sprintf("%x", h.Sum(nil))
	if sig == r.sig {
		return nil
	}
	old := r.cur.Load()
	next := &Snapshot{byID: map[string]*Account{}, byOAID: map[string]*Account{}, version: old.version + 1}
	for _, c := range merged {
		a := &Account{Account: c, Runtime: runtime[c.ID], fingerprint: fingerprint(c)}
		prev, ok := old.byID[c.ID]
		switch {
		case ok && prev.fingerprint == a.fingerprint && reflect.DeepEqual(prev.Settings(), c.Settings()):
			a = prev // unchanged
		case ok && prev.fingerprint == a.fingerprint:
			a.Client, a.Campaign = prev.Client, prev.Campaign // new settings, same identity: same clients
		case !c.Disabled:
			var err error
			if a.Client, a.Campaign, err = r.clients(ctx, c); err != nil {
				if old.version == 0 && !a.Runtime {
					return fmt.Errorf("account %s: %w", c.ID, err) // the config file is wrong
				}
				// Served without a client: events are accepted and their replies retried
				// (transient) until the account is repaired.
				problems = append(problems, Problem{ID: c.ID, Err: fmt.Errorf("zalo client: %w", err)})
			}
		}
		next.all = append(next.all, a)
		next.byID[a.ID] = a
		next.byOAID[a.OAID] = a
	}
	next.problems = problems
	for _, p := range problems {
		r.o.Logger.Error("account left out or without a Zalo client", zap.String("account", p.ID), zap.Error(p.Err))
	}
	r.cur.Store(next)
	r.sig = sig
	for _, fn := range r.subs {
		fn(next)
	}
	if old.version > 0 {
		r.o.Logger.Info("accounts applied", zap.Int("accounts", len(next.all)), zap.Int("left_out", len(problems)))
	}
	return nil
}

// settings reads the offices' saved settings by account (none without a store).
func (r *Registry) settings(ctx context.Context) (map[string]SettingsRecord, error) {
	out := map[string]SettingsRecord{}
	if r.o.Settings == nil {
		return out, nil
	}
	recs, err := r.o.Settings.ListSettings(ctx)
	if err != nil {
		return nil, fmt.Errorf("account settings: %w", err)
	}
	for _, rec := range recs {
		out[rec.Account] = rec
	}
	return out, nil
}

// Settings returns the settings account serves now, the version of the office's saved
// ones (0: the file's serve) and the file's own (for "back to the file").
func (r *Registry) Settings(ctx context.Context, account string) (served config.Settings, version int64, file config.Settings, err error) {
	a, ok := r.Snapshot().ByID(account)
	if !ok {
		return config.Settings{}, 0, config.Settings{}, ErrNotFound
	}
	for _, f := range r.o.File {
		if f.ID == account {
			file = f.Settings()
		}
	}
	saved, err := r.settings(ctx)
	if err != nil {
		return config.Settings{}, 0, config.Settings{}, err
	}
	return a.Settings(), saved[account].Version, file, nil
}

// PutSettings validates s exactly as the config file's settings are, saves it as the
// account's next version when base is the stored one (*SettingsConflictError otherwise),
// and applies it here at once (other replicas within their refresh interval).
func (r *Registry) PutSettings(ctx context.Context, account string, s config.Settings, base int64, by string) (SettingsRecord, error) {
	if r.o.Settings == nil {
		return SettingsRecord{}, errors.New("accounts: no settings store")
	}
	if _, ok := r.Snapshot().ByID(account); !ok {
		return SettingsRecord{}, ErrNotFound
	}
	if bad := config.ValidateSettings("", s); len(bad) > 0 {
		return SettingsRecord{}, SettingsProblems(bad)
	}
	rec, err := r.o.Settings.PutSettings(ctx, SettingsRecord{Account: account, Settings: s, UpdatedBy: by, UpdatedAt: time.Now().UTC()}, base)
	if err != nil {
		return SettingsRecord{}, err
	}
	return rec, r.Refresh(ctx)
}

// ResetSettings drops the office's saved settings (the file's serve again) when base is
// their version.
func (r *Registry) ResetSettings(ctx context.Context, account string, base int64) error {
	if r.o.Settings == nil {
		return errors.New("accounts: no settings store")
	}
	if err := r.o.Settings.DeleteSettings(ctx, account, base); err != nil {
		return err
	}
	return r.Refresh(ctx)
}

// clients builds an account's conversation and campaign clients on one token source.
func (r *Registry) clients(ctx context.Context, a config.Account) (conv, campaign *zalo.Client, err error) {
	tp, err := r.o.Tokens(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	opts := append(append([]zalo.Option(nil), r.o.ClientOptions...), zalo.WithTokenSource(tp))
	if conv, err = zalo.NewClient(opts...); err != nil {
		return nil, nil, err
	}
	if campaign, err = zalo.NewClient(append(opts, zalo.WithRetry(zalo.RetryPolicy{MaxAttempts: 1}))...); err != nil {
		return nil, nil, err
	}
	return conv, campaign, nil
}

// Put validates rec against the file accounts and the other runtime records (an id or
// oa_id already used → *ConflictError, missing secrets → *InvalidError), stores it and
// applies it on this replica at once. Empty secrets keep the stored ones.
func (r *Registry) Put(ctx context.Context, rec Record) (Record, error) {
	if r.o.Store == nil {
		return Record{}, errors.New("accounts: runtime accounts need a store (Redis)")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	others, err := r.o.Store.List(ctx)
	if err != nil {
		return Record{}, err
	}
	check := rec
	for _, o := range others {
		if o.ID == rec.ID && o.Invalid == nil {
			check.Disabled = o.Disabled
			if check.OASecretKey == "" {
				check.OASecretKey = o.OASecretKey
			}
			if check.AppSecretKey == "" {
				check.AppSecretKey = o.AppSecretKey
			}
		}
	}
	if err := Check(r.o.File, others, check); err != nil {
		return Record{}, err
	}
	rec.Disabled = check.Disabled
	stored, err := r.o.Store.Put(ctx, rec)
	if err != nil {
		return Record{}, err
	}
	if err := r.refreshLocked(ctx); err != nil {
		r.o.Logger.Warn("runtime account stored, not yet applied here", zap.String("account", rec.ID), zap.Error(err))
	}
	return stored, nil
}

// SetDisabled disables or enables a runtime account and applies it here at once.
func (r *Registry) SetDisabled(ctx context.Context, id string, disabled bool, by string) (Record, error) {
	if r.o.Store == nil {
		return Record{}, ErrNotFound
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, err := r.o.Store.SetDisabled(ctx, id, disabled, by)
	if err != nil {
		return Record{}, err
	}
	if err := r.refreshLocked(ctx); err != nil {
		r.o.Logger.Warn("runtime account changed, not yet applied here", zap.String("account", id), zap.Error(err))
	}
	return rec, nil
}

// fingerprint changes when anything the registry applies changes. Secrets are hashed,
// never kept in clear.
func fingerprint(a config.Account) string {
	sum := sha256.Sum256([]byte(a.OASecretKey.Value() + "\x00" + a.AppSecretKey.Value() + "\x00" +
		a.AccessToken.Value() + "\x00" + a.RefreshToken.Value()))
	return fmt.Sprintf("%s|%s|%s|%s|%t|%x;", a.ID, a.OAID, a.AppID, a.Name, a.Disabled, sum[:8])
}
