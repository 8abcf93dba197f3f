package redisstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot"
)

// Store keeps conversations as strings with a TTL, one key per (oa_id, user_id)
// ("conv:<oa>:<user>"; an update's script touches only that key, so it needs no hash tag). Values are
// written in a compact binary encoding (see encodeConversation); values written by earlier
// versions as JSON are still read, and rewritten compactly by their next Update.
type Store struct {
	rdb       redis.UniversalClient
	keys      Keyspace
	ttl       time.Duration
	writeJSON bool
	seen      seenValues
	batch     *batcher // reads and writes, shared with other workers' in flight
}

var _ bot.StateStore = (*Store)(nil)

// StoreOptions configures a Store.
type StoreOptions struct {
	// Prefix starts every key (default "oabot:").
	Prefix string
	// TTL is how long an idle conversation is kept (default 30 days); every Update
	// renews it.
	TTL time.Duration
	// WriteJSON writes conversations in the JSON of releases before encoding v1, for a
	// rolling upgrade: those releases cannot read v1 (their Get fails and the event is
	// dead-lettered), this one reads both. Turn it off once every replica runs this release
	// (deploy/runbook.md, "Upgrading").
	WriteJSON bool
}

// maxUpdateRetries bounds optimistic retries when the same conversation is updated
// concurrently (rare: one partition owner handles a conversation at a time).
const maxUpdateRetries = 50

// NewStore returns a conversation store on rdb. It does no I/O.
func NewStore(rdb redis.UniversalClient, opts StoreOptions) (*Store, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	if opts.TTL <= 0 {
		opts.TTL = 30 * 24 * time.Hour
	}
	return &Store{rdb: rdb, keys: keyspace(opts.Prefix), ttl: opts.TTL, writeJSON: opts.WriteJSON, batch: workBatcher(rdb)}, nil
}

func (s *Store) key(oaID, userID string) string { return s.keys.Key("conv", oaID, userID) }

// Get returns the stored conversation or bot.ErrNoConversation.
func (s *Store) Get(ctx context.Context, oaID, userID string) (bot.Conversation, error) {
	key := s.key(oaID, userID)
	raw, err := s.load(ctx, key)
	if err != nil {
		return bot.Conversation{}, err
	}
	s.seen.put(key, raw)
	return decodeStored(oaID, raw)
}

// load returns the value at key, nil when absent.
func (s *Store) load(ctx context.Context, key string) ([]byte, error) {
	var cmd *redis.StringCmd
	if err := s.batch.do(ctx, func(p redis.Pipeliner) { cmd = p.Get(ctx, key) }); err != nil {
		return nil, fmt.Errorf("load conversation: %w", err)
	}
	b, err := cmd.Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load conversation: %w", err)
	}
	return b, nil
}

// decodeStored decodes a value load returned; nil is bot.ErrNoConversation.
func decodeStored(oaID string, b []byte) (bot.Conversation, error) {
	if b == nil {
		return bot.Conversation{}, bot.ErrNoConversation
	}
	conv, err := decodeConversation(oaID, b)
	if err != nil {
		return bot.Conversation{}, fmt.Errorf("decode conversation: %w", err)
	}
	return conv, nil
}

