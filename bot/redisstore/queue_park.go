package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/queue"
)

// Parking: transient failures (queue.TransientError — Zalo down, a token being repaired)
// must neither lose events nor stop the partition for everybody.
//
// When a job fails transiently its conversation is "parked": the entry moves, in one
// MULTI, from the partition stream to the conversation's park list ({q<p>}:park:<oa>:<user>),
// and the conversation goes into the partition's retry schedule ({q<p>}:parked, a sorted
// set scored by the next retry time). Later events of a parked conversation are appended
// to its list instead of being handled, so they cannot overtake the retrying one. The
// partition meanwhile keeps handling the other conversations. When a conversation is
// due, its list is handled head first; on success the head is popped and the next one is
// handled at once; on another transient failure the head stays and the retry is
// rescheduled with exponential backoff (RetryBase doubling up to RetryMax). Transient
// failures do not count toward MaxDeliveries; a parked event is given up (dead letter,
// reason "older than max_event_age …") only when it is older than MaxEventAge. Other
// errors of a parked head count toward MaxDeliveries as before.
//
// A transient failure also puts the job's OA on hold in this partition until that retry
// is due: while it holds, new events of the OA park at once without calling the handler,
// and due conversations of the OA are pushed back to the hold's end, so during an outage
// the partition calls Zalo about once per OA per backoff step, not once per citizen. The
// first conversation retried when the hold ends is the probe: its success lifts the hold
// and the others follow at once; its failure extends the hold with its backoff.
//
// Trade-off: per-conversation order is kept and one OA's failures (say a revoked token)
// never hold up the other OAs' citizens who share its partitions; the price is the park
// bookkeeping (a few Redis commands per parked event) and that the hold is per partition
// and per replica (each partition probes on its own; the hold is not shared and resets
// when the partition changes hands, costing one extra probe). The park keys share the partition's hash tag, so every
// step is one Redis Cluster slot. Only the lease holder touches a partition's park keys,
// which is why the worker keeps the schedule in memory once loaded.

// parkedEntry is one element of a park list. ID comes first in the JSON so a Lua script
// can check the head by prefix.
type parkedEntry struct {
	ID        string            `json:"id"`
	Values    map[string][]byte `json:"v"`
	Transient int               `json:"t,omitempty"` // transient failures so far
	Failures  int               `json:"f,omitempty"` // other failures so far
	Calls     int               `json:"c,omitempty"` // handler calls begun (crash loop guard)
	LastError string            `json:"e,omitempty"`
}

func newParkedEntry(m redis.XMessage) parkedEntry {
	pe := parkedEntry{ID: m.ID, Values: make(map[string][]byte, len(m.Values))}
	for k, v := range m.Values {
		pe.Values[k] = []byte(fmt.Sprint(v))
	}
	return pe
}

func (pe parkedEntry) message() redis.XMessage {
	m := redis.XMessage{ID: pe.ID, Values: make(map[string]any, len(pe.Values))}
	for k, v := range pe.Values {
		m.Values[k] = string(v)
	}
	return m
}

func (pe parkedEntry) encode() string {
	b, _ := json.Marshal(pe) // a struct of strings and ints: cannot fail
	return string(b)
}

func headPrefix(id string) string { return `{"id":"` + id + `"` }

// Keys of the park: see the comment above.
func (q *Queue) parkedKey(p int) string { return q.keys.Key("{q"+strconv.Itoa(p)+"}", "parked") }
func (q *Queue) parkedCountKey(p int) string {
	return q.keys.Key("{q"+strconv.Itoa(p)+"}", "parked_events")
}
func (q *Queue) parkKey(p int, conv string) string {
	return q.keys.Key("{q"+strconv.Itoa(p)+"}", "park", conv)
}

func convOf(job queue.Job) string { return job.OAID + ":" + job.UserID }

// popScript removes the head of a park list after it was handled (or dead-lettered),
// and reschedules the conversation at once when more entries wait, else unparks it.
// KEYS[1]: park list, KEYS[2]: schedule, KEYS[3]: dead stream, KEYS[4]: parked count.
// ARGV[1]: conversation, ARGV[2]: head prefix (the call is a no-op when the head is
// another entry, e.g. a retried call whose first answer was lost), ARGV[3]: score when
// more remain, ARGV[4…]: dead-letter field/value pairs (none: handled).
var popScript = redis.NewScript(`
local h = redis.call('LINDEX', KEYS[1], 0)
if not h or string.sub(h, 1, #ARGV[2]) ~= ARGV[2] then return -1 end
redis.call('LPOP', KEYS[1])
if redis.call('DECR', KEYS[4]) < 0 then redis.call('SET', KEYS[4], 0) end
if #ARGV > 3 then redis.call('XADD', KEYS[3], 'MAXLEN', '~', 10000, '*', unpack(ARGV, 4)) end
local n = redis.call('LLEN', KEYS[1])
if n == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) else redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) end
return n`)

