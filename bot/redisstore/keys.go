// Package redisstore keeps oabot's shared state in Redis (go-redis v9): the webhook queue
// (partitioned Streams with consumer groups, leases, dead letters), event dedupe, the
// conversation store, the Zalo token store and its lock.
//
// Every key starts with one configurable prefix (Keyspace). Keys that a Lua script or a
// MULTI touches together share a hash tag ({…}) so Redis Cluster works.
package redisstore

import (
	"strings"
)

// DefaultPrefix is the key prefix when none is configured.
const DefaultPrefix = "oabot:"

// Keyspace builds keys under one prefix, e.g. Keyspace("oabot:").Key("conv", oa, user)
// is "oabot:conv:<oa>:<user>". Every key of this package (and of the files other
// components add here) is built by it.
type Keyspace string

// Key joins parts with ':' after the prefix.
func (k Keyspace) Key(parts ...string) string {
	return string(k) + strings.Join(parts, ":")
}

func keyspace(prefix string) Keyspace {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return Keyspace(prefix)
}
