package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/config"
)

const officersUsage = "usage: oabot officers invite|list|revoke --config F [flags]\n" +
	"  invite --name N --role viewer|editor|broadcaster|admin --accounts a,b|*   print a one-time invite link (72 h)\n" +
	"  list [--json]                                                             console and file officers\n" +
	"  revoke --name N                                                           disable, sign out everywhere, void invites"

// officersCmd is "oabot officers invite|list|revoke": the console's officers, kept in
// Redis (the config file's officers keep their role and accounts from the file).
func officersCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{"invite", "list", "revoke"}, args[0]) {
		fmt.Fprintln(stderr, officersUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("oabot officers "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default $OABOT_CONFIG)")
	name := fs.String("name", "", "invite, revoke: the officer's sign-in name")
	role := fs.String("role", "", "invite: viewer, editor, broadcaster or admin")
	accounts := fs.String("accounts", "", "invite: account ids, comma-separated, or * for all")
	by := fs.String("by", defaultOfficer(getenv), "invite, revoke: who is recorded as doing it")
	asJSON := fs.Bool("json", false, "list: print JSON")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if sub != "list" && strings.TrimSpace(*name) == "" {
		fmt.Fprintf(stderr, "oabot officers %s: --name is required\n", sub)
		return errUsage
	}
	cfg, err := config.Load(getenv, *cfgPath)
	if err != nil {
		return err
	}
	if cfg.InMemory() || cfg.Demo {
		return errors.New("officers: console officers live in Redis; configure redis.url (demo mode keeps them in the serving process and prints a sign-in link at start)")
	}
	rdb, err := redisstore.Open(ctx, cfg.Redis.URL, redisstore.OpenOptions{})
	if err != nil {
		return fmt.Errorf("officers: %w", err)
	}
	defer rdb.Close()
	store, err := redisstore.NewConsoleStore(rdb, cfg.Redis.KeyPrefix)
	if err != nil {
		return err
	}
	file, err := consoleFileOfficers(cfg.Officers)
	if err != nil {
		return err
	}
	off, err := console.NewOfficers(console.OfficersOptions{Store: store, File: file})
	if err != nil {
		return err
	}
	switch sub {
	case "invite":
		known := func(ctx context.Context) ([]string, error) { return knownAccounts(ctx, cfg, rdb) }
		return inviteOfficer(ctx, off, cfg, file, known, console.InviteSpec{Name: *name, By: *by}, *role, *accounts, stdout)
	case "list":
		return listOfficers(ctx, off, *asJSON, stdout)
	default:
		if err := off.Revoke(ctx, *name, *by); err != nil {
			if errors.Is(err, console.ErrNoOfficer) {
				return fmt.Errorf("officers: no officer %q", *name)
			}
			return err
		}
		fmt.Fprintf(stdout, "revoked %q: signed out everywhere, pending invites void, console sign-in refused until a new invite\n", *name)
		return nil
	}
}

// inviteOfficer checks the role and the accounts and prints the invite link.
func inviteOfficer(ctx context.Context, off *console.Officers, cfg config.Config, file []console.FileOfficer,
	known func(context.Context) ([]string, error), spec console.InviteSpec, role, accounts string, stdout io.Writer) error {
	name, err := console.NormalizeName(spec.Name)
	if err != nil {
		return fmt.Errorf("officers: --name: %w", err)
	}
	base := strings.TrimRight(cfg.HTTP.PublicBaseURL, "/")
	if base == "" {
		return errors.New("officers: http.public_base_url is not set; it is the address the invite link starts with")
	}
	i := slices.IndexFunc(file, func(f console.FileOfficer) bool { return f.Name == name })
	if i >= 0 {
		if role != "" || accounts != "" {
			return fmt.Errorf("officers: %q is an officer of the config file, whose role and accounts come from there: omit --role and --accounts", name)
		}
		spec.Role, spec.Accounts = file[i].Role, file[i].Accounts
	} else {
		if spec.Role, err = console.ParseRole(role); err != nil {
			return fmt.Errorf("officers: --role: %w", err)
		}
		if spec.Accounts, err = parseScope(ctx, accounts, known); err != nil {
			return err
		}
	}
	spec.Name = name
	token, err := off.Invite(ctx, spec)
	if err != nil {
		return fmt.Errorf("officers: %w", err)
	}
	until := time.Now().Add(console.InviteTTL).Format("2006-01-02 15:04 MST")
	fmt.Fprintf(stdout, "Invite for %q (%s on %s), usable once until %s; send it to them privately:\n",
		name, spec.Role, strings.Join(spec.Accounts, ","), until)
	fmt.Fprintf(stdout, "%s%s/invite/%s\n", base, console.DefaultPrefix, token)
	return nil
}

// parseScope reads --accounts: "*" or ids of accounts that exist (file or runtime).
func parseScope(ctx context.Context, accounts string, known func(context.Context) ([]string, error)) ([]string, error) {
	var out []string
	for _, a := range strings.Split(accounts, ",") {
		if a = strings.TrimSpace(a); a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("officers: --accounts is required: account ids, comma-separated, or * for all")
	}
	if slices.Contains(out, console.AllAccounts) {
		return []string{console.AllAccounts}, nil
	}
	ids, err := known(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range out {
		if !slices.Contains(ids, a) {
			return nil, fmt.Errorf("officers: --accounts: no account %q (known: %s)", a, strings.Join(ids, ", "))
		}
	}
	return out, nil
}

// knownAccounts are the ids of the file's accounts and of those added at run time.
func knownAccounts(ctx context.Context, cfg config.Config, rdb redisstore.Client) ([]string, error) {
	var ids []string
	for _, a := range cfg.Accounts {
		ids = append(ids, a.ID)
	}
	ra, err := redisstore.NewAccounts(rdb, cfg.Redis.KeyPrefix)
	if err != nil {
		return nil, err
	}
	runtime, err := ra.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("officers: list runtime accounts: %w", err)
	}
	for _, r := range runtime {
		if !slices.Contains(ids, r.ID) {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// officerJSON is one line of `oabot officers list --json`.
type officerJSON struct {
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Accounts   []string   `json:"accounts"`
	File       bool       `json:"file"`
	Password   bool       `json:"password"`
	Disabled   bool       `json:"disabled"`
	Created    *time.Time `json:"created,omitempty"`
	LastSignIn *time.Time `json:"last_sign_in,omitempty"`
}

func listOfficers(ctx context.Context, off *console.Officers, asJSON bool, stdout io.Writer) error {
	list, err := off.List(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]officerJSON, 0, len(list))
		for _, o := range list {
			j := officerJSON{Name: o.Name, Role: o.Role.String(), Accounts: o.Accounts, File: o.File,
				Password: o.HasPassword, Disabled: o.Disabled}
			if !o.Created.IsZero() {
				j.Created = &o.Created
			}
			if !o.LastSignIn.IsZero() {
				j.LastSignIn = &o.LastSignIn
			}
			out = append(out, j)
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tACCOUNTS\tFROM\tSTATUS\tLAST SIGN-IN")
	for _, o := range list {
		from := "console"
		if o.File {
			from = "file"
		}
		status := "active"
		switch {
		case o.Disabled:
			status = "revoked"
		case !o.HasPassword:
			status = "no password"
		}
		last := "never"
		if !o.LastSignIn.IsZero() {
			last = o.LastSignIn.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.Name, o.Role, strings.Join(o.Accounts, ","), from, status, last)
	}
	return tw.Flush()
}
