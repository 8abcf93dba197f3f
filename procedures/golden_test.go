package procedures

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGoldenBuiltin pins the top results for a fixed list of citizen messages over the
// built-in catalogue. After a deliberate change to the catalogue or the ranking, review
// the diff and run: go test ./procedures -run Golden -update
func TestGoldenBuiltin(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(c, Options{})
	f, err := os.Open("testdata/golden-queries.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		q := sc.Text()
		if strings.TrimSpace(q) == "" || strings.HasPrefix(q, "# ") {
			continue
		}
		r := ix.Search(q, 3)
		fmt.Fprintf(&b, "%s\n  aspect=%s confidence=%s", q, r.Aspect, r.Confidence)
		if r.Clarify != nil {
			fmt.Fprintf(&b, " clarify=%q", r.Clarify.Topic)
		}
		b.WriteString("\n")
		for _, h := range r.Hits {
			fmt.Fprintf(&b, "  %s %s\n", h.Record.Code, h.Record.Name)
		}
	}
	got := b.String()
	const golden = "testdata/builtin.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("golden mismatch at line %d:\n got: %s\nwant: %s\n(review, then go test ./procedures -run Golden -update)", i+1, g, w)
			}
		}
	}
}