// loadParked reads the partition's retry schedule into the worker's memory.
func (r *runner) loadParked(ctx context.Context, o *owned) error {
	zs, err := r.q.rdb.ZRangeWithScores(ctx, r.q.parkedKey(o.p), 0, -1).Result()
	if err != nil {
		return fmt.Errorf("load parked conversations: %w", err)
	}
	o.parked = make(map[string]time.Time, len(zs))
	o.hold = map[string]*queue.OAHold{}
	for _, z := range zs {
		conv, _ := z.Member.(string)
		o.parked[conv] = time.UnixMilli(int64(z.Score))
	}
	if len(zs) > 0 {
		r.q.log.Info("parked conversations resumed", zap.Int("partition", o.p), zap.Int("conversations", len(zs)))
	}
	return nil
}

// holdOA records a transient failure of oaID in this partition (see the package notes
// above) and holds the OA for the backoff of its failure streak (queue.HoldOA).
func (r *runner) holdOA(o *owned, oaID string, herr error) {
	queue.HoldOA(o.hold, oaID, herr, r.q.opts.RetryBase, r.q.opts.RetryMax)
}

// nextDue returns how long until the earliest parked conversation is due (ok false when
// none is parked).
func (o *owned) nextDue(now time.Time) (time.Duration, bool) {
	var first time.Time
	for _, due := range o.parked {
		if first.IsZero() || due.Before(first) {
			first = due
		}
	}
	return first.Sub(now), !first.IsZero()
}

// parkAppend moves a stream entry of an already parked conversation behind its earlier
// events, without handling it.
func (r *runner) parkAppend(ctx context.Context, o *owned, m redis.XMessage, job queue.Job) bool {
	q := r.q
	stream := q.streamKey(o.p)
	_, err := q.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.RPush(ctx, q.parkKey(o.p, convOf(job)), newParkedEntry(m).encode())
		pipe.Incr(ctx, q.parkedCountKey(o.p))
		pipe.XAck(ctx, stream, consumerGroup, m.ID)
		pipe.XDel(ctx, stream, m.ID)
		return nil
	})
	if err != nil {
		q.log.Warn("park behind retrying event failed, pausing partition", zap.Int("partition", o.p), zap.Error(err))
		return false
	}
	return true
}

// parkHead parks a conversation whose stream entry just failed transiently.
func (r *runner) parkHead(ctx context.Context, o *owned, m redis.XMessage, job queue.Job, herr error, earlier int, took time.Duration) bool {
	if r.tooOld(job) {
		r.observe(job, herr, true, took)
		r.deadLetter(ctx, o.p, m, job.Attempt, r.tooOldReason(1, herr))
		return true
	}
	r.observe(job, herr, false, took)
	pe := newParkedEntry(m)
	pe.Transient, pe.Failures, pe.LastError = 1, earlier, herr.Error()
	r.holdOA(o, job.OAID, herr)
	hint, _ := queue.IsTransient(herr)
	due := time.Now().Add(queue.Backoff(1, r.q.opts.RetryBase, r.q.opts.RetryMax, hint))
	return r.parkNew(ctx, o, m, job, pe, due, herr)
}

// parkHeld parks a new stream entry of an OA on hold without handling it: it will be
// retried when the hold ends.
func (r *runner) parkHeld(ctx context.Context, o *owned, m redis.XMessage, job queue.Job, until time.Time) bool {
	return r.parkNew(ctx, o, m, job, newParkedEntry(m), until, nil)
}

// parkNew moves a stream entry to a new park list scheduled at due.
func (r *runner) parkNew(ctx context.Context, o *owned, m redis.XMessage, job queue.Job, pe parkedEntry, due time.Time, herr error) bool {
	q := r.q
	conv := convOf(job)
	stream := q.streamKey(o.p)
	_, err := q.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.RPush(ctx, q.parkKey(o.p, conv), pe.encode())
		pipe.Incr(ctx, q.parkedCountKey(o.p))
		pipe.ZAdd(ctx, q.parkedKey(o.p), redis.Z{Score: float64(due.UnixMilli()), Member: conv})
		pipe.XAck(ctx, stream, consumerGroup, m.ID)
		pipe.XDel(ctx, stream, m.ID)
		return nil
	})
	if err != nil {
		q.log.Warn("park failed, pausing partition", zap.Int("partition", o.p), zap.Error(err))
		return false
	}
	o.parked[conv] = due
	if herr != nil {
		q.log.Warn("job failed transiently, conversation parked", zap.Int("partition", o.p),
			zap.String("account", job.Account), zap.String("event_name", job.EventName),
			zap.Duration("retry_in", time.Until(due).Round(time.Millisecond)), zap.Error(herr))
	}
	return true
}

