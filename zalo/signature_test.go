package zalo

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

type sigVector struct {
	Name      string `json:"name"`
	BodyFile  string `json:"body_file"`
	Body      string `json:"body"`
	AppID     string `json:"app_id"`
	Timestamp string `json:"timestamp"`
	OASecret  string `json:"oa_secret"`
	Header    string `json:"header"`
	Want      string `json:"want"`
}

func loadVectors(t testing.TB) []sigVector {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "signatures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors []sigVector }
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	return f.Vectors
}

func (v sigVector) body(t testing.TB) []byte {
	if v.BodyFile == "" {
		return []byte(v.Body)
	}
	b, err := os.ReadFile(filepath.Join("testdata", v.BodyFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifySignatureVectors(t *testing.T) {
	want := map[string]error{"ok": nil, "missing": ErrSignatureMissing, "malformed": ErrSignatureMalformed, "mismatch": ErrSignatureMismatch}
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			body := v.body(t)
			wantErr, ok := want[v.Want]
			if !ok {
				t.Fatalf("bad want %q", v.Want)
			}
			err := VerifySignature(v.Header, v.AppID, body, v.Timestamp, v.OASecret)
			if !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
				t.Errorf("VerifySignature = %v, want %v", err, wantErr)
			}
			// The body's own app_id and timestamp are the ones in the vector.
			if ev, err := ParseEvent(body); err == nil && v.Want == "ok" {
				if ev.Envelope().AppID != v.AppID || ev.Envelope().Timestamp != v.Timestamp {
					t.Errorf("envelope app_id/timestamp = %q/%q", ev.Envelope().AppID, ev.Envelope().Timestamp)
				}
				if got := Sign(v.AppID, body, v.Timestamp, v.OASecret); v.Header[:4] == "mac=" && got != v.Header {
					t.Errorf("Sign = %s, want %s", got, v.Header)
				}
			}
		})
	}
}

func TestVerifySignatureEmptySecret(t *testing.T) {
	body := []byte(`{"event_name":"follow"}`)
	h := Sign("a", body, "1", "")
	if err := VerifySignature(h, "a", body, "1", ""); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("empty secret: %v, want ErrSignatureMismatch", err)
	}
}

func FuzzVerifySignature(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.Header, v.AppID, v.body(f), v.Timestamp, v.OASecret)
	}
	f.Fuzz(func(t *testing.T, header, appID string, raw []byte, ts, secret string) {
		err := VerifySignature(header, appID, raw, ts, secret)
		switch {
		case err == nil:
			if secret == "" {
				t.Fatal("accepted with empty secret")
			}
		case errors.Is(err, ErrSignatureMissing), errors.Is(err, ErrSignatureMalformed), errors.Is(err, ErrSignatureMismatch):
		default:
			t.Fatalf("unexpected error %v", err)
		}
		if secret != "" {
			if err := VerifySignature(Sign(appID, raw, ts, secret), appID, raw, ts, secret); err != nil {
				t.Fatalf("own signature rejected: %v", err)
			}
		}
	})
}

func BenchmarkVerifySignature(b *testing.B) {
	v := loadVectors(b)[0]
	body := v.body(b)
	for b.Loop() {
		if err := VerifySignature(v.Header, v.AppID, body, v.Timestamp, v.OASecret); err != nil {
			b.Fatal(err)
		}
	}
}
