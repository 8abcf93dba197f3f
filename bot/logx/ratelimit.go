// Package logx holds what every logger of this program shares: repeated lines rate-limited,
// with a count of what was left out.
package logx

import (
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Defaults for RateLimited: during an outage one line per event (≈220 lines in 8 s at 80
// events/s) buried everything else; five per ten seconds tells as much.
const (
	DefaultBurst  = 5
	DefaultWindow = 10 * time.Second
)

// Options tunes RateLimited; zero values take the defaults.
type Options struct {
	// MinLevel is the lowest level limited; entries below it pass untouched.
	MinLevel zapcore.Level
	Burst    int           // lines per message per window [DefaultBurst]
	Window   time.Duration // [DefaultWindow]
	Now      func() time.Time
}

// RateLimited wraps core so that each message (logger name, level and message text — the
// fields do not count) is written at most Burst times per Window; the rest are dropped and
// counted, and the next line of that message that is written carries the count in the
// field "suppressed". Loggers made With() fields share the limits of their parent.
func RateLimited(core zapcore.Core, o Options) zapcore.Core {
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &limited{Core: core, min: o.MinLevel, s: &limits{burst: o.Burst, window: o.Window, now: o.Now,
		keys: map[key]*budget{}}}
}

type key struct {
	logger, msg string
	level       zapcore.Level
}

type budget struct {
	start      time.Time
	used       int
	suppressed int
}

type limits struct {
	mu     sync.Mutex
	burst  int
	window time.Duration
	now    func() time.Time
	keys   map[key]*budget
}

// take reports whether an entry of k may be written, and how many were dropped before it.
func (l *limits) take(k key) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.keys[k]
	if b == nil {
		if len(l.keys) > 10000 {
			l.sweep(now)
		}
		b = &budget{start: now}
		l.keys[k] = b
	}
	if now.Sub(b.start) >= l.window {
		b.start, b.used = now, 0
	}
	if b.used >= l.burst {
		b.suppressed++
		return false, 0
	}
	b.used++
	suppressed, b.suppressed = b.suppressed, 0
	return true, suppressed
}

// sweep forgets messages quiet for a whole window (messages with variable text must not
// grow the map without bound).
func (l *limits) sweep(now time.Time) {
	for k, b := range l.keys {
		if now.Sub(b.start) >= l.window && b.suppressed == 0 {
			delete(l.keys, k)
		}
	}
}

type limited struct {
	zapcore.Core
	min zapcore.Level
	s   *limits
}

func (c *limited) With(fields []zapcore.Field) zapcore.Core {
	return &limited{Core: c.Core.With(fields), min: c.min, s: c.s}
}

func (c *limited) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if !c.Enabled(ent.Level) {
		return ce
	}
	if ent.Level < c.min {
		return c.Core.Check(ent, ce)
	}
	ok, suppressed := c.s.take(key{logger: ent.LoggerName, msg: ent.Message, level: ent.Level})
	if !ok {
		return ce
	}
	if suppressed > 0 {
		return ce.AddCore(ent, &counted{Core: c.Core, n: suppressed})
	}
	return ce.AddCore(ent, c)
}

func (c *limited) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	return c.Core.Write(ent, fields)
}

// counted writes one entry with the number of its kind left out before it.
type counted struct {
	zapcore.Core
	n int
}

func (c *counted) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	return c.Core.Write(ent, append(fields, zap.Int("suppressed", c.n)))
}
