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

	"github.com/oabot/oabot/procedures"
)

// dvcLine is one portal record in the crawl's format, with a direct channel at fee.
func dvcLine(t *testing.T, code, name, fee string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{
		"ma_thu_tuc":          code,
		"ten_thu_tuc":         name,
		"cap_thuc_hien":       "Cấp xã",
		"trinh_tu_thuc_hien":  "Bước 1: Nộp hồ sơ tại Công an cấp xã.",
		"cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp7 Ngày làm việc" + fee + " Việt Nam Đồng(Nộp trực tiếp tại Công an cấp xã.)",
		"thanh_phan_ho_so":    "Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai thay đổi thông tin cư trú (Mẫu CT01)1 bản chính",
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeCatalogJSON writes recs as a catalogue file (JSON, as OABOT_CATALOG_PATH reads it)
// into dir and returns its path.
func writeCatalogJSON(t *testing.T, dir string, recs []*procedures.Record) string {
	t.Helper()
	b, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "catalog.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeLines(t *testing.T, dir, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const checkCatalogYAML = `- code: "1.000001"
  name: Đăng ký thường trú
  levels: [Cấp xã]
  steps: [Nộp hồ sơ ở Công an xã, phường.]
  channels:
    - kind: direct
      time: 7 ngày làm việc
      fee: FEE
  documents:
    - name: Tờ khai CT01
      form: CT01
      originals: 1
- code: "9.000009"
  name: Thủ tục riêng của xã
  steps: [Hỏi cán bộ.]
`

func TestProceduresCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dvc := writeLines(t, dir, "dvc.jsonl", dvcLine(t, "1.000001", "Đăng ký thường trú", "20,000"))
	good := writeLines(t, dir, "good.yaml", strings.Replace(checkCatalogYAML, "FEE", "20.000 đồng/lần", 1))
	bad := writeLines(t, dir, "bad.yaml", strings.Replace(checkCatalogYAML, "FEE", "Miễn phí", 1))

	var out, errb bytes.Buffer
	if err := runProcedures(ctx, []string{"check", "--catalog", good, "--dvc", dvc}, os.Getenv, &out, &errb); err != nil {
		t.Fatalf("faithful catalogue: %v\n%s%s", err, out.String(), errb.String())
	}
	if want := "checked 2 records: 0 blocking contradictions in 0 records; by kind: none"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	if !strings.Contains(out.String(), "not on the portal: 9.000009") {
		t.Errorf("output does not list the record the portal lacks:\n%s", out.String())
	}

	out.Reset()
	err := runProcedures(ctx, []string{"check", "--catalog", bad, "--dvc", dvc}, os.Getenv, &out, &errb)
	if !errors.Is(err, errBlocking) {
		t.Errorf("contradicting catalogue: err = %v, want errBlocking", err)
	}
	for _, w := range []string{"1.000001 Đăng ký thường trú", "fee", "channels[0].fee", "bản ghi ghi miễn phí, Cổng ghi 20.000 đồng", "1 blocking contradictions in 1 records; by kind: fee 1"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}

	out.Reset()
	err = runProcedures(ctx, []string{"check", "--catalog", bad, "--dvc", dvc, "--json"}, os.Getenv, &out, &errb)
	var rep checkReport
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil || !errors.Is(err, errBlocking) {
		t.Fatalf("--json: %v %v\n%s", err, jerr, out.String())
	}
	if rep.Checked != 2 || rep.Blocking != 1 || rep.Counts["fee"] != 1 || len(rep.Contradictions) != 1 || rep.Contradictions[0].Kind != procedures.ContraFee {
		t.Errorf("--json report: %+v", rep)
	}

	if err := runProcedures(ctx, []string{"check", "--catalog", good}, os.Getenv, &out, &errb); !errors.Is(err, errUsage) {
		t.Errorf("check without --dvc: %v", err)
	}
}

func TestProceduresRefresh(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	v1 := writeLines(t, dir, "v1.jsonl",
		dvcLine(t, "1.000001", "Đăng ký thường trú", "20,000"),
		dvcLine(t, "1.000002", "Đăng ký tạm trú", "15,000"),
		dvcLine(t, "1.000003", "Thủ tục đã bãi bỏ", "5,000"))
	v2 := writeLines(t, dir, "v2.jsonl",
		dvcLine(t, "1.000001", "Đăng ký thường trú", "25,000"),
		dvcLine(t, "1.000002", "Đăng ký tạm trú", "15,000"),
		dvcLine(t, "1.000004", "Thủ tục mới", "10,000"))
	national := filepath.Join(dir, "national.json")
	var out, errb bytes.Buffer
	if err := runProcedures(ctx, []string{"import", "--dvc", v1, "--out", national}, os.Getenv, &out, &errb); err != nil {
		t.Fatalf("import: %v %s", err, errb.String())
	}

	out.Reset()
	if err := runProcedures(ctx, []string{"refresh", "--catalog", national, "--dvc", v2}, os.Getenv, &out, &errb); err != nil {
		t.Fatalf("refresh: %v %s", err, errb.String())
	}
	for _, w := range []string{"+ 1.000004 Thủ tục mới", "~ 1.000001 Đăng ký thường trú", `channels[0].fee: "20.000 đồng" → "25.000 đồng"`,
		"- 1.000003 Thủ tục đã bãi bỏ", "1 new, 1 changed, 1 gone, 1 unchanged"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}

	tests := []struct {
		accept, out string
		want        map[string]string // code → direct fee after the refresh
	}{
		{"1.000001", "one.yaml", map[string]string{"1.000001": "25.000 đồng", "1.000002": "15.000 đồng", "1.000003": "5.000 đồng"}},
		{"all", "all.json", map[string]string{"1.000001": "25.000 đồng", "1.000002": "15.000 đồng", "1.000004": "10.000 đồng"}},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			p := filepath.Join(dir, tt.out)
			var out, errb bytes.Buffer
			if err := runProcedures(ctx, []string{"refresh", "--catalog", national, "--dvc", v2, "--accept", tt.accept, "--out", p}, os.Getenv, &out, &errb); err != nil {
				t.Fatalf("%v %s", err, errb.String())
			}
			c, err := procedures.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range c.All() {
				got[r.Code] = r.Channels[0].Fee
			}
			if len(got) != len(tt.want) {
				t.Errorf("written catalogue: %v, want %v", got, tt.want)
			}
			for code, fee := range tt.want {
				if got[code] != fee {
					t.Errorf("%s fee = %q, want %q", code, got[code], fee)
				}
			}
		})
	}

	for _, args := range [][]string{
		{"refresh", "--catalog", national, "--dvc", v2, "--accept", "9.999999", "--out", filepath.Join(dir, "x.json")},
		{"refresh", "--catalog", national, "--dvc", v2, "--accept", "all"},
		{"refresh", "--dvc", v2},
	} {
		if err := runProcedures(ctx, args, os.Getenv, &out, &errb); !errors.Is(err, errUsage) {
			t.Errorf("%v: err = %v, want errUsage", args, err)
		}
	}
}
