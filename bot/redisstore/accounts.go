package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot/accounts"
)

// Accounts keeps what OA onboarding changes at run time, so that no file has to be edited
// and every replica sees the change:
//
//   - runtime accounts added or disabled through the admin API (hash <prefix>accounts,
//     field = account id, value = JSON); the file config keeps working, and a file account
//     with the same id wins over a runtime one (cmd merges them);
//   - OAuth v4 PKCE state (<prefix>oauth:state:<state>, 10 minutes, single use: GETDEL);
//   - token health per account (hash <prefix>tokenhealth): expiry, last refresh, last error.
//
// Each operation touches one key, so Redis Cluster needs no hash tag here.
type Accounts struct {
	rdb  redis.UniversalClient
	keys Keyspace
	now  func() time.Time
}

// RuntimeAccount is a runtime account as stored (the accounts package owns the type).
type RuntimeAccount = accounts.Record

var _ accounts.Store = (*Accounts)(nil)

// OAuthState is what /oauth/zalo/start remembers for /oauth/zalo/callback.
type OAuthState struct {
	// Account is the account slug the consent was started for.
	Account string `json:"account"`
	// Verifier is the PKCE code_verifier (secret until the exchange).
	Verifier string `json:"verifier"`
	// By names the officer who started it.
	By        string    `json:"by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// TokenHealth is the token-health view of one account.
type TokenHealth struct {
	Account string `json:"account"`
	// ExpiresAt is when the current access token expires (zero: unknown).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// LastRefresh is the last time a pair was stored (refresh or code exchange).
	LastRefresh time.Time `json:"last_refresh,omitzero"`
	// LastError is the last failure's message (no secrets), empty after a success.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// Failures counts failures since the last success.
	Failures int `json:"failures,omitempty"`
}

// Errors of Accounts.
var (
	ErrAccountNotFound = accounts.ErrNotFound
	ErrStateNotFound   = errors.New("oauth state not found, expired or already used")
	ErrStateExists     = errors.New("oauth state already exists")
)

// NewAccounts returns the runtime-account store on rdb. It does no I/O.
func NewAccounts(rdb redis.UniversalClient, prefix string) (*Accounts, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	return &Accounts{rdb: rdb, keys: keyspace(prefix), now: time.Now}, nil
}

func (a *Accounts) accountsKey() string          { return a.keys.Key("accounts") }
func (a *Accounts) stateKey(state string) string { return a.keys.Key("oauth", "state", state) }
func (a *Accounts) healthKey() string            { return a.keys.Key("tokenhealth") }

// List returns every runtime account, sorted by id.
func (a *Accounts) List(ctx context.Context) ([]RuntimeAccount, error) {
	m, err := a.rdb.HGetAll(ctx, a.accountsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out := make([]RuntimeAccount, 0, len(m))
	for id, raw := range m {
		var acc RuntimeAccount
		if err := json.Unmarshal([]byte(raw), &acc); err != nil || acc.ID != id {
			// Left out and reported by accounts.Merge; never hides the other accounts.
			if err == nil {
				err = fmt.Errorf("stored under %q but names %q", id, acc.ID)
			}
			acc = RuntimeAccount{ID: id, Invalid: err}
		}
		out = append(out, acc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Get returns one runtime account or ErrAccountNotFound.
func (a *Accounts) Get(ctx context.Context, id string) (RuntimeAccount, error) {
	raw, err := a.rdb.HGet(ctx, a.accountsKey(), id).Bytes()
	if errors.Is(err, redis.Nil) {
		return RuntimeAccount{}, accounts.ErrNotFound
	}
	if err != nil {
		return RuntimeAccount{}, fmt.Errorf("get account: %w", err)
	}
	var acc RuntimeAccount
	if err := json.Unmarshal(raw, &acc); err != nil {
		return RuntimeAccount{}, fmt.Errorf("decode account %s: %w", id, err)
	}
	return acc, nil
}

// Put stores acc (insert or replace). CreatedAt is kept from the stored record; empty
// secrets keep the stored ones, so an update need not repeat them.
func (a *Accounts) Put(ctx context.Context, acc RuntimeAccount) (RuntimeAccount, error) {
	// WATCH makes the read-check-write atomic against a concurrent change on another
	// replica: two replicas cannot both accept one oa_id.
	err := a.watch(ctx, func(tx *redis.Tx) error {
		all, err := tx.HGetAll(ctx, a.accountsKey()).Result()
		if err != nil {
			return err
		}
		var old RuntimeAccount
		raw, found := all[acc.ID]
		if found && json.Unmarshal([]byte(raw), &old) != nil {
			old = RuntimeAccount{ID: acc.ID, Invalid: errors.New("undecodable")}
		}
		if err := accounts.PrepareStored(&acc, old, found, a.now()); err != nil {
			return err
		}
		// A record keeping its oa_id is not blocked by a conflicting one stored before this
		// check existed (Merge leaves that one out): it must stay possible to disable it.
		keeps := found && old.Invalid == nil && old.OAID == acc.OAID
		for id, v := range all {
			var o RuntimeAccount
			if !keeps && id != acc.ID && json.Unmarshal([]byte(v), &o) == nil && o.OAID == acc.OAID {
				return &accounts.ConflictError{Field: "oa_id", With: id}
			}
		}
		data, err := json.Marshal(acc)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, a.accountsKey(), acc.ID, data)
			return nil
		})
		return err
	}, a.accountsKey())
	if err != nil {
		return RuntimeAccount{}, fmt.Errorf("put account: %w", err)
	}
	return acc, nil
}

// SetDisabled enables or disables a runtime account.
func (a *Accounts) SetDisabled(ctx context.Context, id string, disabled bool, by string) (RuntimeAccount, error) {
	acc, err := a.Get(ctx, id)
	if err != nil {
		return RuntimeAccount{}, err
	}
	acc.Disabled = disabled
	acc.UpdatedBy = by
	return a.Put(ctx, acc)
}

// SaveOAuthState stores a new PKCE state for ttl. States are random; a collision is
// refused rather than overwritten.
func (a *Accounts) SaveOAuthState(ctx context.Context, state string, st OAuthState, ttl time.Duration) error {
	if st.CreatedAt.IsZero() {
		st.CreatedAt = a.now().UTC()
	}
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save oauth state: %w", err)
	}
	ok, err := a.rdb.SetNX(ctx, a.stateKey(state), data, ttl).Result()
	if err != nil {
		return fmt.Errorf("save oauth state: %w", err)
	}
	if !ok {
		return ErrStateExists
	}
	return nil
}

// TakeOAuthState returns and deletes a state in one step (GETDEL), so a state works once
// even when two callbacks race on two replicas. ErrStateNotFound when absent or expired.
func (a *Accounts) TakeOAuthState(ctx context.Context, state string) (OAuthState, error) {
	raw, err := a.rdb.GetDel(ctx, a.stateKey(state)).Bytes()
	if errors.Is(err, redis.Nil) {
		return OAuthState{}, ErrStateNotFound
	}
	if err != nil {
		return OAuthState{}, fmt.Errorf("take oauth state: %w", err)
	}
	var st OAuthState
	if err := json.Unmarshal(raw, &st); err != nil {
		return OAuthState{}, fmt.Errorf("decode oauth state: %w", err)
	}
	return st, nil
}

// RecordTokenRefresh updates the token-health view of account after a refresh or code
// exchange: on success (err == nil) expiry and last refresh, on failure the error message,
// which must hold no secret (zalo errors never include tokens).
func (a *Accounts) RecordTokenRefresh(ctx context.Context, account string, expiresAt time.Time, refreshErr error) error {
	err := a.watch(ctx, func(tx *redis.Tx) error {
		h := TokenHealth{Account: account}
		raw, err := tx.HGet(ctx, a.healthKey(), account).Bytes()
		if err == nil {
			_ = json.Unmarshal(raw, &h)
		} else if !errors.Is(err, redis.Nil) {
			return err
		}
		now := a.now().UTC()
		if refreshErr == nil {
			h.ExpiresAt, h.LastRefresh = expiresAt.UTC(), now
			h.LastError, h.LastErrorAt, h.Failures = "", time.Time{}, 0
		} else {
			h.LastError, h.LastErrorAt = refreshErr.Error(), now
			h.Failures++
		}
		data, err := json.Marshal(h)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, a.healthKey(), account, data)
			return nil
		})
		return err
	}, a.healthKey())
	if err != nil {
		return fmt.Errorf("record token refresh: %w", err)
	}
	return nil
}

// TokenHealth returns the token-health view of every account that has one, by id.
func (a *Accounts) TokenHealth(ctx context.Context) (map[string]TokenHealth, error) {
	m, err := a.rdb.HGetAll(ctx, a.healthKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("token health: %w", err)
	}
	out := make(map[string]TokenHealth, len(m))
	for id, raw := range m {
		var h TokenHealth
		if err := json.Unmarshal([]byte(raw), &h); err != nil {
			return nil, fmt.Errorf("decode token health %s: %w", id, err)
		}
		out[id] = h
	}
	return out, nil
}

// watch runs fn in a WATCH transaction on key, retrying when another client changed the
// key in between (optimistic locking).
func (a *Accounts) watch(ctx context.Context, fn func(*redis.Tx) error, key string) error {
	var err error
	for range 20 {
		err = a.rdb.Watch(ctx, fn, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return err
}
