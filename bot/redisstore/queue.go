package redisstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/queue"
)

// Queue is the durable webhook queue on Redis Streams.
//
// Events are spread over Partitions streams by a hash of (oa_id, user_id), so one
// conversation always lands in one stream. Each stream has one consumer group; an
// instance works on a partition only while it holds that partition's lease (a key with a
// TTL renewed by its owner), so one consumer at a time reads a partition and a
// conversation's events are handled in arrival order across replicas. Live instances
// register in a sorted set and each takes about Partitions/live leases.
//
// A dead instance's leases expire after LeaseTTL; the new owner first claims the entries
// the dead one left pending (XAUTOCLAIM, once idle for ClaimIdle) and handles them before
// reading new ones. A job that fails MaxDeliveries times moves to the partition's
// dead-letter stream; a job that fails transiently (queue.TransientError) parks its
// conversation instead and is retried with backoff (queue_park.go).
type Queue struct {
	rdb      redis.UniversalClient
	keys     Keyspace
	opts     QueueOptions
	log      *zap.Logger
	running  atomic.Bool
	draining atomic.Bool
	batch    *batcher // the webhook's enqueues
	acks     *batcher // the workers' acknowledgements
}

var _ queue.Enqueuer = (*Queue)(nil)

// QueueOptions configures a Queue. Zero values take the defaults in brackets.
type QueueOptions struct {
	Prefix        string        // key prefix ["oabot:"]
	Partitions    int           // number of streams [16]; all instances must agree
	Workers       int           // handler calls running at once in this instance [Partitions]
	Consumer      string        // this instance's unique name [host-pid-random]
	ClaimIdle     time.Duration // idle time before a dead consumer's entry is claimed [30s]
	LeaseTTL      time.Duration // partition lease lifetime without renewal [10s]
	MaxDeliveries int           // deliveries before dead-lettering (transient failures not counted) [5]
	RetryBase     time.Duration // first backoff after a transient failure [1s]
	RetryMax      time.Duration // backoff cap for transient failures [5m]
	MaxEventAge   time.Duration // transient failures of an older event dead-letter it [3h]
	JobTimeout    time.Duration // bound on one handler call [20s]
	StreamMaxLen  int64         // approximate cap per stream [100000]
	DedupeTTL     time.Duration // how long event keys are remembered [48h]
	Block         time.Duration // XREADGROUP BLOCK; also the shutdown latency [1s]
	Logger        *zap.Logger   // [nop]
	Observer      queue.Observer
	// Ingest, when set, makes a worker wait while the webhook is in a burst
	// (queue.Ingest.Yield) before each job.
	Ingest *queue.Ingest
}

func (o *QueueOptions) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Partitions <= 0 {
		o.Partitions = 16
	}
	if o.Workers <= 0 {
		o.Workers = o.Partitions
	}
	if o.Consumer == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		o.Consumer = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if o.MaxDeliveries <= 0 {
		o.MaxDeliveries = 5
	}
	if o.StreamMaxLen <= 0 {
		o.StreamMaxLen = 100_000
	}
	def(&o.ClaimIdle, 30*time.Second)
	def(&o.LeaseTTL, 10*time.Second)
	def(&o.JobTimeout, 20*time.Second)
	def(&o.DedupeTTL, 48*time.Hour)
	def(&o.Block, time.Second)
	def(&o.RetryBase, time.Second)
	def(&o.RetryMax, 5*time.Minute)
	def(&o.MaxEventAge, 3*time.Hour)
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
}

// NewQueue returns a queue on rdb. It does no I/O.
func NewQueue(rdb redis.UniversalClient, opts QueueOptions) (*Queue, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	opts.setDefaults()
	return &Queue{rdb: rdb, keys: keyspace(opts.Prefix), opts: opts, log: opts.Logger,
		batch: &batcher{rdb: rdb}, acks: workBatcher(rdb)}, nil
}

// consumerGroup is the one group every instance reads through.
const consumerGroup = "workers"

// ErrDraining is returned by Enqueue once the queue is shutting down (queue.ErrDraining).
var ErrDraining = queue.ErrDraining

// Partition returns the partition of a conversation.
func (q *Queue) Partition(oaID, userID string) int {
	h := fnv.New32a()
	h.Write([]byte(oaID))
	h.Write([]byte{0})
	h.Write([]byte(userID))
	return int(h.Sum32() % uint32(q.opts.Partitions))
}

