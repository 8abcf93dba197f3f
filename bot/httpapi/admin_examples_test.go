package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/procedures"
)

func TestAdminExamples(t *testing.T) {
	rdb, prefix := redistest.New(t)
	store, _ := redisstore.NewExamples(rdb, prefix)
	c, err := procedures.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ix := procedures.NewIndex(c, procedures.Options{})
	lib, err := examples.NewLibrary(context.Background(), examples.LibraryOptions{Store: store, Index: func() *procedures.Index { return ix }})
	if err != nil {
		t.Fatal(err)
	}
	env := newAdminEnv(t, func(o *AdminOptions) { o.Examples = lib })
	const path = "/admin/v1/accounts/ca-q1/examples"
	type added struct {
		Example  procedures.Example `json:"example"`
		Replaced string             `json:"replaced"`
	}
	var e apiError
	// Auth matrix: editor and above, on their accounts.
	for _, tc := range []struct {
		officer, method, path string
		want                  int
	}{
		{"", http.MethodGet, path, http.StatusUnauthorized},
		{"view1", http.MethodGet, path, http.StatusForbidden},
		{"view1", http.MethodPost, path, http.StatusForbidden},
		{"cast2", http.MethodPost, path, http.StatusForbidden}, // another account
		{"edit1", http.MethodGet, "/admin/v1/accounts/nope/examples", http.StatusForbidden},
		{"root", http.MethodGet, "/admin/v1/accounts/nope/examples", http.StatusNotFound},
		{"edit1", http.MethodGet, path, http.StatusOK},
	} {
		if got := env.do(t, tc.officer, tc.method, tc.path, `{"query":"xin giấy độc thân","code":"1.004873"}`, nil); got != tc.want {
			t.Errorf("%s %s as %q = %d, want %d", tc.method, tc.path, tc.officer, got, tc.want)
		}
	}
	// Bad bodies: 400 with a reason, nothing stored.
	for _, body := range []string{
		`{"query":"xin giấy độc thân"}`,                           // code missing
		`{"query":"xin giấy độc thân","code":"9.999999"}`,         // not in the catalogue
		`{"query":"x","code":"1.004873"}`,                         // too short
		`{"query":"xin giấy độc thân","code":"1.004873","x":1}`,   // unknown field
		`{"query":"` + strings.Repeat("a ", 400) + `","code":""}`, // too long
		`not json`,
	} {
		if got := env.do(t, "edit1", http.MethodPost, path, body, &e); got != http.StatusBadRequest {
			t.Errorf("POST %.40s = %d (%s), want 400", body, got, e.Error.Message)
		}
	}
	var a1, a2 added
	if got := env.do(t, "edit1", http.MethodPost, path, `{"query":"xin giấy độc thân","code":"1.004873"}`, &a1); got != http.StatusCreated || a1.Example.ID == "" || a1.Example.By != "edit1" || a1.Example.Account != "ca-q1" {
		t.Fatalf("POST = %d %+v", got, a1)
	}
	// The same words without diacritics relabel it: 200 and the replaced id.
	if got := env.do(t, "cast1", http.MethodPost, path, `{"query":"xin giay doc than","code":""}`, &a2); got != http.StatusOK || a2.Replaced != a1.Example.ID {
		t.Fatalf("POST same query = %d %+v", got, a2)
	}
	var list struct{ Examples []procedures.Example }
	if got := env.do(t, "edit1", http.MethodGet, path, "", &list); got != http.StatusOK || len(list.Examples) != 1 || list.Examples[0].ID != a2.Example.ID || list.Examples[0].Code != "" {
		t.Fatalf("GET = %d %+v", got, list)
	}
	// The bot sees it at once on this replica.
	if res := ix.SearchWith("xin giay doc than a", 5, lib.For("ca-q1")); res.Example != a2.Example.ID || !res.Abstain {
		t.Errorf("search after teaching 'not ours' = %+v", res)
	}
	if got := env.do(t, "cast2", http.MethodDelete, path+"/"+a2.Example.ID, "", nil); got != http.StatusForbidden {
		t.Errorf("DELETE by another account's officer = %d", got)
	}
	if got := env.do(t, "edit1", http.MethodDelete, path+"/"+a2.Example.ID, "", nil); got != http.StatusNoContent {
		t.Errorf("DELETE = %d", got)
	}
	if got := env.do(t, "edit1", http.MethodDelete, path+"/"+a2.Example.ID, "", &e); got != http.StatusNotFound {
		t.Errorf("second DELETE = %d", got)
	}
	// Audited: who, what, which example — never the message itself.
	entries, _ := env.audit.Recent(context.Background(), 10)
	var actions []string
	for _, en := range entries {
		if strings.Contains(en.Target, "độc") || strings.Contains(en.Target, "doc than") {
			t.Errorf("audit entry carries the message: %+v", en)
		}
		if strings.HasPrefix(en.Action, "example.") {
			actions = append(actions, en.Officer+" "+en.Action+" "+en.Result)
		}
	}
	// Newest first; the refused attempts (3 invalid labels or lengths) are audited too.
	want := []string{"edit1 example.delete not_found", "edit1 example.delete ok", "cast1 example.add ok", "edit1 example.add ok",
		"edit1 example.add invalid", "edit1 example.add invalid", "edit1 example.add invalid"}
	if strings.Join(actions, "|") != strings.Join(want, "|") {
		t.Errorf("audit = %q, want %q", actions, want)
	}
}

func TestAdminExamplesUnavailable(t *testing.T) {
	env := newAdminEnv(t, nil)
	if got := env.do(t, "edit1", http.MethodGet, "/admin/v1/accounts/ca-q1/examples", "", nil); got != http.StatusNotFound {
		t.Errorf("GET without a library = %d, want 404", got)
	}
	// The example store's Redis goes away: 503, try again; the bot keeps the last index.
	rdb, prefix := redistest.New(t)
	store, _ := redisstore.NewExamples(rdb, prefix)
	c, _ := procedures.Builtin()
	ix := procedures.NewIndex(c, procedures.Options{})
	lib, err := examples.NewLibrary(context.Background(), examples.LibraryOptions{Store: store, Index: func() *procedures.Index { return ix }})
	if err != nil {
		t.Fatal(err)
	}
	env = newAdminEnv(t, func(o *AdminOptions) { o.Examples = lib })
	rdb.Close()
	var e apiError
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPost, "/admin/v1/accounts/ca-q1/examples", `{"query":"xin giấy độc thân","code":"1.004873"}`},
		{http.MethodGet, "/admin/v1/accounts/ca-q1/examples", ""},
		{http.MethodDelete, "/admin/v1/accounts/ca-q1/examples/ex1", ""},
	} {
		if got := env.do(t, "edit1", r.method, r.path, r.body, &e); got != http.StatusServiceUnavailable || e.Error.Code != "unavailable" {
			t.Errorf("%s with Redis closed = %d %q, want 503 unavailable", r.method, got, e.Error.Code)
		}
	}
}
