package inmem

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
)

// AuditLog keeps the admin audit trail in memory (httpapi.Auditor), like
// redisstore.AuditLog: entries are appended with an id "<unix ms>-<seq>" and read back
// newest first; the oldest are dropped beyond maxLen. Single process only, lost on restart:
// demo mode, not an audit trail anyone can rely on later.
type AuditLog struct {
	maxLen int

	mu      sync.Mutex
	entries []broadcast.AuditEntry // oldest first
	seq     uint64
}

// NewAuditLog returns an empty log; maxLen ≤ 0 means 10,000 entries.
func NewAuditLog(maxLen int) *AuditLog {
	if maxLen <= 0 {
		maxLen = 10_000
	}
	return &AuditLog{maxLen: maxLen}
}

// Record appends e (its At at millisecond precision, as the Redis log keeps it).
func (a *AuditLog) Record(_ context.Context, e broadcast.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seq++
	e.At = time.UnixMilli(e.At.UnixMilli())
	e.ID = strconv.FormatInt(time.Now().UnixMilli(), 10) + "-" + strconv.FormatUint(a.seq, 10)
	a.entries = append(a.entries, e)
	if over := len(a.entries) - a.maxLen; over > 0 {
		a.entries = append(a.entries[:0:0], a.entries[over:]...)
	}
	return nil
}

// Recent returns up to n entries, newest first.
func (a *AuditLog) Recent(_ context.Context, n int64) ([]broadcast.AuditEntry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]broadcast.AuditEntry, 0, min(int(max(n, 0)), len(a.entries)))
	for i := len(a.entries) - 1; i >= 0 && int64(len(out)) < n; i-- {
		out = append(out, a.entries[i])
	}
	return out, nil
}