// Keys of partition p share the hash tag {q<p>} so the enqueue script and the dead-letter
// transaction touch one cluster slot.
func (q *Queue) streamKey(p int) string { return q.keys.Key("{q"+strconv.Itoa(p)+"}", "stream") }
func (q *Queue) deadKey(p int) string   { return q.keys.Key("{q"+strconv.Itoa(p)+"}", "dead") }
func (q *Queue) seenKey(p int, k string) string {
	return q.keys.Key("{q"+strconv.Itoa(p)+"}", "seen", k)
}
func (q *Queue) leaseKey(p int) string   { return q.keys.Key("{q"+strconv.Itoa(p)+"}", "lease") }
func (q *Queue) handoffKey(p int) string { return q.keys.Key("{q"+strconv.Itoa(p)+"}", "handoff") }
func (q *Queue) replicasKey() string     { return q.keys.Key("q", "replicas") }

// enqueueScript queues an event once, atomically. The dedupe mark is written only after
// XADD succeeded, so a failure never leaves an event marked seen but not queued.
// KEYS[1]: dedupe key, KEYS[2]: stream. ARGV[1]: dedupe TTL (s), ARGV[2]: stream cap,
// ARGV[3…]: the entry's field/value pairs.
var enqueueScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
return 1`)

// Enqueue stores job in its partition's stream unless its dedupe key was seen before, in
// one atomic step. It reports false for a duplicate. On error nothing was stored.
func (q *Queue) Enqueue(ctx context.Context, job queue.Job) (bool, error) {
	if q.draining.Load() {
		return false, ErrDraining
	}
	dk := job.DedupeKey
	if dk == "" {
		sum := sha256.Sum256(job.Raw)
		dk = "raw:" + hex.EncodeToString(sum[:16])
	}
	p := q.Partition(job.OAID, job.UserID)
	if job.ReceivedAt.IsZero() {
		job.ReceivedAt = time.Now()
	}
	args := append([]any{int64(q.opts.DedupeTTL / time.Second), q.opts.StreamMaxLen}, encodeJob(job)...)
	n, err := q.batch.runScript(ctx, enqueueScript, []string{q.seenKey(p, job.OAID+":"+dk), q.streamKey(p)}, args...).Int()
	if err != nil {
		return false, fmt.Errorf("enqueue event: %w", err)
	}
	return n == 1, nil
}

// Drain makes Enqueue refuse new events (ErrDraining) while in-flight work finishes.
func (q *Queue) Drain() { q.draining.Store(true) }

// Running reports whether Run is consuming (for /readyz).
func (q *Queue) Running() bool { return q.running.Load() }

// Ping checks that Redis answers.
func (q *Queue) Ping(ctx context.Context) error { return q.rdb.Ping(ctx).Err() }

// Stream fields. Short names keep each entry small.
const (
	fAccount  = "a"
	fOA       = "o"
	fUser     = "u"
	fEvent    = "e"
	fDedupe   = "k"
	fReceived = "t"
	fRaw      = "r"
)

func encodeJob(j queue.Job) []any {
	return []any{fAccount, j.Account, fOA, j.OAID, fUser, j.UserID, fEvent, j.EventName,
		fDedupe, j.DedupeKey, fReceived, j.ReceivedAt.UnixMilli(), fRaw, j.Raw}
}

func decodeJob(m redis.XMessage) queue.Job {
	s := func(k string) string { v, _ := m.Values[k].(string); return v }
	ms, _ := strconv.ParseInt(s(fReceived), 10, 64)
	return queue.Job{ID: m.ID, Account: s(fAccount), OAID: s(fOA), UserID: s(fUser),
		EventName: s(fEvent), DedupeKey: s(fDedupe), Raw: []byte(s(fRaw)),
		ReceivedAt: time.UnixMilli(ms)}
}

// DeadLetters returns up to n dead-lettered jobs of every partition, oldest first within
// a partition (for the admin API and tests).
func (q *Queue) DeadLetters(ctx context.Context, n int64) ([]DeadLetter, error) {
	var out []DeadLetter
	for p := range q.opts.Partitions {
		msgs, err := q.rdb.XRangeN(ctx, q.deadKey(p), "-", "+", n).Result()
		if err != nil {
			return nil, fmt.Errorf("read dead letters: %w", err)
		}
		for _, m := range msgs {
			job := decodeJob(m)
			att, _ := strconv.Atoi(fmt.Sprint(m.Values["attempts"]))
			reason, _ := m.Values["error"].(string)
			job.Attempt = att
			out = append(out, DeadLetter{Job: job, Partition: p, Reason: reason})
		}
	}
	return out, nil
}

// DeadLetter is a job that was given up.
type DeadLetter struct {
	Job       queue.Job
	Partition int
	Reason    string
}

// Backlog returns the number of events not yet handled: entries of all partition streams
// (queued or being handled) plus parked events waiting for a retry, for metrics and tests.
func (q *Queue) Backlog(ctx context.Context) (int64, error) {
	pipe := q.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, q.opts.Partitions)
	for p := range cmds {
		cmds[p] = pipe.XLen(ctx, q.streamKey(p))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("queue backlog: %w", err)
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	parked, err := q.Parked(ctx)
	if err != nil {
		return 0, err
	}
	return n + parked, nil
}
