// Package catalog keeps the officers' edits to the procedure catalogue as numbered
// versions over the seed (the built-in catalogue or the configured files) and serves every
// replica the current version within seconds, without a restart.
//
// A version is a set of changes — a record replaced, added, removed or put back to the
// seed — with who published it, when and why. Versions are never rewritten: a rollback is
// a new version that restores an older one, so history always reads forwards. Two officers
// editing the same record cannot overwrite each other: a publish names the version its
// author started from, and the store refuses it when a later version changed one of its
// records (*ConflictError), so the second officer sees the first one's change.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oabot/oabot/procedures"
)

// Change is one record's edit in a version: of the shared record, or of one account's
// override of it (the facts an office or province sets: where to apply, time, fee, notes).
type Change struct {
	// Account is empty for the shared record, else the account whose override changes.
	Account string `json:"account,omitempty"`
	// Code is the record's national code.
	Code string `json:"code"`
	// Record is the record's new content. Nil with Removed false puts the seed's record
	// back (an edit undone).
	Record *procedures.Record `json:"record,omitempty"`
	// Removed takes the record out of the catalogue (shared records only).
	Removed bool `json:"removed,omitempty"`
}

// Key names what a change edits: the code for the shared record, "account/code" for an
// account's override. Conflicts are checked per key.
func (c Change) Key() string {
	if c.Account == "" {
		return c.Code
	}
	return c.Account + "/" + c.Code
}

// Version is one published set of changes.
type Version struct {
	// N numbers versions from 1; 0 is the seed.
	N int64 `json:"n"`
	// Base is the version the author started from.
	Base   int64     `json:"base"`
	Author string    `json:"author"`
	At     time.Time `json:"at"`
	// Note says why, in the author's words.
	Note string `json:"note,omitempty"`
	// Restores is set on a rollback: the version whose content this one brings back.
	Restores int64    `json:"restores,omitempty"`
	Changes  []Change `json:"changes"`
}

// Codes lists the keys (Change.Key) the version changes.
func (v Version) Codes() []string {
	out := make([]string, len(v.Changes))
	for i, c := range v.Changes {
		out[i] = c.Key()
	}
	return out
}

// Store keeps the versions for every replica. redisstore.Catalog and inmem.Catalog
// implement it; catalogtest checks both against one contract.
type Store interface {
	// Publish stores v as the next version (v.N and v.Base are set by the store) unless a
	// version after base changed one of v's keys (Change.Key): then a *ConflictError names
	// the newest such version and nothing is stored.
	Publish(ctx context.Context, base int64, v Version) (Version, error)
	// Head is the newest version's number (0 when nothing was published).
	Head(ctx context.Context) (int64, error)
	// Since returns the versions after after, oldest first.
	Since(ctx context.Context, after int64) ([]Version, error)
}

// ConflictError refuses a publish: version Version changed Code (a Change.Key) after the
// author's base.
type ConflictError struct {
	Code    string
	Version int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("catalog: %s was changed by version %d since this edit began", e.Code, e.Version)
}

// Errors of Library.
var (
	ErrNoChanges = errors.New("catalog: nothing to publish")
	// ErrInvalid refuses a malformed list of changes (CheckChanges).
	ErrInvalid  = errors.New("catalog: invalid change")
	ErrNotFound = errors.New("catalog: no such version")
	// ErrTooLarge refuses a version over MaxChanges records or MaxVersionBytes.
	ErrTooLarge = errors.New("catalog: version too large")
)

// Bounds of one version: a whole national catalogue (2,642 records, about 9 MB as JSON)
// fits, so a portal refresh can be published at once.
const (
	MaxChanges      = 10000
	MaxVersionBytes = 32 << 20
)

// CheckChanges refuses an empty or oversized list, a change without a code, a code
// changed twice, and a record whose code is not the change's.
func CheckChanges(cs []Change) error {
	if len(cs) == 0 {
		return ErrNoChanges
	}
	if len(cs) > MaxChanges {
		return fmt.Errorf("%w: %d records (at most %d)", ErrTooLarge, len(cs), MaxChanges)
	}
	seen := make(map[string]bool, len(cs))
	for _, c := range cs {
		switch {
		case strings.TrimSpace(c.Code) == "":
			return fmt.Errorf("%w: a change without a code", ErrInvalid)
		case c.Account != "" && c.Removed:
			return fmt.Errorf("%w: an account's override of %s cannot remove it (the shared record can)", ErrInvalid, c.Code)
		case seen[c.Key()]:
			return fmt.Errorf("%w: %s changed twice in one version", ErrInvalid, c.Code)
		case c.Record != nil && c.Removed:
			return fmt.Errorf("%w: %s both replaced and removed", ErrInvalid, c.Code)
		case c.Record != nil && c.Record.Code != c.Code:
			return fmt.Errorf("%w: the change of %s carries record %s", ErrInvalid, c.Code, c.Record.Code)
		}
		seen[c.Key()] = true
	}
	return nil
}
