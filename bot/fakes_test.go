package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

// memState is an in-memory StateStore for tests.
type memState struct {
	mu sync.Mutex
	m  map[string]Conversation
}

func newMemState() *memState { return &memState{m: map[string]Conversation{}} }

func (s *memState) Get(_ context.Context, oaID, userID string) (Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[oaID+"/"+userID]
	if !ok {
		return Conversation{}, ErrNoConversation
	}
	return c, nil
}

func (s *memState) Update(_ context.Context, oaID, userID string, fn func(*Conversation) error) (Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.m[oaID+"/"+userID]
	// Round-trip through JSON like the real stores, so fields that do not survive
	// encoding show up in tests.
	raw, _ := json.Marshal(c)
	c = Conversation{}
	_ = json.Unmarshal(raw, &c)
	if err := fn(&c); err != nil {
		return Conversation{}, err
	}
	s.m[oaID+"/"+userID] = c
	return c, nil
}

// memStats records deltas.
type memStats struct {
	mu     sync.Mutex
	deltas []StatsDelta
}

func (s *memStats) Record(_ context.Context, _ string, d StatsDelta, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deltas = append(s.deltas, d)
	return nil
}

func (s *memStats) Summary(context.Context, string, StatsQuery) (StatsSummary, error) {
	return StatsSummary{}, nil
}

// recMessenger records what would be sent; failAt makes the n-th send (1-based) fail once.
type recMessenger struct {
	mu      sync.Mutex
	sent    []zalo.Message
	uploads int
	failAt  int
	calls   int
	sendErr error
	expired map[string]bool // attachment ids Zalo says expired (-100)
}

func (m *recMessenger) Send(_ context.Context, userID string, msg zalo.Message) (zalo.SendResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.failAt == m.calls {
		return zalo.SendResult{}, m.sendErr
	}
	if err := msg.Validate(); err != nil {
		return zalo.SendResult{}, fmt.Errorf("fake zalo refused: %w", err)
	}
	if msg.Image != nil && m.expired[msg.Image.AttachmentID] {
		return zalo.SendResult{}, &zalo.APIError{Code: -100, Message: "attachment_id was expired"}
	}
	m.sent = append(m.sent, msg)
	return zalo.SendResult{MessageID: fmt.Sprintf("m%d", len(m.sent))}, nil
}

func (m *recMessenger) UploadImage(_ context.Context, _ string, data []byte) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.uploads++
	return fmt.Sprintf("att%d", m.uploads), nil
}

func (m *recMessenger) take() []zalo.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.sent
	m.sent = nil
	return out
}

// testCatalog is a frozen copy of some built-in records (testdata/catalog.yaml, written
// with procedures.WriteCatalog), so that editing the built-in catalogue does not change
// the golden replies.
type testCatalog struct{ *procedures.Catalog }

func loadTestCatalog(t testing.TB) *testCatalog {
	t.Helper()
	c, err := procedures.Load("testdata/catalog.yaml")
	if err != nil {
		t.Fatalf("load test catalogue: %v", err)
	}
	return &testCatalog{c}
}

func (c *testCatalog) records(codes ...string) []*procedures.Record {
	out := make([]*procedures.Record, len(codes))
	for i, code := range codes {
		r, ok := c.ByCode(code)
		if !ok {
			panic("catalogue has no " + code)
		}
		out[i] = r
	}
	return out
}

// fakeSearch answers fixed queries (routing tests are about routing, not ranking).
type fakeSearch map[string]Found

func (f fakeSearch) Find(_, text string, limit int) Found {
	return f[fold(text)]
}

// fakeQR returns a tiny fixed PNG-like blob.
type fakeQR struct{ calls int }

func (q *fakeQR) PNG(_ context.Context, account, code string) ([]byte, error) {
	q.calls++
	return []byte("png:" + account + ":" + code), nil
}

// memAttach is an AttachmentCache.
type memAttach struct {
	mu sync.Mutex
	m  map[string]string
}

func (a *memAttach) Attachment(_ context.Context, key string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.m[key], nil
}

func (a *memAttach) SetAttachment(_ context.Context, key, id string, _ time.Duration) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string]string{}
	}
	a.m[key] = id
	return nil
}

func (a *memAttach) DeleteAttachment(_ context.Context, key string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.m, key)
	return nil
}

// describe renders sent messages for golden files.
func describe(msgs []zalo.Message) string {
	var b strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&b, "=== message %d/%d (%d characters)\n", i+1, len(msgs), zalo.TextLen(m.Text))
		if m.Image != nil {
			fmt.Fprintf(&b, "[image attachment_id=%s url=%s]\n", m.Image.AttachmentID, m.Image.URL)
		}
		b.WriteString(m.Text)
		b.WriteString("\n")
		for _, bt := range m.Buttons {
			target := bt.Payload
			switch bt.Type {
			case zalo.ButtonOpenURL:
				target = bt.URL
			case zalo.ButtonOpenPhone:
				target = bt.Phone
			}
			fmt.Fprintf(&b, "[button %q %s %s]\n", bt.Title, bt.Type, target)
		}
	}
	return b.String()
}
