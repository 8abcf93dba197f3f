// Command oabot-loadgen is the scale-out benchmark: it runs several `oabot serve` replicas
// (built from this repository) on one Redis on loopback, plays Zalo against them with
// signed webhook events for many OAs and citizens, answers their API calls with the fake
// Zalo API (zalo/zalotest, in this process), optionally kills one replica mid-run, and
// reports latencies, throughput, CPU per event, Redis memory per conversation, and
// whether any event was lost or answered twice (from the fake's capture).
//
//	go run ./cmd/oabot-loadgen -replicas 3 -oas 200 -citizens 5000 -events 30000 -kill
//
// Every event goes to a different conversation (oa, citizen) drawn without repetition from
// oas × citizens, so the fake's capture maps replies to events one to one.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the benchmark's knobs.
type options struct {
	Replicas    int
	OAs         int
	Citizens    int
	Events      int
	Rate        float64 // events per second offered; 0 = as fast as Concurrency allows
	Concurrency int
	Kill        bool
	KillAt      float64 // fraction of events sent when a replica is killed
	KillSignal  string  // KILL (crash) or TERM (graceful drain)
	Partitions  int
	ClaimIdle   time.Duration
	LeaseTTL    time.Duration
	Binary      string // oabot binary; empty = build from the repository
	RedisURL    string // empty = start a private redis-server
	WorkDir     string // empty = a temporary directory (kept with -keep)
	Keep        bool
	LogLevel    string
	Drain       time.Duration // how long to wait for replies after the last event
	JSON        string        // write the report as JSON to this file
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "oabot-loadgen: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	rep, err := Benchmark(ctx, o, stderr)
	if err != nil {
		return err
	}
	rep.Print(stdout)
	if o.JSON != "" {
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.JSON, append(data, '\n'), 0o644); err != nil {
			return err
		}
	}
	if rep.Lost > 0 || rep.Duplicated > 0 {
		return fmt.Errorf("%d events lost, %d answered twice", rep.Lost, rep.Duplicated)
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("oabot-loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Replicas, "replicas", 3, "oabot serve processes")
	fs.IntVar(&o.OAs, "oas", 200, "Official Accounts in the generated config")
	fs.IntVar(&o.Citizens, "citizens", 5000, "citizens per OA")
	fs.IntVar(&o.Events, "events", 30000, "events to send, each to a distinct conversation")
	fs.Float64Var(&o.Rate, "rate", 0, "events per second offered (0 = closed loop, -concurrency in flight)")
	fs.IntVar(&o.Concurrency, "concurrency", 64, "webhook requests in flight at most")
	fs.BoolVar(&o.Kill, "kill", true, "stop one replica mid-run")
	fs.Float64Var(&o.KillAt, "kill-at", 0.4, "fraction of events sent when the replica is stopped")
	fs.StringVar(&o.KillSignal, "kill-signal", "KILL", "KILL (crash) or TERM (graceful drain)")
	fs.IntVar(&o.Partitions, "partitions", 32, "queue partitions (config queue.partitions)")
	fs.DurationVar(&o.ClaimIdle, "claim-idle", 5*time.Second, "config queue.claim_idle")
	fs.DurationVar(&o.LeaseTTL, "lease-ttl", 5*time.Second, "config queue.lease_ttl")
	fs.StringVar(&o.Binary, "oabot", "", "oabot binary (default: go build ./cmd/oabot)")
	fs.StringVar(&o.RedisURL, "redis-url", "", "use this Redis (a unique key prefix is used) instead of a private redis-server")
	fs.StringVar(&o.WorkDir, "dir", "", "work directory for config, logs and Redis (default: a temporary one)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the work directory")
	fs.StringVar(&o.LogLevel, "log-level", "warn", "replicas' log level")
	fs.DurationVar(&o.Drain, "drain", 90*time.Second, "longest wait for replies after the last event")
	fs.StringVar(&o.JSON, "json", "", "also write the report as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.Replicas < 1, o.OAs < 1, o.Citizens < 1, o.Events < 1, o.Concurrency < 1:
		return o, errors.New("replicas, oas, citizens, events and concurrency must be positive")
	case o.Events > o.OAs*o.Citizens:
		return o, fmt.Errorf("%d events need as many conversations; oas × citizens is %d", o.Events, o.OAs*o.Citizens)
	case o.Kill && o.Replicas < 2:
		return o, errors.New("-kill needs at least 2 replicas")
	case o.KillSignal != "KILL" && o.KillSignal != "TERM":
		return o, errors.New("-kill-signal is KILL or TERM")
	}
	return o, nil
}
