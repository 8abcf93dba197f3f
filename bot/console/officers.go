package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Sign-in throttles: attempts per window, per officer name and per client address.
const (
	throttleWindow    = 15 * time.Minute
	throttleUserLimit = 5
	throttleIPLimit   = 50 // an office's officers often share one address
	maxNameRunes      = 64
)

var (
	// ErrNoOfficer: no officer with that name (neither in the file nor in the store).
	ErrNoOfficer = errors.New("console: no such officer")
	// ErrFileOfficer: the officer's role and accounts come from the config file.
	ErrFileOfficer = errors.New("console: officer's role and accounts come from the config file")
	// ErrLinkGone: the invite or sign-in link expired, was used, or was revoked.
	ErrLinkGone = errors.New("console: link expired or already used")
	// ErrBadCredentials: unknown officer, wrong password, no password yet or disabled —
	// one error, so the answer does not tell which.
	ErrBadCredentials = errors.New("console: wrong name or password")
	// ErrThrottled: too many sign-in attempts for the name or the address.
	ErrThrottled = errors.New("console: too many sign-in attempts")
)

// FileOfficer is an officer of the config file (officers[]): their role and accounts are
// authoritative; the console only adds a password and sessions.
type FileOfficer struct {
	Name     string
	Role     Role
	Accounts []string
}

// OfficersOptions configures Officers.
type OfficersOptions struct {
	// Store keeps console officers, invites, sessions and throttles (required).
	Store Store
	// File are the config file's officers.
	File []FileOfficer
	// Now defaults to time.Now.
	Now func() time.Time
	// hashParams overrides argon2id's parameters (tests); zero means defaultArgon.
	hashParams argonParams
}

// Officers manages console officers: invites, passwords, sign-in, revocation. The console
// handler uses it, and so does `oabot officers` on the same store.
type Officers struct {
	store Store
	file  map[string]FileOfficer
	order []string // file officers in file order
	now   func() time.Time
	hash  *hasher
}

// officerRecord is an officer as kept in the store (JSON).
type officerRecord struct {
	Name     string    `json:"name"`
	Role     string    `json:"role,omitempty"`
	Accounts []string  `json:"accounts,omitempty"`
	Password string    `json:"password,omitempty"` // argon2id, PHC string
	Created  time.Time `json:"created"`
	Disabled bool      `json:"disabled,omitempty"`
	// Revoked: invites and sign-in links made before it are refused.
	Revoked time.Time `json:"revoked,omitzero"`
	By      string    `json:"by,omitempty"`
}

// NewOfficers checks the file officers and prepares the password hasher.
func NewOfficers(o OfficersOptions) (*Officers, error) {
	if o.Store == nil {
		return nil, errors.New("console: no store")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.hashParams == (argonParams{}) {
		o.hashParams = defaultArgon
	}
	h, err := newHasher(o.hashParams, 2)
	if err != nil {
		return nil, err
	}
	off := &Officers{store: o.Store, file: map[string]FileOfficer{}, now: o.Now, hash: h}
	for _, f := range o.File {
		name, err := NormalizeName(f.Name)
		if err != nil {
			return nil, fmt.Errorf("console: file officer %q: %w", f.Name, err)
		}
		if !f.Role.Valid() {
			return nil, fmt.Errorf("console: file officer %q: no valid role", name)
		}
		if _, dup := off.file[name]; dup {
			return nil, fmt.Errorf("console: file officer %q listed twice", name)
		}
		f.Name, f.Accounts = name, slices.Clone(f.Accounts)
		off.file[name] = f
		off.order = append(off.order, name)
	}
	return off, nil
}

// NormalizeName returns an officer name as the console keeps it: NFC, trimmed, 1–64
// characters, no control characters.
func NormalizeName(name string) (string, error) {
	name = strings.TrimSpace(norm.NFC.String(name))
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", errors.New("empty name")
	case n > maxNameRunes:
		return "", fmt.Errorf("name longer than %d characters", maxNameRunes)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", errors.New("name with control characters")
	}
	return name, nil
}

// Authenticate checks a name and password, throttled per name and per client address
// (ip). Every failure but throttling is ErrBadCredentials, and unknown names cost as much
// as known ones (a hash is checked either way).
func (o *Officers) Authenticate(ctx context.Context, name, pw, ip string) (Officer, error) {
	name = strings.TrimSpace(norm.NFC.String(name))
	pw = normalizePassword(pw)
	if utf8.RuneCountInString(name) > maxNameRunes || utf8.RuneCountInString(pw) > maxPasswordRunes {
		name, pw = "", "" // still throttled and still hashed below
	}
	n, err := o.store.Incr(ctx, ipThrottleKey(ip), throttleWindow)
	if err != nil {
		return Officer{}, fmt.Errorf("throttle: %w", err)
	}
	if n > throttleIPLimit {
		return Officer{}, ErrThrottled
	}
	if n, err = o.store.Incr(ctx, userThrottleKey(name), throttleWindow); err != nil {
		return Officer{}, fmt.Errorf("throttle: %w", err)
	}
	if n > throttleUserLimit {
		return Officer{}, ErrThrottled
	}
	rec, _, err := o.record(ctx, name)
	if err != nil {
		return Officer{}, err
	}
	var hash string
	if rec != nil && !rec.Disabled && name != "" {
		hash = rec.Password
	}
	ok, err := o.hash.verify(ctx, pw, hash)
	if err != nil {
		return Officer{}, err
	}
	if !ok {
		return Officer{}, ErrBadCredentials
	}
	off, found := o.resolve(rec, name)
	if !found || off.Disabled {
		return Officer{}, ErrBadCredentials
	}
	// A success clears the name's count (not the address's: it is shared).
	if err := o.store.Del(ctx, userThrottleKey(name)); err != nil {
		return Officer{}, fmt.Errorf("throttle: %w", err)
	}
	return off, nil
}

