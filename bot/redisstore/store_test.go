package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/bot/statetest"
)

func newTestStore(t testing.TB, ttl time.Duration) (*Store, *redis.Client) {
	t.Helper()
	rdb, prefix := redistest.New(t)
	s, err := NewStore(rdb, StoreOptions{Prefix: prefix, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	return s, rdb
}

// During a rolling upgrade the store writes the JSON older releases read; it keeps the
// same contract, and what it writes is JSON.
func TestStoreContractWriteJSON(t *testing.T) {
	statetest.StateStore(t, func(t *testing.T, ttl time.Duration) bot.StateStore {
		rdb, prefix := redistest.New(t)
		s, err := NewStore(rdb, StoreOptions{Prefix: prefix, TTL: ttl, WriteJSON: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			keys, _ := rdb.Keys(context.Background(), prefix+"conv:*").Result()
			for _, k := range keys {
				if v, _ := rdb.Get(context.Background(), k).Bytes(); len(v) > 0 && v[0] != '{' {
					t.Errorf("%s holds %q…, want JSON", k, v[:min(len(v), 8)])
				}
			}
		})
		return s
	})
}

func TestStoreContract(t *testing.T) {
	statetest.StateStore(t, func(t *testing.T, ttl time.Duration) bot.StateStore {
		s, _ := newTestStore(t, ttl)
		return s
	})
}

// Realistic Zalo ids (19 digits) and dedupe keys (zalo.DedupeKey).
const (
	realOA   = "4368345919227383427"
	realUser = "8521927461836402175"
	msgKey   = "m:" + realOA + ":96d3cdf3af150460909"
	eventKey = "e:6f1d0c3b9a8e7d6c5b4a39281706f5e4"
)

// realistic returns the conversations of TestConversationMemory: what a citizen's
// conversation holds after the bot answered with a card, with a list of 5, and with the
// longest list it keeps.
func realistic(now time.Time) []struct {
	name string
	conv bot.Conversation
} {
	card := bot.Conversation{
		Current:           "1.001234",
		LastInteractionAt: now,
		Follower:          true,
		FollowerKnown:     true,
		RateStart:         now.Add(-17 * time.Second),
		RateCount:         3,
		Job:               bot.JobProgress{Key: msgKey, Sent: 2, Done: true},
	}
	list := card
	list.LastList = []string{"1.001234", "1.004222", "2.000986", "1.010022", "1.003166"}
	list.ListQuery = "cap lai can cuoc cong dan"
	// The bot keeps up to 20 codes (4 pages); over half of the lists the search
	// answers with hold more than 5 (procedures/testdata query sets).
	long := list
	long.LastList = append(slices.Clone(list.LastList), "2.000815", "2.000884", "1.000656", "1.001193", "2.001255",
		"1.004194", "1.002755", "1.004221", "2.002189", "1.001612", "2.000488", "1.003583", "1.000894", "2.000635", "1.010021")
	return []struct {
		name string
		conv bot.Conversation
	}{{"card", card}, {"list", list}, {"list of 20", long}}
}

// TestConversationMemory holds Redis's memory per stored conversation (MEMORY USAGE: key,
// value, dict entry and allocator rounding) to the budget of issue 12, 300 bytes, for
// realistic conversations. MEMORY USAGE depends on the key's length, not its text, and a
// test writes only under its own prefix, so the user id is cut to give the key the length
// of production's "oabot:conv:<19-digit OA id>:<19-digit user id>". The JSON of earlier
// versions is measured alongside (go test -v -run TestConversationMemory shows both).
func TestConversationMemory(t *testing.T) {
	const budget = 300
	s, rdb := newTestStore(t, time.Hour)
	ctx := context.Background()
	prodKey := keyspace(DefaultPrefix).Key("conv", realOA, realUser)
	cut := len(s.keys) - len(DefaultPrefix)
	if cut < 0 || cut > len(realUser)-2 {
		t.Fatalf("test prefix %q too long to match the production key length", s.keys)
	}
	for i, tt := range realistic(time.Now()) {
		t.Run(tt.name, func(t *testing.T) {
			user := fmt.Sprintf("%s%d0", realUser[:len(realUser)-cut-2], i)
			legacy := s.key(realOA, fmt.Sprintf("%s%d1", realUser[:len(realUser)-cut-2], i))
			if key := s.key(realOA, user); len(key) != len(prodKey) || len(legacy) != len(prodKey) {
				t.Fatalf("key %q has %d bytes, want %d like %q", key, len(key), len(prodKey), prodKey)
			}
			if _, err := s.Update(ctx, realOA, user, func(c *bot.Conversation) error { *c = tt.conv; return nil }); err != nil {
				t.Fatal(err)
			}
			key := s.key(realOA, user)
			js, _ := json.Marshal(tt.conv) // what earlier versions stored
			if err := rdb.Set(ctx, legacy, js, time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			got, was := memoryUsage(t, rdb, key), memoryUsage(t, rdb, legacy)
			t.Logf("%s: MEMORY USAGE %d bytes (value %d bytes); as JSON %d bytes (value %d bytes)",
				tt.name, got, rdb.StrLen(ctx, key).Val(), was, len(js))
			if got > budget {
				t.Errorf("MEMORY USAGE of a %s conversation = %d bytes, want ≤ %d", tt.name, got, budget)
			}
		})
	}
}

func memoryUsage(t *testing.T, rdb *redis.Client, key string) int64 {
	t.Helper()
	n, err := rdb.MemoryUsage(context.Background(), key).Result()
	if err != nil {
		t.Fatalf("MEMORY USAGE %s: %v", key, err)
	}
	return n
}

// TestStoreReadsJSON: a value written by an earlier version (JSON, as it is in Redis after
// an upgrade) is read with every field, and its next Update keeps them all and rewrites the
// value in encoding v1.
func TestStoreReadsJSON(t *testing.T) {
	ict := time.FixedZone("", 7*60*60)
	at := time.Date(2025, 3, 14, 9, 26, 53, 123456789, ict)
	tests := []struct {
		name   string
		stored string
		want   bot.Conversation
	}{{
		name: "every field",
		stored: `{"last_list":["1.001234","1.004222","2.000986","1.010022","1.003166"],"list_query":"cap lai can cuoc",` +
			`"list_section":2,"page":1,"current":"1.004222","muted_until":"2025-03-14T09:56:53.123456789+07:00",` +
			`"last_interaction_at":"2025-03-14T09:26:53.123456789+07:00","follower":true,"follower_known":true,` +
			`"last_nudge_at":"2025-03-14T09:23:53.123456789+07:00","info_submitted_at":"2025-03-13T02:26:53.123456789Z",` +
			`"rate_start":"2025-03-14T09:26:33.123456789+07:00","rate_count":7,` +
			`"job":{"key":"m:4368345919227383427:96d3cdf3af150460909","sent":2,"done":true}}`,
		want: bot.Conversation{
			LastList:  []string{"1.001234", "1.004222", "2.000986", "1.010022", "1.003166"},
			ListQuery: "cap lai can cuoc", ListSection: 2, Page: 1, Current: "1.004222",
			MutedUntil: at.Add(30 * time.Minute), LastInteractionAt: at, Follower: true, FollowerKnown: true,
			LastNudgeAt: at.Add(-3 * time.Minute), InfoSubmittedAt: at.Add(-24 * time.Hour),
			RateStart: at.Add(-20 * time.Second), RateCount: 7, Job: bot.JobProgress{Key: msgKey, Sent: 2, Done: true},
		},
	}, {
		name: "zero times",
		stored: `{"current":"1.001234","muted_until":"0001-01-01T00:00:00Z","last_interaction_at":"2025-03-14T09:26:53.123456789+07:00",` +
			`"follower_known":true,"last_nudge_at":"0001-01-01T00:00:00Z","info_submitted_at":"0001-01-01T00:00:00Z",` +
			`"rate_start":"0001-01-01T00:00:00Z","job":{"key":"e:6f1d0c3b9a8e7d6c5b4a39281706f5e4","sent":1}}`,
		want: bot.Conversation{Current: "1.001234", LastInteractionAt: at, FollowerKnown: true, Job: bot.JobProgress{Key: eventKey, Sent: 1}},
	}, {
		name:   "unknown field",
		stored: ` {"current":"1.001234","greeting":{"sent":true}}`,
		want:   bot.Conversation{Current: "1.001234"},
	}, {
		name:   "empty",
		stored: `{}`,
	}}
	s, rdb := newTestStore(t, time.Hour)
	ctx := context.Background()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := fmt.Sprint(realUser[:18], i)
			key := s.key(realOA, user)
			if err := rdb.Set(ctx, key, tt.stored, 10*time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, realOA, user)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if d := statetest.Diff(tt.want, got); d != "" {
				t.Errorf("Get of a JSON value (-want +got):\n%s", d)
			}
			want := tt.want
			want.RateCount++
			got, err = s.Update(ctx, realOA, user, func(c *bot.Conversation) error { c.RateCount++; return nil })
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if d := statetest.Diff(want, got); d != "" {
				t.Errorf("Update of a JSON value (-want +got):\n%s", d)
			}
			raw, _ := rdb.Get(ctx, key).Bytes()
			if len(raw) == 0 || raw[0] != encV1 {
				t.Errorf("value after Update = %q, want encoding v1", raw)
			}
			if got, err := s.Get(ctx, realOA, user); err != nil || statetest.Diff(want, got) != "" {
				t.Errorf("Get after Update = %+v, %v; want %+v", got, err, want)
			}
			if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 59*time.Minute {
				t.Errorf("TTL after Update = %v, want the store's (1h)", ttl)
			}
		})
	}
}