// casConversationScript stores ARGV[3] with a TTL of ARGV[4] ms if the key still holds
// ARGV[2] (ARGV[1] = "1"), or is still absent (ARGV[1] = "0"); it returns 1 when it
// stored, 0 when the value had changed.
var casConversationScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if cur then return 0 end
elseif cur ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
`)

// Update loads the conversation (zero value when absent), calls fn and stores the result
// with the TTL if nobody changed it meanwhile (compare-and-set in one script); a
// concurrent change makes it reload and call fn again. If fn returns an error nothing is
// stored and the error is returned as is.
//
// A job reads its conversation (Get) and then updates it, once or a few times: the value
// this replica read or wrote last for the key is kept as a hint (seenValues), and the
// first try compares against it instead of reading again, so the common update is one
// round trip instead of three (WATCH, GET, MULTI/SET/EXEC). A wrong hint costs one
// failed compare and a normal retry.
func (s *Store) Update(ctx context.Context, oaID, userID string, fn func(*bot.Conversation) error) (bot.Conversation, error) {
	key := s.key(oaID, userID)
	raw, hinted := s.seen.take(key)
	for i := range maxUpdateRetries {
		if !hinted {
			var err error
			if raw, err = s.load(ctx, key); err != nil {
				return bot.Conversation{}, err
			}
		}
		hinted = false
		conv, err := decodeStored(oaID, raw)
		if err != nil && !errors.Is(err, bot.ErrNoConversation) {
			return bot.Conversation{}, err
		}
		if err := fn(&conv); err != nil {
			return bot.Conversation{}, err
		}
		b, err := s.encode(oaID, conv)
		if err != nil {
			return bot.Conversation{}, err
		}
		had := "1"
		if raw == nil {
			had = "0"
		}
		stored, err := s.batch.runScript(ctx, casConversationScript, []string{key}, had, raw, b, s.ttl.Milliseconds()).Int()
		if err != nil {
			return bot.Conversation{}, fmt.Errorf("store conversation: %w", err)
		}
		if stored == 1 {
			s.seen.put(key, b)
			return conv, nil
		}
		if i == 0 {
			// Only the hint was old (or someone wrote between our read and the compare):
			// read again at once.
			continue
		}
		// Someone else writes the key at the same time: wait a little (jittered, so
		// contenders spread out) and reload.
		select {
		case <-ctx.Done():
			return bot.Conversation{}, fmt.Errorf("store conversation: %w", ctx.Err())
		case <-time.After(time.Duration(rand.Int64N(int64(time.Millisecond) << min(i, 5)))):
		}
	}
	return bot.Conversation{}, errors.New("store conversation: too much contention")
}

// seenValues keeps, per conversation key, the value this replica last read or wrote: a
// hint for the next Update's compare-and-set. Bounded: when full it starts over (a lost
// hint only costs a read).
type seenValues struct {
	mu sync.Mutex
	m  map[string][]byte
}

// seenMax bounds the hints: about the conversations in flight on one replica.
const seenMax = 4096

func (v *seenValues) put(key string, b []byte) {
	if b == nil {
		b = []byte{} // absent: a hint too ("nothing stored")
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= seenMax {
		v.m = make(map[string][]byte)
	}
	v.m[key] = b
}

// take returns and forgets the hint for key; nil with ok means "absent".
func (v *seenValues) take(key string) (b []byte, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	b, ok = v.m[key]
	if ok {
		delete(v.m, key)
		if len(b) == 0 {
			b = nil
		}
	}
	return b, ok
}

// encode returns the stored form of c: encoding v1, or JSON during a rolling upgrade.
func (s *Store) encode(oaID string, c bot.Conversation) ([]byte, error) {
	if s.writeJSON {
		return json.Marshal(c)
	}
	return encodeConversation(oaID, c), nil
}

// A conversation is stored in encoding v1: the byte encV1, then fields as in protocol
// buffers: a uvarint key (field number << 1 | wire type) and a value, a uvarint (wireVarint;
// ints zigzag-encoded) or a uvarint length and that many bytes (wireBytes). Zero values are
// left out. Readers skip fields they do not know, so a field can be added (with a new
// number; never reuse or renumber one) without breaking replicas that do not know it yet.
//
//   - A time is its Unix nanoseconds (uvarint), or time.MarshalBinary bytes outside
//     1970–2262: the instant survives to the nanosecond, its location does not.
//   - A procedure code of the national form "d.dddddd" is packed as the number dddddddd
//     (3–4 bytes instead of 9). LastList keeps its order: a run of packed codes is one
//     field of uvarints, any other code a field of its own.
//   - Job.Key holds the OA id (zalo.DedupeKey "m:<oa>:<msg id>"), which the Redis key
//     holds already: it is stored without it, after the offset to put it back at.
//
// Against the JSON of earlier versions (field names; RFC 3339 times of ~35 bytes, zero
// times included) a conversation takes 60–150 bytes instead of 370–650, and Redis's MEMORY
// USAGE per conversation is 168–264 bytes instead of 488–872 (TestConversationMemory). JSON
// never starts with encV1, so the first byte tells the two apart.
const encV1 = 0x01

const (
	wireVarint = 0
	wireBytes  = 1
)

// Field numbers of encoding v1.
const (
	fieldLastList          = 1 // a code that is not packed
	fieldLastListCodes     = 2 // a run of packed codes
	fieldListQuery         = 3
	fieldListSection       = 4
	fieldPage              = 5
	fieldCurrent           = 6 // a code that is not packed
	fieldCurrentCode       = 7 // a packed code
	fieldMutedUntil        = 8
	fieldLastInteractionAt = 9
	fieldFollower          = 10
	fieldFollowerKnown     = 11
	fieldLastNudgeAt       = 12
	fieldInfoSubmittedAt   = 13
	fieldRateStart         = 14
	fieldRateCount         = 15
	fieldJobKey            = 16 // a key that does not hold the OA id
	fieldJobKeyOA          = 17 // uvarint offset of the OA id, then the key without it
	fieldJobSent           = 18
	fieldJobDone           = 19
	fieldFeedbackQuery     = 20
	fieldFeedbackShown     = 21
	fieldFeedbackOthers    = 22 // codes joined by ","
	fieldFeedbackPromptAt  = 23
	fieldFeedbackPending   = 24
)

// encodeConversation returns c, stored under oaID, in encoding v1.
func encodeConversation(oaID string, c bot.Conversation) []byte {
	b := make([]byte, 1, 128)
	b[0] = encV1
	b = appendList(b, c.LastList)
	b = appendString(b, fieldListQuery, c.ListQuery)
	b = appendInt(b, fieldListSection, c.ListSection)
	b = appendInt(b, fieldPage, c.Page)
	if n, ok := packCode(c.Current); ok {
		b = binary.AppendUvarint(appendKey(b, fieldCurrentCode, wireVarint), n)
	} else {
		b = appendString(b, fieldCurrent, c.Current)
	}
	b = appendTime(b, fieldMutedUntil, c.MutedUntil)
	b = appendTime(b, fieldLastInteractionAt, c.LastInteractionAt)
	b = appendBool(b, fieldFollower, c.Follower)
	b = appendBool(b, fieldFollowerKnown, c.FollowerKnown)
	b = appendTime(b, fieldLastNudgeAt, c.LastNudgeAt)
	b = appendTime(b, fieldInfoSubmittedAt, c.InfoSubmittedAt)
	b = appendTime(b, fieldRateStart, c.RateStart)
	b = appendInt(b, fieldRateCount, c.RateCount)
	if before, after, ok := strings.Cut(c.Job.Key, oaID); ok && oaID != "" {
		v := binary.AppendUvarint(nil, uint64(len(before)))
		b = appendBytes(b, fieldJobKeyOA, string(append(append(v, before...), after...)))
	} else {
		b = appendString(b, fieldJobKey, c.Job.Key)
	}
	b = appendInt(b, fieldJobSent, c.Job.Sent)
	b = appendBool(b, fieldJobDone, c.Job.Done)
	f := c.Feedback
	b = appendString(b, fieldFeedbackQuery, f.Query)
	b = appendString(b, fieldFeedbackShown, f.Shown)
	b = appendString(b, fieldFeedbackOthers, strings.Join(f.Others, ","))
	b = appendTime(b, fieldFeedbackPromptAt, f.PromptAt)
	return appendBool(b, fieldFeedbackPending, f.Pending)
}

func appendKey(b []byte, field, wire uint64) []byte { return binary.AppendUvarint(b, field<<1|wire) }

func appendBytes(b []byte, field uint64, s string) []byte {
	b = binary.AppendUvarint(appendKey(b, field, wireBytes), uint64(len(s)))
	return append(b, s...)
}

func appendString(b []byte, field uint64, s string) []byte {
	if s == "" {
		return b
	}
	return appendBytes(b, field, s)
}

func appendInt(b []byte, field uint64, n int) []byte {
	if n == 0 {
		return b
	}
	return binary.AppendVarint(appendKey(b, field, wireVarint), int64(n))
}

func appendBool(b []byte, field uint64, v bool) []byte {
	if !v {
		return b
	}
	return binary.AppendUvarint(appendKey(b, field, wireVarint), 1)
}

// appendList appends codes in order, each run of packed codes in one field.
func appendList(b []byte, codes []string) []byte {
	var run []byte
	for i, code := range codes {
		n, ok := packCode(code)
		if ok {
			run = binary.AppendUvarint(run, n)
		}
		if len(run) > 0 && (!ok || i == len(codes)-1) {
			b = appendBytes(b, fieldLastListCodes, string(run))
			run = run[:0]
		}
		if !ok {
			b = appendBytes(b, fieldLastList, code)
		}
	}
	return b
}

// packCode returns a code of the national form "d.dddddd" (every code of the built-in
// catalogue has it) as the number dddddddd, which takes 3–4 bytes as a uvarint.
func packCode(code string) (uint64, bool) {
	if len(code) != 8 || code[1] != '.' {
		return 0, false
	}
	var n uint64
	for i, c := range []byte(code) {
		switch {
		case i == 1:
		case c < '0' || c > '9':
			return 0, false
		default:
			n = n*10 + uint64(c-'0')
		}
	}
	return n, true
}

func unpackCode(n uint64) (string, error) {
	if n > 9_999_999 {
		return "", errors.New("packed code out of range")
	}
	return fmt.Sprintf("%d.%06d", n/1_000_000, n%1_000_000), nil
}

// maxNanoTime is the last instant whose Unix nanoseconds fit an int64 (in 2262).
var maxNanoTime = time.Unix(0, math.MaxInt64)

func appendTime(b []byte, field uint64, t time.Time) []byte {
	switch {
	case t.IsZero():
		return b
	case t.Unix() >= 0 && !t.After(maxNanoTime):
		return binary.AppendUvarint(appendKey(b, field, wireVarint), uint64(t.UnixNano()))
	}
	mb, err := t.MarshalBinary()
	if err != nil {
		// Only a zone offset beyond ±22 days fails; the instant is what matters.
		mb, _ = t.UTC().MarshalBinary()
	}
	return appendBytes(b, field, string(mb))
}

// decodeConversation decodes a value stored under oaID: encoding v1, or the JSON of earlier
// versions.
func decodeConversation(oaID string, b []byte) (bot.Conversation, error) {
	var c bot.Conversation
	if len(b) == 0 || b[0] != encV1 {
		err := json.Unmarshal(b, &c)
		return c, err
	}
	for b = b[1:]; len(b) > 0; {
		key, n := binary.Uvarint(b)
		if n <= 0 || key>>1 == 0 {
			return bot.Conversation{}, errors.New("bad field key")
		}
		field, wire := key>>1, key&1
		b = b[n:]
		v, n := binary.Uvarint(b)
		if n <= 0 || wire == wireBytes && v > uint64(len(b)-n) {
			return bot.Conversation{}, fmt.Errorf("field %d: truncated", field)
		}
		b = b[n:]
		var s []byte
		if wire == wireBytes {
			s, b = b[:v], b[v:]
		}
		if err := setField(&c, oaID, field, wire, v, s); err != nil {
			return bot.Conversation{}, fmt.Errorf("field %d: %w", field, err)
		}
	}
	return c, nil
}

var errWire = errors.New("unexpected wire type")

// setField stores one field in c: v for wireVarint, s for wireBytes. Fields unknown here
// (written by a later version) are skipped.
func setField(c *bot.Conversation, oaID string, field, wire, v uint64, s []byte) error {
	var err error
	switch field {
	case fieldLastList:
		var code string
		code, err = stringField(wire, s)
		c.LastList = append(c.LastList, code)
	case fieldLastListCodes:
		c.LastList, err = codesField(c.LastList, wire, s)
	case fieldListQuery:
		c.ListQuery, err = stringField(wire, s)
	case fieldListSection:
		c.ListSection, err = intField(wire, v)
	case fieldPage:
		c.Page, err = intField(wire, v)
	case fieldCurrent:
		c.Current, err = stringField(wire, s)
	case fieldCurrentCode:
		if err = wantWire(wire, wireVarint); err == nil {
			c.Current, err = unpackCode(v)
		}
	case fieldMutedUntil:
		c.MutedUntil, err = timeField(wire, v, s)
	case fieldLastInteractionAt:
		c.LastInteractionAt, err = timeField(wire, v, s)
	case fieldFollower:
		c.Follower, err = v != 0, wantWire(wire, wireVarint)
	case fieldFollowerKnown:
		c.FollowerKnown, err = v != 0, wantWire(wire, wireVarint)
	case fieldLastNudgeAt:
		c.LastNudgeAt, err = timeField(wire, v, s)
	case fieldInfoSubmittedAt:
		c.InfoSubmittedAt, err = timeField(wire, v, s)
	case fieldRateStart:
		c.RateStart, err = timeField(wire, v, s)
	case fieldRateCount:
		c.RateCount, err = intField(wire, v)
	case fieldJobKey:
		c.Job.Key, err = stringField(wire, s)
	case fieldJobKeyOA:
		c.Job.Key, err = jobKeyField(wire, s, oaID)
	case fieldJobSent:
		c.Job.Sent, err = intField(wire, v)
	case fieldJobDone:
		c.Job.Done, err = v != 0, wantWire(wire, wireVarint)
	case fieldFeedbackQuery:
		c.Feedback.Query, err = stringField(wire, s)
	case fieldFeedbackShown:
		c.Feedback.Shown, err = stringField(wire, s)
	case fieldFeedbackOthers:
		var all string
		if all, err = stringField(wire, s); err == nil && all != "" {
			c.Feedback.Others = strings.Split(all, ",")
		}
	case fieldFeedbackPromptAt:
		c.Feedback.PromptAt, err = timeField(wire, v, s)
	case fieldFeedbackPending:
		c.Feedback.Pending, err = v != 0, wantWire(wire, wireVarint)
	}
	return err
}

func wantWire(wire, want uint64) error {
	if wire != want {
		return errWire
	}
	return nil
}

func stringField(wire uint64, s []byte) (string, error) {
	return string(s), wantWire(wire, wireBytes)
}

func intField(wire, v uint64) (int, error) {
	return int(int64(v>>1) ^ -int64(v&1)), wantWire(wire, wireVarint) // zigzag
}

// codesField appends a run of packed codes to list.
func codesField(list []string, wire uint64, s []byte) ([]string, error) {
	if wire != wireBytes {
		return list, errWire
	}
	for len(s) > 0 {
		v, n := binary.Uvarint(s)
		if n <= 0 {
			return list, errors.New("truncated code")
		}
		code, err := unpackCode(v)
		if err != nil {
			return list, err
		}
		list, s = append(list, code), s[n:]
	}
	return list, nil
}

// jobKeyField puts oaID back into a Job.Key stored without it.
func jobKeyField(wire uint64, s []byte, oaID string) (string, error) {
	at, n := binary.Uvarint(s)
	switch {
	case wire != wireBytes:
		return "", errWire
	case n <= 0 || at > uint64(len(s)-n):
		return "", errors.New("bad OA id offset")
	}
	rest := s[n:]
	return string(rest[:at]) + oaID + string(rest[at:]), nil
}

func timeField(wire, v uint64, s []byte) (time.Time, error) {
	if wire == wireBytes {
		var t time.Time
		if err := t.UnmarshalBinary(s); err != nil || t.Nanosecond() >= 1e9 {
			return time.Time{}, errors.New("bad time")
		}
		return t, nil
	}
	if v > math.MaxInt64 {
		return time.Time{}, errors.New("time out of range")
	}
	return time.Unix(0, int64(v)), nil
}
