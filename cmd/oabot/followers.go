package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/zalo"
)

// followersCmd is "oabot followers sync|counts|label|tag|tags --account ID".
func followersCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: oabot followers sync|counts|label|tag|tags --account ID [flags]")
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("oabot followers "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default $OABOT_CONFIG)")
	account := fs.String("account", "", "account id (config accounts[].id)")
	officer := fs.String("officer", defaultOfficer(getenv), "name recorded in the audit trail")
	restart := fs.Bool("restart", false, "sync: start from the beginning instead of resuming")
	withTags := fs.Bool("tags", false, "sync: also copy the OA's Zalo tags of followers")
	user := fs.String("user", "", "label/tag: the follower's user id")
	name := fs.String("name", "", "label/tag: the label or Zalo tag")
	remove := fs.Bool("remove", false, "label/tag: remove instead of add")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *account == "" {
		fmt.Fprintln(stderr, "oabot followers: --account is required")
		return errUsage
	}
	k, closeKit, err := openKit(ctx, getenv, *cfgPath, stderr)
	if err != nil {
		return err
	}
	defer closeKit()
	acct, ok := k.accounts[*account]
	if !ok {
		return fmt.Errorf("followers: no enabled account %q", *account)
	}
	client := k.clients[*account]
	switch sub {
	case "sync":
		cur, err := broadcast.SyncFollowers(ctx, acct.OAID, broadcast.ZaloAdapter{Client: client}, k.followers,
			broadcast.SyncOptions{Restart: *restart, Limiter: k.limiter, Progress: func(c broadcast.SyncCursor) {
				fmt.Fprintf(stdout, "\rsynced %d/%d", c.Offset, c.Total)
			}})
		fmt.Fprintln(stdout)
		k.cliAudit(ctx, *officer, "followers.sync", *account, "", err)
		if err != nil {
			return fmt.Errorf("sync stopped at offset %d (run again to resume): %w", cur.Offset, err)
		}
		fmt.Fprintf(stdout, "done: %d followers listed by Zalo\n", cur.Total)
		if *withTags {
			n, err := broadcast.SyncTags(ctx, acct.OAID, broadcast.ZaloAdapter{Client: client}, k.followers, k.limiter)
			k.cliAudit(ctx, *officer, "followers.sync_tags", *account, "", err)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "tags: %d follower tags copied\n", n)
		}
		return nil
	case "counts":
		c, err := k.followers.Counts(ctx, acct.OAID, time.Now())
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(c)
		}
		fmt.Fprintf(stdout, "%s: %d followers, %d unfollowed, %d ever interacted, %d inside the %d-day window\n",
			*account, c.Followers, c.Unfollowed, c.Interacted, c.InWindow, int(broadcast.ConsultationWindow.Hours()/24))
		fmt.Fprintf(stdout, "tags: %s\nlabels: %s\n", counted(c.Tags), counted(c.Labels))
		return nil
	case "label", "tag":
		if *user == "" || *name == "" {
			fmt.Fprintln(stderr, "oabot followers "+sub+": --user and --name are required")
			return errUsage
		}
		if sub == "tag" {
			if *remove {
				err = client.UntagFollower(ctx, *user, *name)
			} else {
				err = client.TagFollower(ctx, *user, *name)
			}
			if err == nil {
				err = k.followers.SetTag(ctx, acct.OAID, *user, *name, !*remove)
			}
		} else {
			err = k.followers.SetLabel(ctx, acct.OAID, *user, *name, !*remove)
		}
		action := "follower." + sub + ".add"
		if *remove {
			action = "follower." + sub + ".remove"
		}
		k.cliAudit(ctx, *officer, action, *account, *user+" "+*name, err)
		return err
	case "tags":
		tags, err := client.Tags(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, strings.Join(tags, "\n"))
		return nil
	}
	fmt.Fprintf(stderr, "oabot followers: unknown subcommand %q\n", sub)
	return errUsage
}

func counted(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// touchFollowers is the pipeline's stage that records each citizen interaction in the
// follower registry. The registry keeps the latest time (events may come out of order), so
// a redelivered job changes nothing.
func touchFollowers(reg followerStore) queue.Handler {
	return queue.StageFunc("follower registry", func(ctx context.Context, job queue.Job) error {
		if job.Event == nil || job.UserID == "" {
			return nil
		}
		if at, follower, ok := interaction(job.Event, job.ReceivedAt); ok {
			return reg.Touch(ctx, job.OAID, job.UserID, at, follower)
		}
		return nil
	})
}

// interaction says whether ev opens the consultation window (zalo-oa.md §5.1: a message,
// a follow, a button tap, "chat now", shared info) and when. The earlier of Zalo's event
// time and our receipt time is used, so the window is never overestimated. Unfollow only
// changes the follow state; receipts, "seen" and officer echoes are not interactions.
func interaction(ev zalo.Event, received time.Time) (time.Time, *bool, bool) {
	at := received
	if t, ok := ev.Envelope().Time(); ok && t.Before(at) {
		at = t
	}
	switch e := ev.(type) {
	case *zalo.FollowEvent:
		follow := e.Follow
		if !follow {
			return time.Time{}, &follow, true
		}
		return at, &follow, true
	case *zalo.TextEvent, *zalo.AttachmentEvent, *zalo.ChatNowEvent, *zalo.SubmitInfoEvent:
		return at, nil, true
	}
	return time.Time{}, nil, false
}
