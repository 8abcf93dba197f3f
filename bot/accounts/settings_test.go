package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/oabot/oabot/config"
)

// An office's settings replace the file's for that account, are checked as the file's
// are, and "back to the file" restores the file's.
func TestRegistrySettings(t *testing.T) {
	ctx := context.Background()
	file := fileAccount("ca-q12", "100", "app1")
	file.Welcome = "Chào từ tệp cấu hình"
	r, err := New(ctx, Options{File: []config.Account{file, fileAccount("ca-q1", "200", "app1")}, Settings: NewMemorySettings(), Tokens: staticTokens})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := r.Snapshot().ByID("ca-q12")
	s := file.Settings()
	s.Welcome, s.QuickTopics = "Chào từ cán bộ", []config.QuickTopic{{Title: "Giờ làm việc", Payload: "gio lam viec"}}
	if _, err := r.PutSettings(ctx, "ca-q12", s, 0, "lan"); err != nil {
		t.Fatal(err)
	}
	a, _ := r.Snapshot().ByID("ca-q12")
	if a.Welcome != "Chào từ cán bộ" || len(a.QuickTopics) != 1 || a.Client != before.Client {
		t.Fatalf("served %+v (client kept: %v)", a.Settings(), a.Client == before.Client)
	}
	if other, _ := r.Snapshot().ByID("ca-q1"); other.Welcome != "" {
		t.Fatal("another account got the settings")
	}
	bad := s
	bad.QuickTopics = []config.QuickTopic{{Title: strings.Repeat("x", 40), Payload: "x"}}
	_, err = r.PutSettings(ctx, "ca-q12", bad, 1, "lan")
	var sp SettingsProblems
	if !errors.As(err, &sp) || !errors.Is(err, ErrInvalidSettings) || !strings.Contains(sp[0], "quick_topics[0].title") {
		t.Fatalf("invalid settings = %v", err)
	}
	if _, v, f, err := r.Settings(ctx, "ca-q12"); err != nil || v != 1 || f.Welcome != "Chào từ tệp cấu hình" {
		t.Fatalf("Settings = version %d, file %+v, %v", v, f, err)
	}
	if err := r.ResetSettings(ctx, "ca-q12", 1); err != nil {
		t.Fatal(err)
	}
	if a, _ := r.Snapshot().ByID("ca-q12"); a.Welcome != "Chào từ tệp cấu hình" {
		t.Fatalf("after reset: %q", a.Welcome)
	}
}
