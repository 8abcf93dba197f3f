// Package accounts owns the Official Accounts a replica serves: the accounts of the config
// file merged with the accounts added at run time (admin API, OAuth onboarding) under one
// validation, one Zalo client and token source per account, and immutable snapshots that
// the webhook, the conversation, the QR/landing/poster routes, campaigns and the admin API
// read.
//
// The file stays authoritative: a runtime record can never take the id or the oa_id of a
// file account, and two accounts never share an oa_id (the webhook routes events by it). A
// runtime record that breaks a rule, or that cannot be decoded, is left out and reported in
// the snapshot's Problems; it never stops the other accounts from applying.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/zalo"
)

// Record is an account added at run time, as a Store keeps it.
//
// OASecretKey (webhook signature) and AppSecretKey (OAuth secret_key) are kept like the OA
// tokens; the admin API accepts them but never returns them. When they are empty, Merge
// takes them from a file account of the same app_id (several OAs usually share one app).
type Record struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	OAID         string    `json:"oa_id"`
	AppID        string    `json:"app_id"`
	OASecretKey  string    `json:"oa_secret_key,omitempty"`
	AppSecretKey string    `json:"app_secret_key,omitempty"`
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// UpdatedBy names the officer who last changed it (for the audit trail).
	UpdatedBy string `json:"updated_by,omitempty"`

	// Invalid is set by a Store's List for a stored value it could not decode: the record
	// holds only its ID, and Merge reports it instead of serving it.
	Invalid error `json:"-"`
}

// Store keeps the runtime records: redisstore.Accounts in production (shared by every
// replica), MemoryStore in tests.
type Store interface {
	// List returns every record, sorted by id; undecodable ones carry Invalid.
	List(ctx context.Context) ([]Record, error)
	// Get returns one record or ErrNotFound.
	Get(ctx context.Context, id string) (Record, error)
	// Put stores rec (created or replaced), keeping the stored secrets when rec's are
	// empty. It refuses, atomically, a record whose oa_id another record holds
	// (ErrConflict), so two replicas cannot both accept one OA.
	Put(ctx context.Context, rec Record) (Record, error)
	// SetDisabled disables or enables a record; ErrNotFound when there is none.
	SetDisabled(ctx context.Context, id string, disabled bool, by string) (Record, error)
}

var (
	// ErrNotFound: no runtime record with that id.
	ErrNotFound = errors.New("accounts: no such runtime account")
	// ErrConflict: the id or the oa_id belongs to another account.
	ErrConflict = errors.New("accounts: conflicts with another account")
)

// InvalidError says why a runtime record cannot be served as given.
type InvalidError struct{ Reason string }

func (e *InvalidError) Error() string { return "invalid account: " + e.Reason }

// ConflictError says which account already holds the id or the oa_id; it wraps
// ErrConflict.
type ConflictError struct {
	Field string // "id" or "oa_id"
	With  string // the account holding it
	File  bool   // the holder is an account of the config file
}

