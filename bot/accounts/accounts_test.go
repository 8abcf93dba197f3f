package accounts

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/zalo"
)

func fileAccount(id, oaID, appID string) config.Account {
	return config.Account{ID: id, Name: id, OAID: oaID, AppID: appID,
		OASecretKey: config.NewSecret("oa-" + id), AppSecretKey: config.NewSecret("app-" + appID),
		AccessToken: config.NewSecret("tok-" + id)}
}

var staticTokens TokenFunc = func(_ context.Context, a config.Account) (zalo.TokenProvider, error) {
	return zalo.StaticToken("tok-" + a.ID), nil
}

func TestMergeOneValidation(t *testing.T) {
	file := []config.Account{fileAccount("ca-q12", "100", "app1")}
	recs := []Record{
		{ID: "ca-q1", OAID: "200", AppID: "app1"},                                       // secrets from the file account of app1
		{ID: "ca-q2", OAID: "200", AppID: "app1"},                                       // same oa_id as ca-q1 → left out
		{ID: "ca-q12", OAID: "300", AppID: "app1"},                                      // a file account's id → left out
		{ID: "ca-q3", OAID: "100", AppID: "app1"},                                       // a file account's oa_id → left out
		{ID: "ca-q4", OAID: "400", AppID: "other"},                                      // no secrets anywhere → left out
		{ID: "ca-q5", OAID: "500", AppID: "other", OASecretKey: "s", AppSecretKey: "a"}, // fine
		{ID: "ca-q6", Invalid: errors.New("bad json")},                                  // undecodable → left out
	}
	merged, runtime, problems := Merge(file, recs)
	var ids []string
	for _, a := range merged {
		ids = append(ids, a.ID)
	}
	if got := strings.Join(ids, ","); got != "ca-q12,ca-q1,ca-q5" {
		t.Errorf("served = %s, want ca-q12,ca-q1,ca-q5", got)
	}
	if runtime["ca-q12"] || !runtime["ca-q1"] || !runtime["ca-q5"] {
		t.Errorf("runtime marks = %v", runtime)
	}
	if merged[1].OASecretKey.Value() != "oa-ca-q12" || merged[1].AppSecretKey.Value() != "app-app1" {
		t.Error("ca-q1 did not take the secrets of the file account of its app")
	}
	want := map[string]string{"ca-q2": "oa_id already used by runtime account ca-q1",
		"ca-q12": "id already used by account of the config file ca-q12",
		"ca-q3":  "oa_id already used by account of the config file ca-q12",
		"ca-q4":  "no OA secret key", "ca-q6": "cannot be read"}
	if len(problems) != len(want) {
		t.Errorf("problems = %v, want %d", problems, len(want))
	}
	for _, p := range problems {
		if w, ok := want[p.ID]; !ok || !strings.Contains(p.Err.Error(), w) {
			t.Errorf("problem %s: %v, want %q", p.ID, p.Err, w)
		}
	}
}

// listStore serves fixed records, as a store holding values written by an older release
// or by hand would; puts go to a MemoryStore.
type listStore struct {
	*MemoryStore
	mu    sync.Mutex
	extra []Record
}

