package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProceduresSearchStdin(t *testing.T) {
	var out, errb bytes.Buffer
	in := strings.NewReader("dang ky tam tru\nalo\nđổi bằng lái ở đâu\n")
	if err := procSearch(context.Background(), []string{"--limit", "2"}, in, &out, &errb); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines: %s", len(lines), out.String())
	}
	var first, second, third searchLine
	for i, p := range []*searchLine{&first, &second, &third} {
		if err := json.Unmarshal([]byte(lines[i]), p); err != nil {
			t.Fatal(err)
		}
	}
	if first.Query != "dang ky tam tru" || len(first.Results) == 0 || first.Results[0].Code != "1.004194" || first.Abstain {
		t.Errorf("first line %+v", first)
	}
	if !second.Abstain || len(second.Results) != 0 {
		t.Errorf("alo: %+v", second)
	}
	if third.Aspect != "place" || len(third.Results) > 2 {
		t.Errorf("third line %+v", third)
	}
}

func TestProceduresValidateAndEval(t *testing.T) {
	ctx := context.Background()
	var out, errb bytes.Buffer
	if err := runProcedures(ctx, []string{"validate"}, os.Getenv, &out, &errb); err != nil {
		t.Fatalf("built-in catalogue: %v %s", err, errb.String())
	}
	out.Reset()
	err := runProcedures(ctx, []string{"validate", "--catalog", "../../procedures/testdata/bad"}, os.Getenv, &out, &errb)
	if err == nil || !strings.Contains(errb.String(), "a.yaml:5: 1.000001: portal_url: bad URL") {
		t.Errorf("broken catalogue: %v\n%s", err, errb.String())
	}
	dir := t.TempDir()
	q := filepath.Join(dir, "q.jsonl")
	os.WriteFile(q, []byte(`{"query":"dang ky tam tru","expect":["1.004194"]}`+"\n"+`{"query":"alo","expect":[]}`+"\n"), 0o644)
	out.Reset()
	if err := runProcedures(ctx, []string{"eval", "--queries", q, "--json"}, os.Getenv, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Hit1          float64 `json:"hit_at_1"`
		AbstainRecall float64 `json:"abstain_recall"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Hit1 != 1 || rep.AbstainRecall != 1 {
		t.Errorf("eval: %v %s", err, out.String())
	}
	if err := runProcedures(ctx, []string{"eval"}, os.Getenv, &out, &errb); !errors.Is(err, errUsage) {
		t.Errorf("eval without --queries: %v", err)
	}
}

func TestProceduresImport(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "dvc.jsonl")
	os.WriteFile(in, []byte(`{"ma_thu_tuc":"1.000001","ten_thu_tuc":"Thủ tục\nthử","trinh_tu_thuc_hien":"Bước 1: Nộp","cap_thuc_hien":"Cấp huyện"}`+"\nnot json\n"), 0o644)
	for _, name := range []string{"out.yaml", "out.json"} {
		outPath := filepath.Join(dir, name)
		var out, errb bytes.Buffer
		if err := runProcedures(context.Background(), []string{"import", "--dvc", in, "--out", outPath}, os.Getenv, &out, &errb); err != nil {
			t.Fatalf("%v %s", err, errb.String())
		}
		for _, w := range []string{"imported 1 procedures", "bad_line", "level_district", "name_newline"} {
			if !strings.Contains(out.String(), w) {
				t.Errorf("output lacks %q:\n%s", w, out.String())
			}
		}
		var vout bytes.Buffer
		if err := runProcedures(context.Background(), []string{"validate", "--catalog", outPath}, os.Getenv, &vout, &errb); err != nil {
			t.Errorf("written %s does not validate: %v", name, err)
		}
	}
}

// eval --office answers as one office's bot: its own procedure found, another office's
// referred.
func TestProceduresEvalOffice(t *testing.T) {
	dir := t.TempDir()
	q := filepath.Join(dir, "q.jsonl")
	// 1.014061: a police procedure (căn cước); 1.001193: the ward's (khai sinh).
	if err := os.WriteFile(q, []byte(`{"query":"làm căn cước lần đầu","expect":["1.014061"]}
{"query":"đăng ký khai sinh cho con","expect":["1.001193"]}
{"query":"mất con chó","expect":[]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"procedures", "eval", "--queries", q, "--office", "ca-demo"}, os.Getenv, &out, &errb); err != nil {
		t.Fatalf("eval --office: %v\n%s", err, errb.String())
	}
	want := []string{"office ca-demo", "own procedures:   1 messages, right procedure first 100.0 %", "shown at all 100.0 %", "another office's: 1 messages, referral 100.0 %, card of this office 0.0 %", "this office's list after the referral 0.0 %"}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	if err := run(context.Background(), []string{"procedures", "eval", "--queries", q, "--office", "nobody"}, os.Getenv, &out, &errb); err == nil {
		t.Error("an unknown office was accepted")
	}
}

// eval --trial teaches the first wording of every other need (two wordings or more) and
// counts the others before and after; the wording taught is answered as taught.
func TestProceduresEvalTrial(t *testing.T) {
	dir := t.TempDir()
	q := filepath.Join(dir, "q.jsonl")
	if err := os.WriteFile(q, []byte(`{"query":"nhà có khách quê lên ở qua đêm","expect":["1.004194"]}
{"query":"đăng ký tạm trú cho sinh viên thuê trọ","expect":["1.004194"]}
{"query":"đăng ký khai sinh cho con","expect":["1.001193"]}
{"query":"làm giấy khai sinh cho bé mới sinh","expect":["1.001193"]}
{"query":"mất con chó","expect":[]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"procedures", "eval", "--trial", "--queries", q}, os.Getenv, &out, &errb); err != nil {
		t.Fatalf("eval --trial: %v\n%s", err, errb.String())
	}
	for _, w := range []string{"learning trial: 1 needs taught", "taught needs, other wordings: 1, right first", "untaught needs: 2, right first"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	if err := run(context.Background(), []string{"procedures", "eval", "--trial", "--examples=false", "--queries", q}, os.Getenv, &out, &errb); err == nil {
		t.Error("a trial without examples was accepted")
	}
}