func (e *ConflictError) Error() string {
	where := "runtime account"
	if e.File {
		where = "account of the config file"
	}
	return fmt.Sprintf("%s already used by %s %s", e.Field, where, e.With)
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

// Problem is a runtime record left out of the served set, and why.
type Problem struct {
	ID  string
	Err error
}

// Merge applies the one validation to the file accounts and the runtime records and returns
// the accounts to serve (file accounts first, in file order, then runtime ones by creation) with
// the runtime ids marked, and the records left out. File accounts are trusted (config
// validated them); a runtime record is left out when it cannot be decoded, takes the id or
// oa_id of an account before it, or has no secrets of its own or of a file account of its
// app.
func Merge(file []config.Account, records []Record) (merged []config.Account, runtime map[string]bool, problems []Problem) {
	merged = slices.Clone(file)
	runtime = map[string]bool{}
	recs := slices.Clone(records)
	// First come, first served: of two records claiming one oa_id, the older one stays.
	slices.SortStableFunc(recs, func(a, b Record) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, r := range recs {
		a, err := fromRecord(file, merged, r)
		if err != nil {
			problems = append(problems, Problem{ID: r.ID, Err: err})
			continue
		}
		merged = append(merged, a)
		runtime[a.ID] = true
	}
	return merged, runtime, problems
}

// Check tells whether rec could be served beside the file accounts and the other runtime
// records (all but rec's own): the admin API calls it before storing.
func Check(file []config.Account, others []Record, rec Record) error {
	var rest []Record
	for _, o := range others {
		if o.ID != rec.ID && o.Invalid == nil {
			rest = append(rest, o)
		}
	}
	merged, _, _ := Merge(file, rest)
	_, err := fromRecord(file, merged, rec)
	return err
}

// fromRecord turns a runtime record into a served account, checked against the accounts
// already taken (taken) and completed from file accounts of the same app.
func fromRecord(file, taken []config.Account, r Record) (config.Account, error) {
	if r.Invalid != nil {
		return config.Account{}, &InvalidError{Reason: "stored value cannot be read: " + r.Invalid.Error()}
	}
	if r.ID == "" || r.OAID == "" || r.AppID == "" {
		return config.Account{}, &InvalidError{Reason: "id, oa_id and app_id are required"}
	}
	fileIDs := map[string]bool{}
	for _, f := range file {
		fileIDs[f.ID] = true
	}
	for _, t := range taken {
		switch {
		case t.ID == r.ID:
			return config.Account{}, &ConflictError{Field: "id", With: t.ID, File: fileIDs[t.ID]}
		case t.OAID == r.OAID:
			return config.Account{}, &ConflictError{Field: "oa_id", With: t.ID, File: fileIDs[t.ID]}
		}
	}
	a := config.Account{ID: r.ID, Name: r.Name, OAID: r.OAID, AppID: r.AppID, Disabled: r.Disabled,
		OASecretKey: config.NewSecret(r.OASecretKey), AppSecretKey: config.NewSecret(r.AppSecretKey)}
	for _, f := range file {
		if f.AppID != r.AppID {
			continue
		}
		if a.OASecretKey.IsZero() {
			a.OASecretKey = f.OASecretKey
		}
		if a.AppSecretKey.IsZero() {
			a.AppSecretKey = f.AppSecretKey
		}
	}
	if a.OASecretKey.IsZero() || a.AppSecretKey.IsZero() {
		return config.Account{}, &InvalidError{Reason: "no OA secret key or app secret key (give them, or add a file account of the same app)"}
	}
	a.QR.Mode = config.QRModeLanding
	return a, nil
}

// Account is one account as this replica serves it. It is shared by every snapshot that
// holds it unchanged: never modify one.
type Account struct {
	config.Account
	// Runtime is true for an account added at run time (not in the config file).
	Runtime bool
	// Client sends the conversation's replies (nil when disabled or when it could not be
	// built: see Snapshot.Problems).
	Client *zalo.Client
	// Campaign sends announcements: the same token source as Client, one attempt per call
	// (a transport-level retry could deliver an announcement twice; bot/broadcast retries
	// what is safe to retry).
	Campaign *zalo.Client

	fingerprint string
}

// Snapshot is an immutable view of the accounts at one moment.
type Snapshot struct {
	all      []*Account
	byID     map[string]*Account
	byOAID   map[string]*Account
	problems []Problem
	version  uint64
}

// All returns every account, disabled ones included (file order, then runtime by creation).
func (s *Snapshot) All() []*Account { return s.all }

// Enabled returns the accounts that are served.
func (s *Snapshot) Enabled() []*Account {
	out := make([]*Account, 0, len(s.all))
	for _, a := range s.all {
		if !a.Disabled {
			out = append(out, a)
		}
	}
	return out
}

// Configs returns the accounts' configuration, disabled ones included.
func (s *Snapshot) Configs() []config.Account {
	out := make([]config.Account, len(s.all))
	for i, a := range s.all {
		out[i] = a.Account
	}
	return out
}

// ByID returns an account by its slug.
func (s *Snapshot) ByID(id string) (*Account, bool) { a, ok := s.byID[id]; return a, ok }

// ByOAID returns an account by its Zalo OA id.
func (s *Snapshot) ByOAID(oaID string) (*Account, bool) { a, ok := s.byOAID[oaID]; return a, ok }

// Problems lists the runtime records left out and the accounts whose Zalo client could
// not be built.
func (s *Snapshot) Problems() []Problem { return s.problems }

// Version counts the snapshots a Registry published (1 for the first).
func (s *Snapshot) Version() uint64 { return s.version }