func (r *runner) tooOld(job queue.Job) bool {
	return r.q.opts.MaxEventAge > 0 && !job.ReceivedAt.IsZero() && time.Since(job.ReceivedAt) > r.q.opts.MaxEventAge
}

func (r *runner) tooOldReason(transient int, err error) string {
	return fmt.Sprintf("event older than max_event_age (%v) after %d transient failures; last error: %v",
		r.q.opts.MaxEventAge, transient, err)
}

// retryDue handles the parked conversations whose retry time has come, earliest first.
// It reports false when the worker must stop (stop requested, lease in doubt, Redis
// unreachable); everything parked stays in Redis for the next owner.
func (r *runner) retryDue(ctx context.Context, o *owned) bool {
	now := time.Now()
	var due []string
	for conv, t := range o.parked {
		if !t.After(now) {
			due = append(due, conv)
		}
	}
	sort.Slice(due, func(i, j int) bool { return o.parked[due[i]].Before(o.parked[due[j]]) })
	for _, conv := range due {
		if !r.retryConversation(ctx, o, conv) {
			return false
		}
	}
	return true
}

// retryConversation handles a parked conversation's list head first until it is empty
// or the head fails again.
func (r *runner) retryConversation(ctx context.Context, o *owned, conv string) bool {
	q := r.q
	list := q.parkKey(o.p, conv)
	for {
		select {
		case <-o.stop:
			return false
		default:
		}
		if !o.valid(q.opts.LeaseTTL) {
			return false
		}
		head, err := q.rdb.LIndex(ctx, list, 0).Result()
		if errors.Is(err, redis.Nil) {
			// Nothing left (e.g. a previous owner finished it): forget the conversation.
			if err := q.rdb.ZRem(ctx, q.parkedKey(o.p), conv).Err(); err != nil {
				q.log.Warn("unpark failed", zap.Int("partition", o.p), zap.Error(err))
				return false
			}
			delete(o.parked, conv)
			return true
		}
		if err != nil {
			q.log.Warn("read parked entry failed", zap.Int("partition", o.p), zap.Error(err))
			return false
		}
		var pe parkedEntry
		if err := json.Unmarshal([]byte(head), &pe); err != nil || pe.ID == "" {
			// Not ours to understand: keep it visible in the dead letters, move on.
			q.log.Error("unreadable parked entry dead-lettered", zap.Int("partition", o.p))
			if more, ok := r.popHead(ctx, o, conv, `{`, []any{"error", "unreadable parked entry", "attempts", 0}); !ok || !more {
				return ok
			}
			continue
		}
		m := pe.message()
		job := decodeJob(m)
		if h, held := o.hold[job.OAID]; held && h.Until.After(time.Now()) {
			if r.tooOld(job) {
				reason := r.tooOldReason(max(pe.Transient, h.Failures), h.LastErr)
				r.observe(job, h.LastErr, true, 0)
				more, ok := r.popHead(ctx, o, conv, headPrefix(pe.ID), deadFields(m, pe.Calls, reason))
				r.logDead(o.p, job, pe.Calls, reason)
				if !ok || !more {
					return ok
				}
				continue
			}
			// Another conversation of this OA just failed transiently: wait for its retry.
			if err := q.rdb.ZAdd(ctx, q.parkedKey(o.p), redis.Z{Score: float64(h.Until.UnixMilli()), Member: conv}).Err(); err != nil {
				q.log.Warn("reschedule parked conversation failed", zap.Int("partition", o.p), zap.Error(err))
				return false
			}
			o.parked[conv] = h.Until
			return true
		}
		// Count the call before making it: a job that kills the process is dead-lettered
		// after MaxDeliveries such calls, like a stream entry.
		pe.Calls++
		job.Attempt = pe.Transient + pe.Failures + 1
		if pe.Calls > pe.Transient+pe.Failures+q.opts.MaxDeliveries {
			r.observe(job, errTooManyDeliveries, true, 0)
			more, ok := r.popHead(ctx, o, conv, headPrefix(pe.ID), deadFields(m, pe.Calls-1, errTooManyDeliveries.Error()))
			r.logDead(o.p, job, pe.Calls-1, errTooManyDeliveries.Error())
			if !ok || !more {
				return ok
			}
			continue
		}
		if err := q.rdb.LSet(ctx, list, 0, pe.encode()).Err(); err != nil {
			q.log.Warn("update parked entry failed", zap.Int("partition", o.p), zap.Error(err))
			return false
		}
		start := time.Now()
		herr := r.call(ctx, job)
		took := time.Since(start)
		if herr == nil {
			r.observe(job, nil, false, took)
			delete(o.hold, job.OAID) // the OA works again: its other conversations follow at once
			more, ok := r.popHead(ctx, o, conv, headPrefix(pe.ID), nil)
			if !ok || !more {
				return ok
			}
			continue
		}
		pe.LastError = herr.Error()
		var delay time.Duration
		if hint, transient := queue.IsTransient(herr); transient {
			pe.Transient++
			if r.tooOld(job) {
				reason := r.tooOldReason(pe.Transient, herr)
				r.observe(job, herr, true, took)
				more, ok := r.popHead(ctx, o, conv, headPrefix(pe.ID), deadFields(m, pe.Calls, reason))
				r.logDead(o.p, job, pe.Calls, reason)
				if !ok || !more {
					return ok
				}
				continue
			}
			r.holdOA(o, job.OAID, herr)
			delay = queue.Backoff(pe.Transient, q.opts.RetryBase, q.opts.RetryMax, hint)
		} else {
			pe.Failures++
			if pe.Failures >= q.opts.MaxDeliveries {
				r.observe(job, herr, true, took)
				more, ok := r.popHead(ctx, o, conv, headPrefix(pe.ID), deadFields(m, pe.Calls, herr.Error()))
				r.logDead(o.p, job, pe.Calls, herr.Error())
				if !ok || !more {
					return ok
				}
				continue
			}
			delay = retryDelay(pe.Failures)
		}
		r.observe(job, herr, false, took)
		due := time.Now().Add(delay)
		_, err = q.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.LSet(ctx, list, 0, pe.encode())
			pipe.ZAdd(ctx, q.parkedKey(o.p), redis.Z{Score: float64(due.UnixMilli()), Member: conv})
			return nil
		})
		if err != nil {
			q.log.Warn("reschedule parked conversation failed", zap.Int("partition", o.p), zap.Error(err))
			return false
		}
		o.parked[conv] = due
		q.log.Warn("parked job failed again", zap.Int("partition", o.p), zap.String("event_name", job.EventName),
			zap.Int("transient_failures", pe.Transient), zap.Int("failures", pe.Failures),
			zap.Duration("retry_in", delay), zap.Error(herr))
		return true
	}
}

