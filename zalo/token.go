package zalo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNoToken is returned (wrapped) by TokenStore.Load when no pair is stored for the OA:
// the OA has not been onboarded (zalo-oa.md §4) or its grant was lost.
var ErrNoToken = errors.New("zalo: no token pair stored for this OA")

// ErrRefreshFailed wraps a failed token refresh. The stored pair is unchanged; when the
// failure is an OAuth error (-14xxx) an OA admin usually has to re-consent (zalo-oa.md §4).
var ErrRefreshFailed = errors.New("zalo: token refresh failed")

// TokenStore keeps each OA's token pair and the lock that serialises refreshes across every
// replica of the service (zalo-oa.md §4, §9: "single-flight refresh, write new pair before
// use"). Zalo refresh tokens are single use, so two processes refreshing the same OA at
// once would kill the grant. Implementations: MemoryTokenStore (one process: demo, tests)
// and the Redis store in bot/redisstore (production).
//
// Contract:
//   - Load returns the last saved pair of oaID, or an error wrapping ErrNoToken when none
//     is stored. It reads the shared store, never a process-local cache.
//   - Save replaces the pair of oaID and returns nil only once the pair is durably stored
//     (a later Load from any replica returns it). It does not check the lock.
//   - Lock takes the exclusive refresh lock of oaID, shared by every process using the same
//     store. It blocks (polling is fine) until the lock is taken or ctx ends, returning
//     ctx's error then. The lock expires by itself after ttl so a crashed holder cannot
//     block refreshes forever; callers keep their critical section well under ttl. The
//     returned unlock releases the lock only if this caller still holds it (compare a
//     random owner token; never delete another holder's lock) and is safe to call once
//     after the lock expired.
//   - All methods are safe for concurrent use. Keys are per oaID; OAs never share a lock.
type TokenStore interface {
	Load(ctx context.Context, oaID string) (TokenPair, error)
	Save(ctx context.Context, oaID string, pair TokenPair) error
	Lock(ctx context.Context, oaID string, ttl time.Duration) (unlock func(context.Context) error, err error)
}

// TokenSourceConfig configures a TokenSource.
type TokenSourceConfig struct {
	// OAID is the Official Account whose pair the source manages.
	OAID string
	// OAuth refreshes the pair (the app's id and App Secret Key).
	OAuth *OAuth
	// Store holds the pair and the refresh lock.
	Store TokenStore
	// RefreshAhead refreshes this long before ExpiresAt (default DefaultRefreshAhead).
	RefreshAhead time.Duration
	// LockTTL bounds how long the refresh lock is held (default 30 s); the refresh call
	// itself gets at most half of it.
	LockTTL time.Duration
	// RetryAfterFailure is how long a failed proactive refresh is not retried while the old
	// access token is still valid (default 30 s).
	RetryAfterFailure time.Duration
	// OnRefresh, when set, is called after every refresh attempt this source makes (err nil
	// on success), e.g. to count and log it. It must not block. The error never holds a token.
	OnRefresh func(oaID string, err error)
	// Now defaults to time.Now.
	Now func() time.Time
}

// TokenSource supplies one OA's access token (zalo-oa.md §4):
//
//   - it refreshes ahead of expiry (RefreshAhead) and, through RefreshAfterReject, after
//     Zalo answers -216/-220 (the Client then retries the call once);
//   - at most one refresh per OA runs at a time: in-process through a mutex, across
//     replicas through TokenStore.Lock; after taking the lock it re-reads the stored pair
//     and skips the refresh when another process already did it;
//   - the new pair is saved before its access token is used; if saving fails the pair is
//     kept in memory, not used, and saving is retried on the next call;
//   - when a refresh fails the stored pair is untouched, the failure is reported (error and
//     OnRefresh), and a still-valid old access token keeps being used.
//
// It implements TokenProvider and is safe for concurrent use.
type TokenSource struct {
	cfg TokenSourceConfig

	refreshMu sync.Mutex // one refresh path at a time in this process

	mu          sync.RWMutex // guards the fields below
	cached      TokenPair
	unsaved     *TokenPair
	failedAt    time.Time
	lastErr     error
	refreshes   int
	lastRefresh time.Time
}