func (l *listStore) List(ctx context.Context) ([]Record, error) {
	recs, _ := l.MemoryStore.List(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(recs, l.extra...), nil
}

func TestRegistryConflictIsRefusedAndNeverFreezes(t *testing.T) {
	ctx := context.Background()
	store := &listStore{MemoryStore: NewMemoryStore()}
	var seen []uint64
	r, err := New(ctx, Options{File: []config.Account{fileAccount("ca-q12", "100", "app1")}, Store: store, Tokens: staticTokens})
	if err != nil {
		t.Fatal(err)
	}
	r.Subscribe(func(s *Snapshot) { seen = append(seen, s.Version()) })

	if _, err := r.Put(ctx, Record{ID: "ca-q1", Name: "Q1", OAID: "200", AppID: "app1"}); err != nil {
		t.Fatal(err)
	}
	// The defect: a second account with the same oa_id was accepted (201) and every
	// refresh failed from then on. Now it is refused, with the holder named.
	_, err = r.Put(ctx, Record{ID: "ca-q2", Name: "Q2", OAID: "200", AppID: "app1"})
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, ErrConflict) || ce.With != "ca-q1" {
		t.Fatalf("Put(same oa_id) = %v, want a conflict with ca-q1", err)
	}
	if _, err := r.Put(ctx, Record{ID: "ca-q3", OAID: "100", AppID: "app1"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("Put(file account's oa_id) = %v, want a conflict", err)
	}
	// A bad record in the store (written before this check existed, or corrupted) is
	// left out and reported; later changes still apply.
	store.mu.Lock()
	store.extra = []Record{{ID: "ca-old", OAID: "200", AppID: "app1", CreatedAt: time.Now().Add(time.Hour)}, {ID: "ca-junk", Invalid: errors.New("bad json")}}
	store.mu.Unlock()
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Put(ctx, Record{ID: "ca-q4", OAID: "400", AppID: "app1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetDisabled(ctx, "ca-q1", true, "officer"); err != nil {
		t.Fatal(err)
	}
	s := r.Snapshot()
	if a, ok := s.ByOAID("400"); !ok || a.ID != "ca-q4" || a.Client == nil || a.Campaign == nil {
		t.Errorf("new account not served with clients: %+v %v", a, ok)
	}
	if a, ok := s.ByID("ca-q1"); !ok || !a.Disabled || a.Client != nil {
		t.Errorf("disabled account: %+v", a)
	}
	if len(s.Enabled()) != 2 {
		t.Errorf("enabled = %d, want 2 (ca-q12, ca-q4)", len(s.Enabled()))
	}
	if len(s.Problems()) != 2 {
		t.Errorf("problems = %v, want ca-old and ca-junk", s.Problems())
	}
	if a, _ := s.ByOAID("200"); a.ID != "ca-q1" {
		t.Errorf("oa 200 routes to %s, want ca-q1 (the older holder)", a.ID)
	}
	if len(seen) < 4 || seen[len(seen)-1] != s.Version() {
		t.Errorf("subscriber saw versions %v, current %d", seen, s.Version())
	}
}

func TestRegistryKeepsClientsOfUnchangedAccounts(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	builds := map[string]int{}
	tokens := func(ctx context.Context, a config.Account) (zalo.TokenProvider, error) {
		builds[a.ID]++
		return staticTokens(ctx, a)
	}
	r, err := New(ctx, Options{File: []config.Account{fileAccount("ca-q12", "100", "app1")}, Store: store, Tokens: tokens})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := r.Snapshot().ByID("ca-q12")
	if _, err := r.Put(ctx, Record{ID: "ca-q1", OAID: "200", AppID: "app1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Put(ctx, Record{ID: "ca-q1", Name: "renamed", OAID: "200", AppID: "app1"}); err != nil {
		t.Fatal(err)
	}
	after, _ := r.Snapshot().ByID("ca-q12")
	if before != after || before.Client == nil {
		t.Error("an unchanged file account got a new client")
	}
	if builds["ca-q12"] != 1 || builds["ca-q1"] != 2 {
		t.Errorf("token sources built = %v, want ca-q12 once, ca-q1 twice (created, renamed)", builds)
	}
	v := r.Snapshot().Version()
	if err := r.Refresh(ctx); err != nil || r.Snapshot().Version() != v {
		t.Errorf("a refresh with nothing changed published a new snapshot (%v)", err)
	}
}

func TestRegistryFileAccountWithoutClientIsFatal(t *testing.T) {
	bad := func(context.Context, config.Account) (zalo.TokenProvider, error) { return nil, errors.New("no token") }
	_, err := New(context.Background(), Options{File: []config.Account{fileAccount("ca-q12", "100", "app1")}, Tokens: bad})
	if err == nil || !strings.Contains(err.Error(), "ca-q12") {
		t.Errorf("New = %v, want an error naming ca-q12", err)
	}
}
