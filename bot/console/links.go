package console

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Invites and one-time sign-in links: 256 random bits in the URL, their SHA-256 in the
// store with a TTL, read without use on GET (chat apps fetch links to preview them) and
// taken once (GETDEL) on POST.

// InviteTTL is how long an invite link stays valid.
const InviteTTL = 72 * time.Hour

// linkRecord is a pending invite or sign-in link (JSON), stored under its token's hash.
type linkRecord struct {
	Name     string    `json:"name"`
	Role     string    `json:"role,omitempty"`
	Accounts []string  `json:"accounts,omitempty"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	By       string    `json:"by,omitempty"`
}

// InviteSpec is who an invite is for.
type InviteSpec struct {
	Name string
	// Role and Accounts are ignored for a file officer (the file decides).
	Role     Role
	Accounts []string
	// By names who made the invite (an officer, or "cli").
	By string
}

// Invite creates a one-time invite valid for InviteTTL and returns its token (256 random
// bits; only its hash is stored). Accepting it sets the officer's password and signs them
// in; an invite for an existing officer resets their password.
func (o *Officers) Invite(ctx context.Context, spec InviteSpec) (string, error) {
	name, err := NormalizeName(spec.Name)
	if err != nil {
		return "", err
	}
	rec := linkRecord{Name: name, Role: spec.Role.String(), Accounts: slices.Clone(spec.Accounts), By: spec.By}
	if _, file := o.file[name]; !file {
		if !spec.Role.Valid() {
			return "", errors.New("invite: no valid role")
		}
		if err := checkScope(spec.Accounts); err != nil {
			return "", fmt.Errorf("invite: %w", err)
		}
	}
	return o.newLink(ctx, inviteKey, rec, InviteTTL)
}

// SignInLink creates a one-time link that signs an existing officer in without a password
// (the demo prints one for its officer) and returns its token.
func (o *Officers) SignInLink(ctx context.Context, name string, ttl time.Duration) (string, error) {
	off, ok, err := o.Lookup(ctx, name)
	if err != nil {
		return "", err
	}
	if !ok || off.Disabled {
		return "", ErrNoOfficer
	}
	return o.newLink(ctx, signInLinkKey, linkRecord{Name: off.Name}, ttl)
}

func (o *Officers) newLink(ctx context.Context, key func(string) string, rec linkRecord, ttl time.Duration) (string, error) {
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	rec.Created = o.now()
	rec.Expires = rec.Created.Add(ttl)
	b, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	if err := o.store.Set(ctx, key(token), b, ttl); err != nil {
		return "", fmt.Errorf("store link: %w", err)
	}
	return token, nil
}

// Invite is a pending invite, as its page shows it.
type Invite struct {
	Officer Officer // role and accounts as they will be (the file's for a file officer)
	Expires time.Time
}

// PeekInvite reads a pending invite without using it (GET shows the form only: chat apps
// fetch links to preview them).
func (o *Officers) PeekInvite(ctx context.Context, token string) (Invite, error) {
	rec, err := o.readLink(ctx, inviteKey, token, false)
	if err != nil {
		return Invite{}, err
	}
	return Invite{Officer: o.inviteOfficer(rec), Expires: rec.Expires}, nil
}

// AcceptInvite uses an invite (once: concurrent calls get ErrLinkGone but one), sets the
// officer's password (pw must pass the password rules) and ends their other sessions.
func (o *Officers) AcceptInvite(ctx context.Context, token, pw string) (Officer, error) {
	pw = normalizePassword(pw)
	rec, err := o.readLink(ctx, inviteKey, token, true)
	if err != nil {
		return Officer{}, err
	}
	if msg := checkNewPassword(pw, rec.Name); msg != "" {
		return Officer{}, errors.New("console: password refused by the rules")
	}
	hash, err := o.hash.hash(ctx, pw)
	if err != nil {
		return Officer{}, err
	}
	cur, _, err := o.record(ctx, rec.Name)
	if err != nil {
		return Officer{}, err
	}
	next := officerRecord{Name: rec.Name, Role: rec.Role, Accounts: rec.Accounts, Password: hash,
		Created: o.now(), By: rec.By}
	if cur != nil {
		next.Created, next.Revoked = cur.Created, cur.Revoked
	}
	if err := o.putRecord(ctx, next); err != nil {
		return Officer{}, err
	}
	// A new password ends every session the officer had (a lost phone, a shared PC).
	if err := o.SignOutEverywhere(ctx, rec.Name); err != nil {
		return Officer{}, err
	}
	off, _ := o.resolve(&next, rec.Name)
	return off, nil
}

// PeekSignInLink returns the name a sign-in link is for, without using it.
func (o *Officers) PeekSignInLink(ctx context.Context, token string) (string, error) {
	rec, err := o.readLink(ctx, signInLinkKey, token, false)
	return rec.Name, err
}

// TakeSignInLink uses a sign-in link (once) and returns its officer.
func (o *Officers) TakeSignInLink(ctx context.Context, token string) (Officer, error) {
	rec, err := o.readLink(ctx, signInLinkKey, token, true)
	if err != nil {
		return Officer{}, err
	}
	off, ok, err := o.Lookup(ctx, rec.Name)
	if err != nil {
		return Officer{}, err
	}
	if !ok || off.Disabled {
		return Officer{}, ErrLinkGone
	}
	return off, nil
}

// readLink reads (take: and deletes) a link. Expired links, and links older than the
// officer's revocation, are gone.
func (o *Officers) readLink(ctx context.Context, key func(string) string, token string, take bool) (linkRecord, error) {
	if !validToken(token) {
		return linkRecord{}, ErrLinkGone
	}
	get := o.store.Get
	if take {
		get = o.store.Take
	}
	b, ok, err := get(ctx, key(token))
	if err != nil {
		return linkRecord{}, fmt.Errorf("read link: %w", err)
	}
	if !ok {
		return linkRecord{}, ErrLinkGone
	}
	var rec linkRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return linkRecord{}, fmt.Errorf("decode link: %w", err)
	}
	if !o.now().Before(rec.Expires) {
		return linkRecord{}, ErrLinkGone
	}
	cur, _, err := o.record(ctx, rec.Name)
	if err != nil {
		return linkRecord{}, err
	}
	if cur != nil && !cur.Revoked.IsZero() && !rec.Created.After(cur.Revoked) {
		return linkRecord{}, ErrLinkGone
	}
	return rec, nil
}

func (o *Officers) inviteOfficer(rec linkRecord) Officer {
	role, _ := ParseRole(rec.Role)
	off := Officer{Name: rec.Name, Role: role, Accounts: rec.Accounts}
	if f, ok := o.file[rec.Name]; ok {
		off.Role, off.Accounts, off.File = f.Role, f.Accounts, true
	}
	return off
}

// randomToken is 256 random bits, URL-safe (43 characters).
func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// validToken reports whether s looks like a randomToken (checked before any lookup).
func validToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}