// NewTokenSource checks cfg and returns a source. It does no I/O.
func NewTokenSource(cfg TokenSourceConfig) (*TokenSource, error) {
	switch {
	case cfg.OAID == "":
		return nil, errors.New("zalo token source: empty OA id")
	case cfg.OAuth == nil:
		return nil, errors.New("zalo token source: no OAuth client")
	case cfg.Store == nil:
		return nil, errors.New("zalo token source: no token store")
	}
	if cfg.RefreshAhead <= 0 {
		cfg.RefreshAhead = DefaultRefreshAhead
	}
	if cfg.LockTTL <= 0 {
		cfg.LockTTL = 30 * time.Second
	}
	if cfg.RetryAfterFailure <= 0 {
		cfg.RetryAfterFailure = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &TokenSource{cfg: cfg}, nil
}

// OAID returns the OA the source serves.
func (s *TokenSource) OAID() string { return s.cfg.OAID }

// fresh reports whether p's access token is usable without a proactive refresh.
func (s *TokenSource) fresh(p TokenPair) bool {
	return p.AccessToken != "" && s.cfg.Now().Before(p.ExpiresAt.Add(-s.cfg.RefreshAhead))
}

// valid reports whether p's access token has not expired yet.
func (s *TokenSource) valid(p TokenPair) bool {
	return p.AccessToken != "" && s.cfg.Now().Before(p.ExpiresAt)
}

// AccessToken returns a usable access token, refreshing first when it is within
// RefreshAhead of expiry (zalo-oa.md §4 "refresh proactively").
func (s *TokenSource) AccessToken(ctx context.Context) (string, error) {
	s.mu.RLock()
	c, unsaved := s.cached, s.unsaved
	s.mu.RUnlock()
	if s.fresh(c) && unsaved == nil {
		return c.AccessToken, nil
	}
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	s.mu.RLock()
	c, failedAt := s.cached, s.failedAt
	s.mu.RUnlock()
	if s.fresh(c) && s.unsaved == nil {
		return c.AccessToken, nil
	}
	if s.valid(c) && s.cfg.Now().Before(failedAt.Add(s.cfg.RetryAfterFailure)) {
		return c.AccessToken, nil // a refresh just failed; keep the old token a while
	}
	if s.unsaved == nil {
		stored, err := s.cfg.Store.Load(ctx, s.cfg.OAID)
		if err != nil {
			if s.valid(c) {
				return c.AccessToken, nil
			}
			return "", fmt.Errorf("load token pair: %w", err)
		}
		if s.fresh(stored) {
			s.setCached(stored)
			return stored.AccessToken, nil
		}
		if !c.ExpiresAt.After(stored.ExpiresAt) {
			c = stored
		}
	}
	p, err := s.refreshLocked(ctx, "")
	if err != nil {
		if s.valid(c) && s.unsaved == nil {
			s.setCached(c) // keep the old pair; the failure went to OnRefresh and Status
			return c.AccessToken, nil
		}
		return "", err
	}
	return p.AccessToken, nil
}

// RefreshAfterReject refreshes after Zalo rejected token with -216/-220 and returns the
// token to retry with. If another goroutine or replica already replaced token, no refresh
// is made.
func (s *TokenSource) RefreshAfterReject(ctx context.Context, token string) (string, error) {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	s.mu.RLock()
	c := s.cached
	s.mu.RUnlock()
	if c.AccessToken != token && s.fresh(c) && s.unsaved == nil {
		return c.AccessToken, nil
	}
	p, err := s.refreshLocked(ctx, token)
	if err != nil {
		return "", err
	}
	return p.AccessToken, nil
}

// refreshLocked runs with refreshMu held. rejected is the token Zalo refused ("" for a
// proactive refresh).
func (s *TokenSource) refreshLocked(ctx context.Context, rejected string) (TokenPair, error) {
	if err := s.saveUnsaved(ctx); err != nil {
		return TokenPair{}, err
	}
	unlock, err := s.cfg.Store.Lock(ctx, s.cfg.OAID, s.cfg.LockTTL)
	if err != nil {
		return TokenPair{}, fmt.Errorf("lock token refresh: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = unlock(uctx) // the lock expires by itself if this fails
	}()
	stored, err := s.cfg.Store.Load(ctx, s.cfg.OAID)
	if err != nil {
		return TokenPair{}, fmt.Errorf("load token pair: %w", err)
	}
	if stored.AccessToken != rejected && s.fresh(stored) {
		s.setCached(stored) // another process refreshed while we waited for the lock
		return stored, nil
	}
	rctx, cancel := context.WithTimeout(ctx, s.cfg.LockTTL/2)
	next, err := s.cfg.OAuth.Refresh(rctx, stored.RefreshToken)
	cancel()
	if err != nil {
		err = fmt.Errorf("%w: oa %s: %w", ErrRefreshFailed, s.cfg.OAID, err)
		s.noteRefresh(err)
		return TokenPair{}, err
	}
	if next.RefreshToken == "" { // Zalo always rotates; keep the old one if it did not [I]
		next.RefreshToken, next.RefreshExpiresAt = stored.RefreshToken, stored.RefreshExpiresAt
	}
	if err := s.save(ctx, next); err != nil {
		s.mu.Lock()
		s.unsaved = &next
		s.mu.Unlock()
		err = fmt.Errorf("%w: oa %s: new pair not saved: %w", ErrRefreshFailed, s.cfg.OAID, err)
		s.noteRefresh(err)
		return TokenPair{}, err
	}
	s.setCached(next)
	s.noteRefresh(nil)
	return next, nil
}

// saveUnsaved stores a pair whose earlier save failed; its refresh token is the only live
// one, so it must reach the store before anything else happens.
func (s *TokenSource) saveUnsaved(ctx context.Context) error {
	s.mu.RLock()
	p := s.unsaved
	s.mu.RUnlock()
	if p == nil {
		return nil
	}
	if err := s.save(ctx, *p); err != nil {
		return fmt.Errorf("%w: oa %s: saving the refreshed pair: %w", ErrRefreshFailed, s.cfg.OAID, err)
	}
	s.mu.Lock()
	s.unsaved = nil
	s.mu.Unlock()
	s.setCached(*p)
	return nil
}

// save tries Store.Save three times with a short pause.
func (s *TokenSource) save(ctx context.Context, p TokenPair) error {
	var err error
	for i := range 3 {
		if err = s.cfg.Store.Save(ctx, s.cfg.OAID, p); err == nil {
			return nil
		}
		if Sleep(ctx, time.Duration(i+1)*100*time.Millisecond) != nil {
			break
		}
	}
	return err
}

func (s *TokenSource) setCached(p TokenPair) {
	s.mu.Lock()
	s.cached = p
	s.mu.Unlock()
}

func (s *TokenSource) noteRefresh(err error) {
	s.mu.Lock()
	s.refreshes++
	s.lastRefresh = s.cfg.Now()
	s.lastErr = err
	if err != nil {
		s.failedAt = s.cfg.Now()
	} else {
		s.failedAt = time.Time{}
	}
	s.mu.Unlock()
	if s.cfg.OnRefresh != nil {
		s.cfg.OnRefresh(s.cfg.OAID, err)
	}
}

// TokenStatus describes a source for health pages; it holds no token.
type TokenStatus struct {
	OAID string
	// ExpiresAt is the cached access token's expiry (zero before the first use).
	ExpiresAt time.Time
	// Refreshes counts refresh attempts made by this source; LastRefresh is the latest.
	Refreshes   int
	LastRefresh time.Time
	// LastError is the latest refresh failure, nil after a success.
	LastError error
	// Unsaved is true while a refreshed pair could not be stored.
	Unsaved bool
}

// Status returns the source's state.
func (s *TokenSource) Status() TokenStatus {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return TokenStatus{OAID: s.cfg.OAID, ExpiresAt: s.cached.ExpiresAt, Refreshes: s.refreshes,
		LastRefresh: s.lastRefresh, LastError: s.lastErr, Unsaved: s.unsaved != nil}
}

// MemoryTokenStore is a TokenStore for one process (demo mode, tests). Its lock only
// serialises within the process.
type MemoryTokenStore struct {
	mu    sync.Mutex
	pairs map[string]TokenPair
	locks map[string]memLock
	seq   uint64
	now   func() time.Time
}

type memLock struct {
	owner   uint64
	expires time.Time
}

// NewMemoryTokenStore returns an empty store.
func NewMemoryTokenStore() *MemoryTokenStore {
	return &MemoryTokenStore{pairs: map[string]TokenPair{}, locks: map[string]memLock{}, now: time.Now}
}

// Load returns the pair of oaID or ErrNoToken.
func (m *MemoryTokenStore) Load(_ context.Context, oaID string) (TokenPair, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.pairs[oaID]
	if !ok {
		return TokenPair{}, fmt.Errorf("oa %s: %w", oaID, ErrNoToken)
	}
	return p, nil
}

// Save stores the pair of oaID.
func (m *MemoryTokenStore) Save(_ context.Context, oaID string, p TokenPair) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pairs[oaID] = p
	return nil
}

// Lock takes oaID's lock, polling every 2 ms until it is free or expired, or ctx ends.
func (m *MemoryTokenStore) Lock(ctx context.Context, oaID string, ttl time.Duration) (func(context.Context) error, error) {
	for {
		m.mu.Lock()
		l, held := m.locks[oaID]
		if !held || !m.now().Before(l.expires) {
			m.seq++
			owner := m.seq
			m.locks[oaID] = memLock{owner: owner, expires: m.now().Add(ttl)}
			m.mu.Unlock()
			return func(context.Context) error {
				m.mu.Lock()
				defer m.mu.Unlock()
				if cur, ok := m.locks[oaID]; ok && cur.owner == owner {
					delete(m.locks, oaID)
				}
				return nil
			}, nil
		}
		m.mu.Unlock()
		if err := Sleep(ctx, 2*time.Millisecond); err != nil {
			return nil, err
		}
	}
}