func TestConversationEncoding(t *testing.T) {
	ict := time.FixedZone("ICT", 7*60*60)
	full := statetest.Full()
	statetest.MustBeFull(t, full)
	tests := []struct {
		name string
		conv bot.Conversation
	}{
		{"zero", bot.Conversation{}},
		{"every field", full},
		{"negative ints", bot.Conversation{ListSection: -1, Page: -2, RateCount: -3, Job: bot.JobProgress{Sent: -4}}},
		{"packed and other codes", bot.Conversation{
			LastList: []string{"", "0.000000", "9.999999", "1.00123a", "1.0012345", "12.00123", "1,001234", "x\x00y",
				strings.Repeat("9", 300), "1.001234", "2.000986", "1.00123", "1.001234"},
			Current: "0.000000",
		}},
		{"one packed code", bot.Conversation{LastList: []string{"1.001234"}}},
		{"packed codes last", bot.Conversation{LastList: []string{"x", "1.001234", "2.000986"}}},
		{"other current", bot.Conversation{Current: "TTHC-01"}},
		{"job key with the OA id", bot.Conversation{Job: bot.JobProgress{Key: msgKey}}},
		{"job key that is the OA id", bot.Conversation{Job: bot.JobProgress{Key: realOA}}},
		{"job key ending with the OA id", bot.Conversation{Job: bot.JobProgress{Key: "x" + realOA}}},
		{"job key twice the OA id", bot.Conversation{Job: bot.JobProgress{Key: realOA + ":" + realOA}}},
		{"job key without the OA id", bot.Conversation{Job: bot.JobProgress{Key: eventKey, Sent: 3}}},
		{"times outside int64 nanoseconds", bot.Conversation{
			MutedUntil:        time.Date(9999, 12, 31, 23, 59, 59, 999999999, ict),
			LastInteractionAt: time.Date(1969, 12, 31, 23, 59, 59, 1, time.UTC),
			LastNudgeAt:       time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
			RateStart:         time.Unix(0, 0),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeConversation(realOA, tt.conv)
			if b[0] != encV1 {
				t.Fatalf("encoding starts with %#x, want %#x", b[0], encV1)
			}
			got, err := decodeConversation(realOA, b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if d := statetest.Diff(tt.conv, got); d != "" {
				t.Errorf("round trip (-want +got):\n%s", d)
			}
		})
	}
}

// TestDecodeSkipsUnknownFields: a replica reads what a later version wrote, fields it does
// not know aside.
func TestDecodeSkipsUnknownFields(t *testing.T) {
	want := statetest.Full()
	b := encodeConversation(realOA, want)
	b = appendInt(b, 40, -5)
	b = appendString(b, 63, "a later field")
	b = appendInt(b, 200, 7) // a two-byte key
	got, err := decodeConversation(realOA, b)
	if err != nil {
		t.Fatal(err)
	}
	if d := statetest.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestDecodeConversationErrors(t *testing.T) {
	v1 := func(b ...byte) []byte { return append([]byte{encV1}, b...) }
	for _, tt := range []struct {
		name string
		b    []byte
	}{
		{"empty value", nil},
		{"unknown version", []byte{0x02, 0x0b, 0x01}},
		{"field zero", v1(0x00, 0x01)},
		{"truncated key", v1(0x80)},
		{"no value", v1(fieldPage << 1)},
		{"truncated varint", v1(fieldPage<<1, 0x80)},
		{"string longer than the value", v1(fieldCurrent<<1|wireBytes, 5, 'a')},
		{"string as a varint", v1(fieldCurrent<<1, 5)},
		{"int as bytes", v1(fieldPage<<1|wireBytes, 1, 1)},
		{"time beyond int64", v1(fieldRateStart<<1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)},
		{"bad time bytes", v1(fieldRateStart<<1|wireBytes, 1, 9)},
		{"time bytes with 10⁹ ns or more", []byte("\x01\x11\x0f\x0100000000\xff00000")},
		{"packed code out of range", v1(fieldCurrentCode<<1, 0x80, 0xad, 0xe2, 0x04)}, // 10,000,000
		{"packed code as bytes", v1(fieldCurrentCode<<1|wireBytes, 1, 1)},
		{"packed codes as a varint", v1(fieldLastListCodes<<1, 1)},
		{"truncated packed code", v1(fieldLastListCodes<<1|wireBytes, 2, 0x01, 0x80)},
		{"packed list code out of range", v1(fieldLastListCodes<<1|wireBytes, 4, 0x80, 0xad, 0xe2, 0x04)},
		{"OA id offset beyond the key", v1(fieldJobKeyOA<<1|wireBytes, 2, 2, 'm')},
		{"OA id offset missing", v1(fieldJobKeyOA<<1|wireBytes, 0)},
		{"job key as a varint", v1(fieldJobKeyOA<<1, 1)},
		{"bad JSON", []byte(`{"current":`)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := decodeConversation(realOA, tt.b); err == nil {
				t.Errorf("decodeConversation(%q) = %+v, want an error", tt.b, c)
			}
		})
	}
}

// FuzzDecodeConversation: no input makes decoding panic, and whatever decodes survives a
// round trip through encoding v1.
func FuzzDecodeConversation(f *testing.F) {
	f.Add(encodeConversation(realOA, statetest.Full()))
	f.Add([]byte(`{"current":"1.001234","rate_start":"2025-03-14T09:26:33.1+07:00","job":{"key":"k"}}`))
	f.Add(encodeConversation(realOA, bot.Conversation{MutedUntil: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeConversation(realOA, b)
		if err != nil {
			return
		}
		again, err := decodeConversation(realOA, encodeConversation(realOA, c))
		if err != nil {
			t.Fatalf("decode(encode(%+v)): %v", c, err)
		}
		if d := statetest.Diff(c, again); d != "" {
			t.Errorf("round trip of %q (-want +got):\n%s", b, d)
		}
	})
}

// BenchmarkStoreUpdate measures one Update of a stored conversation as the bot makes it for
// each event, against the real Redis (WATCH, GET, MULTI/SET/EXEC).
func BenchmarkStoreUpdate(b *testing.B) {
	s, _ := newTestStore(b, time.Hour)
	ctx := context.Background()
	conv := realistic(time.Now())[1].conv
	if _, err := s.Update(ctx, realOA, realUser, func(c *bot.Conversation) error { *c = conv; return nil }); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_, err := s.Update(ctx, realOA, realUser, func(c *bot.Conversation) error {
			c.LastInteractionAt = time.Now()
			c.RateCount++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConversationEncoding compares encoding v1 with the JSON of earlier versions: one
// encode and one decode of the realistic "list" conversation.
func BenchmarkConversationEncoding(b *testing.B) {
	conv := realistic(time.Now())[1].conv
	b.Run("json", func(b *testing.B) {
		var n int
		for b.Loop() {
			js, err := json.Marshal(conv)
			if err != nil {
				b.Fatal(err)
			}
			var c bot.Conversation
			if err := json.Unmarshal(js, &c); err != nil {
				b.Fatal(err)
			}
			n = len(js)
		}
		b.ReportMetric(float64(n), "value-bytes")
	})
	b.Run("v1", func(b *testing.B) {
		var n int
		for b.Loop() {
			enc := encodeConversation(realOA, conv)
			if _, err := decodeConversation(realOA, enc); err != nil {
				b.Fatal(err)
			}
			n = len(enc)
		}
		b.ReportMetric(float64(n), "value-bytes")
	})
}

// countingHook counts the commands and pipelines a client sends (round trips to Redis).
type countingHook struct{ n atomic.Int64 }

func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// A job reads its conversation and then updates it: the update is one round trip (a
// compare-and-set against the value read), not three (WATCH, GET, MULTI/SET/EXEC).
// Another replica's write in between is never overwritten: the compare fails and the
// update is done again on the new value.
func TestUpdateAfterGetComparesWithWhatWasRead(t *testing.T) {
	rdb, prefix := redistest.New(t)
	var hook countingHook
	rdb.AddHook(&hook)
	a, _ := NewStore(rdb, StoreOptions{Prefix: prefix})
	b, _ := NewStore(rdb, StoreOptions{Prefix: prefix}) // another replica
	ctx := context.Background()
	// The script's first run on a fresh server loads it (EVALSHA, then EVAL).
	if _, err := a.Update(ctx, "oa", "warm-up", func(*bot.Conversation) error { return nil }); err != nil {
		t.Fatal(err)
	}

	if _, err := a.Get(ctx, "oa", "u"); !errors.Is(err, bot.ErrNoConversation) {
		t.Fatalf("Get = %v", err)
	}
	before := hook.n.Load()
	if _, err := a.Update(ctx, "oa", "u", func(c *bot.Conversation) error { c.Page = 1; return nil }); err != nil {
		t.Fatal(err)
	}
	if n := hook.n.Load() - before; n != 1 {
		t.Errorf("Update after Get took %d round trips, want 1", n)
	}
	before = hook.n.Load()
	if _, err := a.Update(ctx, "oa", "u", func(c *bot.Conversation) error { c.Page++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n := hook.n.Load() - before; n != 1 {
		t.Errorf("a second Update took %d round trips, want 1", n)
	}

	// a read page 2; b (another replica) writes page 10; a's update must start from 10.
	if c, err := a.Get(ctx, "oa", "u"); err != nil || c.Page != 2 {
		t.Fatalf("Get = %+v, %v", c, err)
	}
	if _, err := b.Update(ctx, "oa", "u", func(c *bot.Conversation) error { c.Page = 10; return nil }); err != nil {
		t.Fatal(err)
	}
	var saw []int
	got, err := a.Update(ctx, "oa", "u", func(c *bot.Conversation) error { saw = append(saw, c.Page); c.Page++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got.Page != 11 || saw[len(saw)-1] != 10 {
		t.Fatalf("Update saw pages %v and stored %d; want to start from b's 10 and store 11", saw, got.Page)
	}
	if c, _ := b.Get(ctx, "oa", "u"); c.Page != 11 {
		t.Fatalf("stored page %d, want 11", c.Page)
	}

	// The key deleted behind a's back (expired): the update starts from nothing.
	if c, _ := a.Get(ctx, "oa", "u"); c.Page != 11 {
		t.Fatalf("page %d", c.Page)
	}
	rdb.Del(ctx, a.key("oa", "u"))
	got, err = a.Update(ctx, "oa", "u", func(c *bot.Conversation) error { c.Page++; return nil })
	if err != nil || got.Page != 1 {
		t.Fatalf("after expiry Update = page %d, %v; want 1", got.Page, err)
	}
}