// Lookup returns an officer resolved from the file and the store (without LastSignIn).
func (o *Officers) Lookup(ctx context.Context, name string) (Officer, bool, error) {
	rec, _, err := o.record(ctx, name)
	if err != nil {
		return Officer{}, false, err
	}
	off, ok := o.resolve(rec, name)
	return off, ok, nil
}

// List returns every officer: the file's (in file order), then the store's by name, each
// with their last sign-in.
func (o *Officers) List(ctx context.Context) ([]Officer, error) {
	names, err := o.store.Members(ctx, officersKey)
	if err != nil {
		return nil, fmt.Errorf("list officers: %w", err)
	}
	slices.Sort(names)
	all := slices.Clone(o.order)
	for _, n := range names {
		if _, file := o.file[n]; !file {
			all = append(all, n)
		}
	}
	out := make([]Officer, 0, len(all))
	for _, n := range all {
		off, ok, err := o.Lookup(ctx, n)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if off.LastSignIn, err = o.lastSignIn(ctx, n); err != nil {
			return nil, err
		}
		out = append(out, off)
	}
	return out, nil
}

// Update changes a store officer's role and accounts (file officers: ErrFileOfficer).
// Their sessions follow at the next request: the role is read on every request.
func (o *Officers) Update(ctx context.Context, name string, role Role, accounts []string) error {
	if _, file := o.file[name]; file {
		return ErrFileOfficer
	}
	if !role.Valid() {
		return errors.New("console: no valid role")
	}
	if err := checkScope(accounts); err != nil {
		return err
	}
	rec, _, err := o.record(ctx, name)
	if err != nil {
		return err
	}
	if rec == nil {
		return ErrNoOfficer
	}
	rec.Role, rec.Accounts = role.String(), slices.Clone(accounts)
	return o.putRecord(ctx, *rec)
}

// Revoke disables an officer (a file officer too, for the console only: their admin API
// token is the file's business), ends all their sessions and voids their pending invites
// and sign-in links. A new invite enables them again.
func (o *Officers) Revoke(ctx context.Context, name, by string) error {
	rec, _, err := o.record(ctx, name)
	if err != nil {
		return err
	}
	if _, file := o.file[name]; rec == nil && !file {
		return ErrNoOfficer
	}
	now := o.now()
	if rec == nil {
		rec = &officerRecord{Name: name, Created: now}
	}
	rec.Disabled, rec.Revoked, rec.Password, rec.By = true, now, "", by
	if err := o.putRecord(ctx, *rec); err != nil {
		return err
	}
	return o.SignOutEverywhere(ctx, name)
}

// SignOutEverywhere ends every session of the officer.
func (o *Officers) SignOutEverywhere(ctx context.Context, name string) error {
	set := officerSessionsKey(name)
	members, err := o.store.Members(ctx, set)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	keys := make([]string, 0, len(members)+1)
	for _, m := range members {
		keys = append(keys, "sess:"+m) // members are session-id hashes
	}
	if err := o.store.Del(ctx, append(keys, set)...); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}

// record reads an officer's store record (nil when there is none).
func (o *Officers) record(ctx context.Context, name string) (*officerRecord, bool, error) {
	if name == "" {
		return nil, false, nil
	}
	b, ok, err := o.store.Get(ctx, officerKey(name))
	if err != nil {
		return nil, false, fmt.Errorf("read officer: %w", err)
	}
	if !ok {
		return nil, false, nil
	}
	var rec officerRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, false, fmt.Errorf("decode officer: %w", err)
	}
	return &rec, true, nil
}

func (o *Officers) putRecord(ctx context.Context, rec officerRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := o.store.Set(ctx, officerKey(rec.Name), b, 0); err != nil {
		return fmt.Errorf("store officer: %w", err)
	}
	if err := o.store.AddMember(ctx, officersKey, rec.Name, 0); err != nil {
		return fmt.Errorf("store officer: %w", err)
	}
	return nil
}

// resolve merges the store record (may be nil) with the file: the file decides the role
// and accounts.
func (o *Officers) resolve(rec *officerRecord, name string) (Officer, bool) {
	f, file := o.file[name]
	if rec == nil && !file {
		return Officer{}, false
	}
	off := Officer{Name: name}
	if rec != nil {
		off.Role, _ = ParseRole(rec.Role)
		off.Accounts = slices.Clone(rec.Accounts)
		off.HasPassword, off.Disabled = rec.Password != "", rec.Disabled
		off.Created, off.InvitedBy = rec.Created, rec.By
	}
	if file {
		off.Role, off.Accounts, off.File = f.Role, slices.Clone(f.Accounts), true
	}
	return off, true
}

func (o *Officers) recordSignIn(ctx context.Context, name string) error {
	b, err := o.now().UTC().MarshalText()
	if err != nil {
		return err
	}
	return o.store.Set(ctx, lastSignInKey(name), b, 0)
}

func (o *Officers) lastSignIn(ctx context.Context, name string) (time.Time, error) {
	b, ok, err := o.store.Get(ctx, lastSignInKey(name))
	if err != nil || !ok {
		return time.Time{}, err
	}
	var t time.Time
	if err := t.UnmarshalText(b); err != nil {
		return time.Time{}, nil // a damaged value reads as "never"
	}
	return t, nil
}

func checkScope(accounts []string) error {
	if len(accounts) == 0 {
		return errors.New("no accounts (list account ids, or * for all)")
	}
	for _, a := range accounts {
		if a == "" || strings.ContainsFunc(a, unicode.IsSpace) {
			return fmt.Errorf("bad account id %q", a)
		}
	}
	return nil
}
