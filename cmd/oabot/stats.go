package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/config"
)

// runStats is "oabot stats --account ID": the conversation counters of one account
// (views per procedure, unmatched queries, follows, messages per day) read from Redis.
func runStats(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("oabot stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default $OABOT_CONFIG)")
	account := fs.String("account", "", "account id (config accounts[].id)")
	top := fs.Int("top", bot.DefaultStatsTop, "how many procedures and unmatched queries")
	days := fs.Int("days", 14, "days of message counts, ending today")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *account == "" {
		fmt.Fprintln(stderr, "oabot stats: --account is required")
		fs.Usage()
		return errUsage
	}
	cfg, err := config.Load(getenv, *cfgPath)
	if err != nil {
		return err
	}
	acc, ok := cfg.Account(*account)
	if !ok {
		return fmt.Errorf("stats: no account %q in the configuration", *account)
	}
	if cfg.InMemory() {
		return errors.New("stats: counters live in the serving process in in-memory mode; configure redis.url to read them")
	}
	opts, err := redis.ParseURL(cfg.Redis.URL)
	if err != nil {
		return fmt.Errorf("stats: redis url: %w", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		return fmt.Errorf("stats: redis: %w", err)
	}
	st, err := redisstore.NewStats(rdb, redisstore.StatsOptions{Prefix: cfg.Redis.KeyPrefix})
	if err != nil {
		return err
	}
	sum, err := st.Summary(ctx, acc.ID, bot.StatsQuery{Top: *top, Days: *days})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Account string `json:"account"`
			bot.StatsSummary
		}{acc.ID, sum})
	}
	return printStats(stdout, acc.ID, acc.Name, sum)
}

func printStats(w io.Writer, id, name string, s bot.StatsSummary) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "account\t%s (%s)\n", id, name)
	fmt.Fprintf(tw, "follows\t%d\nunfollows\t%d\n\n", s.Follows, s.Unfollows)
	fmt.Fprintln(tw, "messages per day")
	for _, d := range s.Messages {
		fmt.Fprintf(tw, "  %s\t%d\n", d.Day, d.Count)
	}
	fmt.Fprintln(tw, "\nmost viewed procedures")
	if len(s.Views) == 0 {
		fmt.Fprintln(tw, "  (none)")
	}
	for _, c := range s.Views {
		fmt.Fprintf(tw, "  %s\t%d\n", c.Key, c.Count)
	}
	fmt.Fprintln(tw, "\nunanswered questions (normalised, digits masked)")
	if len(s.Unmatched) == 0 {
		fmt.Fprintln(tw, "  (none)")
	}
	for _, c := range s.Unmatched {
		fmt.Fprintf(tw, "  %d\t%s\n", c.Count, c.Key)
	}
	return tw.Flush()
}