// popHead removes the handled (or dead-lettered, when dead is not nil) head of conv's
// list; more reports whether entries remain. ok is false when Redis failed.
func (r *runner) popHead(ctx context.Context, o *owned, conv, prefix string, dead []any) (more, ok bool) {
	q := r.q
	args := append([]any{conv, prefix, time.Now().UnixMilli()}, dead...)
	n, err := popScript.Run(ctx, q.rdb, []string{q.parkKey(o.p, conv), q.parkedKey(o.p), q.deadKey(o.p),
		q.parkedCountKey(o.p)}, args...).Int()
	if err != nil {
		q.log.Warn("unpark entry failed, pausing partition", zap.Int("partition", o.p), zap.Error(err))
		return false, false
	}
	if n == 0 {
		delete(o.parked, conv)
		return false, true
	}
	// n > 0: more wait; n == -1: the head was another entry already (an earlier pop
	// whose answer was lost): read the list again.
	o.parked[conv] = time.Now()
	return true, true
}

// deadFields are the dead-letter stream fields of an entry (as deadLetter writes them).
func deadFields(m redis.XMessage, attempts int, reason string) []any {
	keys := make([]string, 0, len(m.Values))
	for k := range m.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, 2*len(keys)+6)
	for _, k := range keys {
		out = append(out, k, m.Values[k])
	}
	return append(out, "attempts", attempts, "error", reason, "orig_id", m.ID)
}

func (r *runner) logDead(p int, job queue.Job, attempts int, reason string) {
	r.q.log.Error("job dead-lettered", zap.Int("partition", p), zap.String("account", job.Account),
		zap.String("event_name", job.EventName), zap.Int("attempts", attempts), zap.String("error", reason))
}

// Parked returns the number of events waiting in park lists (all partitions).
func (q *Queue) Parked(ctx context.Context) (int64, error) {
	pipe := q.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, q.opts.Partitions)
	for p := range cmds {
		cmds[p] = pipe.Get(ctx, q.parkedCountKey(p))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("parked events: %w", err)
	}
	var n int64
	for _, c := range cmds {
		v, _ := strconv.ParseInt(strings.TrimSpace(c.Val()), 10, 64)
		n += max(v, 0)
	}
	return n, nil
}
