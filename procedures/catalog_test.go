package procedures

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFolder(t *testing.T) {
	c, err := Load("testdata/good")
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (README skipped)", c.Len())
	}
	if r, ok := c.ByCode("1.004222"); !ok || r.Name != "Đăng ký thường trú" {
		t.Errorf("ByCode = %v, %v", r, ok)
	}
	if r, ok := c.ByShortCode("#12"); !ok || r.Code != "1.004222" {
		t.Errorf("ByShortCode(#12) = %v, %v", r, ok)
	}
	if _, ok := c.ByShortCode("13"); ok {
		t.Error("ByShortCode(13) found")
	}
	if got := c.All()[0].Code; got != "1.004194" {
		t.Errorf("All() not sorted by code: first %s", got)
	}
	v := c.Version()
	if !strings.HasSuffix(v, "-2026-08-01") || len(v) != len("123456789012-2026-08-01") {
		t.Errorf("Version = %q, want hash + newest last_verified", v)
	}
	// Same content → same version; changed content → different version.
	c2, _ := Load("testdata/good")
	if c2.Version() != v {
		t.Error("version not stable")
	}
	one, _ := Load("testdata/good/one.yaml")
	if one.Version() == v {
		t.Error("version ignores content")
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load("testdata/bad")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *ValidationError", err)
	}
	msg := err.Error()
	want := []string{
		"a.yaml:5: 1.000001: portal_url: bad URL",
		"a.yaml:6: 1.000001: last_verified: bad date",
		"a.yaml:8: 1.000001: channels[0].kind: bad channel kind \"fax\"",
		"a.yaml:10: 1.000001: code: duplicate code \"1.000001\"",
		"a.yaml:12: 1.000001: name: missing",
		"a.yaml:13: 1.000001: steps: missing",
		"a.yaml:15: 1.000003: short_code: duplicate short code \"7\"",
		"a.yaml:18: 1.000003: levels[0]: unknown level \"Cấp huyện\"",
		"a.yaml:19: 1.000003: colour: unknown field",
		"b.json:2: 1.000004: documents[0].form_url: bad URL",
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q\n%s", w, msg)
		}
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(ve.Problems), len(want), msg)
	}
}

func TestValidateCardLimits(t *testing.T) {
	long := strings.Repeat("â", MaxNameRunes+1)
	_, err := NewCatalog([]*Record{
		{Code: "1", Name: long, Steps: []string{strings.Repeat("x", MaxStepRunes+1)}},
		{Code: "2", Name: "ok\nbroken", Steps: []string{"x"}, Tags: []string{"two words"}},
	})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, w := range []string{"1: name: too long for a card: 301 characters (max 300)", "1: steps[0]: too long", "2: name: contains a line break", "2: tags[0]: bad tag"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
	// Exactly at the limit is fine.
	if _, err := NewCatalog([]*Record{{Code: "1", Name: strings.Repeat("â", MaxNameRunes), Steps: []string{"x"}}}); err != nil {
		t.Errorf("name at the limit refused: %v", err)
	}
}

func TestLoadSyntaxErrors(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"broken.yaml": "- code: [unclosed\n",
		"broken.json": `[{"code": "1",}]`,
		"scalar.yaml": "just a string\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p)
		var ve *ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), name) {
			t.Errorf("Load(%s) = %v, want a ValidationError naming the file", name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file accepted")
	}
	empty := t.TempDir()
	if _, err := Load(empty); err == nil {
		t.Error("empty folder accepted")
	}
}

// A cancelled context (SIGTERM during start-up) stops loading with the context's error.
func TestLoadContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, p := range []string{"testdata/good", "testdata/good/one.yaml"} {
		if _, err := LoadContext(ctx, p); !errors.Is(err, context.Canceled) {
			t.Errorf("LoadContext(cancelled, %s) = %v, want context.Canceled", p, err)
		}
	}
	if _, err := LoadContext(context.Background(), "testdata/good"); err != nil {
		t.Errorf("LoadContext(testdata/good) = %v", err)
	}
	// Once read, parsing stops too: between files and between records.
	data, err := os.ReadFile("testdata/good/one.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeCatalog(ctx, []catalogFile{{"one.yaml", data}}); !errors.Is(err, context.Canceled) {
		t.Errorf("decodeCatalog(cancelled) = %v, want context.Canceled", err)
	}
}

