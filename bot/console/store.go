package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Store keeps the console's state (sessions, officers, invites, throttles) as bytes with a
// time to live. The console owns the encoding, so the stores (bot/redisstore's
// ConsoleStore, bot/inmem's for the demo) never import this package. Keys are relative
// ("sess:<hash>"); a store puts them under its own namespace (Redis: "<prefix>console:").
// consoletest holds the contract both implementations pass.
type Store interface {
	// Get returns a key's value; ok is false when there is none (or it expired).
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// Set stores a value; ttl 0 means it never expires.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Take returns a key's value and deletes it in one step (GETDEL): of concurrent
	// callers, exactly one gets it.
	Take(ctx context.Context, key string) (value []byte, ok bool, err error)
	// Del deletes keys (sets and counters too); missing keys are no error.
	Del(ctx context.Context, keys ...string) error
	// AddMember adds member to the set at key and makes the set expire ttl from now
	// (0: never).
	AddMember(ctx context.Context, key, member string, ttl time.Duration) error
	// Members returns the members of the set at key, in no order (none when missing).
	Members(ctx context.Context, key string) ([]string, error)
	// RemoveMember removes member from the set at key.
	RemoveMember(ctx context.Context, key, member string) error
	// Incr adds one to the counter at key and returns the new count. A counter that had
	// no expiry (a new one) expires ttl from now: a fixed window (INCR + EXPIRE).
	Incr(ctx context.Context, key string, ttl time.Duration) (int64, error)
}

// The console's keys. Raw secrets (session ids, invite and sign-in tokens) never reach the
// store, only their SHA-256; officer names are hashed too, so any name is a safe key.
const officersKey = "officers" // set: the names of the officers kept in the store

func sessionKey(id string) string           { return "sess:" + sha256Hex(id) }
func officerKey(name string) string         { return "officer:" + nameHash(name) }
func officerSessionsKey(name string) string { return "officer:" + nameHash(name) + ":sess" }
func lastSignInKey(name string) string      { return "officer:" + nameHash(name) + ":last" }
func inviteKey(token string) string         { return "invite:" + sha256Hex(token) }
func signInLinkKey(token string) string     { return "signin:" + sha256Hex(token) }
func userThrottleKey(name string) string    { return "throttle:user:" + nameHash(name) }
func ipThrottleKey(ip string) string        { return "throttle:ip:" + sha256Hex(ip)[:32] }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// nameHash is 128 bits of the name's SHA-256: plenty to tell officers apart.
func nameHash(name string) string { return sha256Hex(name)[:32] }
