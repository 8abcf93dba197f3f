package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestScaleOut runs the benchmark at the scale: 3 replicas on one Redis, 200 OAs ×
// 5,000 citizens, one replica stopped mid-run, and checks that no event was lost or
// answered twice. It builds oabot and starts processes, so it only runs with
// OABOT_SCALEOUT=1 (make scaleout); OABOT_SCALEOUT_EVENTS sets the event count.
func TestScaleOut(t *testing.T) {
	if os.Getenv("OABOT_SCALEOUT") != "1" {
		t.Skip("set OABOT_SCALEOUT=1 to run the scale-out benchmark")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not on PATH (make tools)")
	}
	events := 6000
	if s := os.Getenv("OABOT_SCALEOUT_EVENTS"); s != "" {
		if _, err := fmt.Sscan(s, &events); err != nil {
			t.Fatalf("OABOT_SCALEOUT_EVENTS=%q: %v", s, err)
		}
	}
	bin := t.TempDir() + "/oabot"
	if out, err := exec.Command("go", "build", "-o", bin, "../oabot").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []string{"TERM", "KILL"} {
		t.Run("SIG"+sig, func(t *testing.T) {
			o := options{Replicas: 3, OAs: 200, Citizens: 5000, Events: events, Concurrency: 32, Rate: 400,
				Kill: true, KillAt: 0.4, KillSignal: sig, Partitions: 32, ClaimIdle: 5 * time.Second,
				LeaseTTL: 5 * time.Second, Binary: bin, LogLevel: "warn", Drain: 90 * time.Second}
			var log bytes.Buffer
			rep, err := Benchmark(context.Background(), o, &log)
			if err != nil {
				t.Fatalf("benchmark: %v\n%s", err, log.String())
			}
			var out bytes.Buffer
			rep.Print(&out)
			t.Log("\n" + out.String())
			if rep.Lost > 0 || rep.Answered != events {
				t.Errorf("%d of %d events answered, %d lost", rep.Answered, events, rep.Lost)
			}
			if rep.Duplicated > 0 {
				// A crash (SIGKILL) between Zalo's answer and the queue's XACK re-delivers
				// the job after claim_idle: at-least-once delivery shows as a duplicate.
				t.Errorf("%d events answered twice (gaps %v)", rep.Duplicated, rep.DuplicateGaps)
			}
			if rep.WebhookOther > 0 {
				t.Errorf("%d webhook answers other than 200/503", rep.WebhookOther)
			}
		})
	}
}
