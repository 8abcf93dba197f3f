package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oabot/oabot/bot/redisstore/redistest"
	"github.com/oabot/oabot/zalo/zalotest"
)

// /metrics shows account ids and token expiry: with metrics.addr it leaves the public port
// for a listener of its own, and with a token it answers only the bearer of it.
func TestMetricsOwnAddressAndToken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const token = "metrics-token-0123456789abcdef"
	tokenFile := filepath.Join(t.TempDir(), "metrics-token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	_, prefix := redistest.New(t)
	base := opsService(t, redistest.URL(t), prefix, zalotest.New(),
		"metrics: {enabled: true, addr: \""+addr+"\", token_file: \""+tokenFile+"\"}\n")
	if code := statusOf(base + "/metrics"); code != http.StatusNotFound {
		t.Errorf("public port /metrics = %d, want 404", code)
	}
	get := func(auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, _ := get(""); code != http.StatusUnauthorized {
		t.Errorf("metrics without the token = %d, want 401", code)
	}
	if code, _ := get("Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("metrics with a wrong token = %d, want 401", code)
	}
	if code, body := get("Bearer " + token); code != 200 || !strings.Contains(body, "oabot_") {
		t.Errorf("metrics with the token = %d (%d bytes), want 200 with oabot_ metrics", code, len(body))
	}
}