// Codes and short codes end up in /q and /qr URLs: only letters, digits, '.', '-' and '_'.
func TestValidateCodes(t *testing.T) {
	tests := []struct {
		name, code, short string
		wantField         string // "" when accepted
	}{
		{"national code", "1.004222", "", ""},
		{"local suffix", "1.004222.H19", "12", ""},
		{"letters, '-' and '_'", "LOCAL_01-a", "a.b-c_1", ""},
		{"code at the limit", strings.Repeat("1", MaxCodeLen), strings.Repeat("x", MaxShortCodeLen), ""},
		{"slash", "1.004/222", "", "code"},
		{"dot-dot", "..", "", "code"},
		{"leading dot", ".004222", "", "code"},
		{"question mark", "1.004222?src=x", "", "code"},
		{"percent", "1.004%2F222", "", "code"},
		{"backslash", `1\004222`, "", "code"},
		{"non-ASCII", "mã1", "", "code"},
		{"code too long", strings.Repeat("1", MaxCodeLen+1), "", "code"},
		{"short code slash", "1.004222", "1/2", "short_code"},
		{"short code hash", "1.004222", "#12", "short_code"},
		{"short code too long", "1.004222", strings.Repeat("x", MaxShortCodeLen+1), "short_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCatalog([]*Record{{Code: tt.code, ShortCode: tt.short, Name: "Thủ tục", Steps: []string{"Nộp"}}})
			if tt.wantField == "" {
				if err != nil {
					t.Errorf("NewCatalog(code %q, short %q) = %v, want accepted", tt.code, tt.short, err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != tt.wantField {
				t.Fatalf("NewCatalog(code %q, short %q) = %v, want one problem on %s", tt.code, tt.short, err, tt.wantField)
			}
			if p := ve.Problems[0]; !strings.Contains(p.Msg, "letters, digits, '.', '-' and '_' only") {
				t.Errorf("problem %q does not say which characters are allowed", p)
			}
		})
	}
	// From a file, the problem has file:line and the field path like every other.
	p := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(p, []byte("- code: '1.004222'\n  name: A\n  steps: [x]\n- code: '1.004/223'\n  name: B\n  steps: [x]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if want := p + ":4: 1.004/223: code: bad code \"1.004/223\""; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Load = %v, want %q", err, want)
	}
}

func TestHolderKeepsPreviousOnError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.yaml")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("- {code: '1.004222', name: Đăng ký thường trú, steps: [Nộp hồ sơ]}\n")
	h, err := NewHolder(func() (*Catalog, error) { return Load(p) }, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v1 := h.Catalog().Version()
	write("- {code: '1.004222', name: '', steps: []}\n") // broken
	if err := h.Reload(); err == nil {
		t.Fatal("broken reload accepted")
	}
	if h.Catalog().Version() != v1 || topCode(h.Index().Search("đăng ký thường trú", 3)) != "1.004222" {
		t.Error("failed reload replaced the catalogue")
	}
	write("- {code: '1.004222', name: Đăng ký thường trú, steps: [Nộp hồ sơ]}\n- {code: '1.004194', name: Đăng ký tạm trú, steps: [Nộp]}\n")
	if err := h.Reload(); err != nil {
		t.Fatal(err)
	}
	if h.Catalog().Len() != 2 || topCode(h.Index().Search("tạm trú", 3)) != "1.004194" {
		t.Error("good reload not applied")
	}
}

func TestWriteCatalogRoundTrip(t *testing.T) {
	c, err := Load("testdata/good")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"yaml", "json"} {
		p := filepath.Join(t.TempDir(), "out."+format)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteCatalog(f, c.All(), FormatForPath(p)); err != nil {
			t.Fatal(err)
		}
		f.Close()
		back, err := Load(p)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if back.Version() != c.Version() {
			t.Errorf("%s round trip changed the content", format)
		}
	}
}

func TestBuiltin(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatalf("built-in catalogue refused: %v", err)
	}
	if c.Len() < 40 {
		t.Errorf("built-in catalogue has %d records, want at least 40", c.Len())
	}
	for _, r := range c.All() {
		if r.LastVerified == "" || r.PortalURL == "" {
			t.Errorf("%s: missing last_verified or portal_url", r.Code)
		}
	}
}
