package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/config"
)

// runStats is "oabot stats --account ID": the conversation counters of one account
// (views per procedure, unmatched queries, follows, messages per day) and the QR scans of
// its printed codes (landing-page views per procedure and poster label), read from Redis.
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
	cfg, err := config.LoadContext(ctx, getenv, *cfgPath)
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
	rdb, err := redisstore.Open(ctx, cfg.Redis.URL, redisstore.OpenOptions{})
	if err != nil {
		return fmt.Errorf("stats: %w", err)
	}
	defer rdb.Close()
	st, err := redisstore.NewStats(rdb, redisstore.StatsOptions{Prefix: cfg.Redis.KeyPrefix})
	if err != nil {
		return err
	}
	sum, err := st.Summary(ctx, acc.ID, bot.StatsQuery{Top: *top, Days: *days})
	if err != nil {
		return err
	}
	sc, err := redisstore.NewScans(rdb, redisstore.ScansOptions{Prefix: cfg.Redis.KeyPrefix})
	if err != nil {
		return err
	}
	scans, err := sc.ScanCounts(ctx, acc.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Account string `json:"account"`
			bot.StatsSummary
			Scans bot.ScanCounts `json:"scans"`
		}{acc.ID, sum, scans})
	}
	if err := printStats(stdout, acc.ID, acc.Name, sum); err != nil {
		return err
	}
	return printScans(stdout, scans, *top)
}

// printScans lists the top procedures by QR scans, each with its poster labels, most
// scanned first.
func printScans(w io.Writer, s bot.ScanCounts, top int) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nQR scans (landing-page views; by poster label where the QR had one)")
	if len(s.ByProcedure) == 0 {
		fmt.Fprintln(tw, "  (none)")
	}
	codes, more := byCount(s.ByProcedure), 0
	if top > 0 && len(codes) > top {
		codes, more = codes[:top], len(codes)-top
	}
	for _, code := range codes {
		fmt.Fprintf(tw, "  %s\t%d\n", code, s.ByProcedure[code])
		for _, label := range byCount(s.BySource[code]) {
			fmt.Fprintf(tw, "    %s\t%d\n", label, s.BySource[code][label])
		}
	}
	if more > 0 {
		fmt.Fprintf(tw, "  … %d more procedures (raise --top, or --json)\n", more)
	}
	return tw.Flush()
}

// byCount returns the keys of m, highest count first, then by key.
func byCount(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
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
	// As the console lists them: as last typed, with their diacritics; the folded key
	// (which groups a question typed with and without them) where no typing was kept.
	fmt.Fprintln(tw, "\nunanswered questions (as last typed, identifying numbers masked)")
	if len(s.Unmatched) == 0 {
		fmt.Fprintln(tw, "  (none)")
	}
	for _, c := range s.Unmatched {
		text := c.Typed
		if text == "" {
			text = c.Key
		}
		fmt.Fprintf(tw, "  %d\t%s\n", c.Count, text)
	}
	return tw.Flush()
}
