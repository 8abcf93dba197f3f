package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/zalo"
)

// campaignKit is everything campaigns need, built from the config on an open Redis client.
// serve uses it for the admin API and the delivery runner; the CLI for its subcommands.
//
// The stores are interfaces so that demo mode can run the same service and runner on the
// in-memory ones (newDemoCampaignKit); the CLI always has the Redis ones (openKit).
type campaignKit struct {
	cfg       config.Config
	log       *zap.Logger
	store     broadcast.Store
	followers followerStore
	audit     httpapi.Auditor
	limiter   broadcast.Limiter
	service   *broadcast.Service
	// examples are the labelled examples the admin API edits (nil: its routes answer 404).
	examples httpapi.ExampleLibrary
	// catalog is the versioned catalogue the admin API publishes to.
	catalog httpapi.CatalogLibrary
	// poll is the runner's idle wait between looks for work (0: the runner's default).
	poll time.Duration

	// The accounts follow the account registry (sync), so campaigns reach accounts added
	// at run time and stop at disabled ones without a restart.
	mu       sync.RWMutex
	accounts map[string]broadcast.Account
	clients  map[string]*zalo.Client // the accounts' campaign clients (one attempt per call)
}

// followerStore is the follower registry as campaigns, the admin API, the follower CLI and
// the webhook use it: *redisstore.FollowerRegistry, or *inmem.FollowerRegistry in demo mode.
type followerStore interface {
	broadcast.Followers
	broadcast.SyncStore
	broadcast.TagStore
	httpapi.FollowerAdmin
	Touch(ctx context.Context, oaID, userID string, at time.Time, follower *bool) error
}

var (
	_ followerStore = (*redisstore.FollowerRegistry)(nil)
	_ followerStore = (*inmem.FollowerRegistry)(nil)
)

// newCampaignKit builds campaigns on Redis for the registry's accounts. cards renders the
// procedure card of campaigns with procedure_code (cardRenderer); nil refuses
// procedure_code.
func newCampaignKit(cfg config.Config, rdb redisstore.Client, reg *accounts.Registry, log *zap.Logger, cards broadcast.RenderCard) (*campaignKit, error) {
	prefix := cfg.Redis.KeyPrefix
	k := &campaignKit{cfg: cfg, log: log}
	var err error
	if k.store, err = redisstore.NewCampaignStore(rdb, prefix); err != nil {
		return nil, err
	}
	if k.followers, err = redisstore.NewFollowerRegistry(rdb, prefix); err != nil {
		return nil, err
	}
	if k.audit, err = redisstore.NewAuditLog(rdb, prefix, 0); err != nil {
		return nil, err
	}
	if k.limiter, err = redisstore.NewRateLimiter(rdb, prefix, cfg.Broadcast.RatePerSecond, 1); err != nil {
		return nil, err
	}
	return k, k.start(reg.Snapshot(), cards)
}

// start takes the accounts of snap, then builds the service.
func (k *campaignKit) start(snap *accounts.Snapshot, cards broadcast.RenderCard) error {
	k.sync(snap)
	var err error
	k.service, err = broadcast.New(broadcast.Deps{Store: k.store, Followers: k.followers,
		Lookup: k.account, RatePerSecond: k.cfg.Broadcast.RatePerSecond, RenderCard: cards})
	return err
}

// sync takes the enabled accounts of a snapshot and their campaign clients, so campaigns
// reach accounts added at run time and stop at disabled ones. An account without a client
// (see the snapshot's problems) is left out.
func (k *campaignKit) sync(snap *accounts.Snapshot) {
	accts := map[string]broadcast.Account{}
	clients := map[string]*zalo.Client{}
	for _, a := range snap.Enabled() {
		if a.Campaign == nil {
			continue
		}
		accts[a.ID], clients[a.ID] = campaignAccount(a), a.Campaign
	}
	k.mu.Lock()
	k.accounts, k.clients = accts, clients
	k.mu.Unlock()
}

// account returns an enabled account's campaign settings (broadcast Deps and Runner).
func (k *campaignKit) account(id string) (broadcast.Account, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	a, ok := k.accounts[id]
	return a, ok
}

// cardRenderer renders a campaign's procedure card with the conversation's own card code
// (bot.CardMessages), in the account's wording.
func cardRenderer(b *bot.Bot) broadcast.RenderCard {
	return func(_ context.Context, account, code string) ([]broadcast.Message, error) {
		zms, err := b.CardMessages(account, code)
		if err != nil {
			return nil, err
		}
		out := make([]broadcast.Message, 0, len(zms))
		for _, zm := range zms {
			m := broadcast.Message{Text: zm.Text}
			if zm.Image != nil {
				m.ImageURL, m.ImageAttachmentID = zm.Image.URL, zm.Image.AttachmentID
			}
			for _, zb := range zm.Buttons {
				bt := broadcast.Button{Title: zb.Title, Type: zb.Type, Payload: zb.Payload}
				switch zb.Type {
				case zalo.ButtonOpenURL:
					bt.Payload = zb.URL
				case zalo.ButtonOpenPhone:
					bt.Payload = zb.Phone
				}
				m.Buttons = append(m.Buttons, bt)
			}
			out = append(out, m)
		}
		return out, nil
	}
}

// cliCards renders cards for campaigns made by the CLI; the catalogue is loaded at the
// first card, so commands without procedure_code do not pay for it.
func cliCards(cfg config.Config) broadcast.RenderCard {
	var (
		once sync.Once
		b    *bot.Bot
		err  error
	)
	return func(ctx context.Context, account, code string) ([]broadcast.Message, error) {
		once.Do(func() { b, err = newCardBot(cfg) })
		if err != nil {
			return nil, err
		}
		return cardRenderer(b)(ctx, account, code)
	}
}

// runner is this process's share of campaign delivery; observe may be nil.
func (k *campaignKit) runner(replica string, observe func(account, status string)) (*broadcast.Runner, error) {
	return broadcast.NewRunner(broadcast.RunnerOptions{Store: k.store, Followers: k.followers,
		Limiter: k.limiter, Lookup: k.account, Classify: broadcast.ClassifyZalo,
		Replica: replica, Logger: k.log.Named("broadcast"), Observe: observe, Poll: k.poll})
}

// admin builds the /admin/v1 routes; stats and scans may be nil. extra officers (the demo's
// generated one) are admitted beside the configured ones.
func (k *campaignKit) admin(stats httpapi.StatsReader, scans bot.ScanReader, extra ...httpapi.Officer) (*httpapi.Admin, error) {
	officers := append([]httpapi.Officer(nil), extra...)
	for _, o := range k.cfg.Officers {
		if o.TokenHash == ([32]byte{}) {
			// Its token_env/token_file is empty: this officer cannot log in, the others can.
			k.log.Warn("officer has no token; admin API access disabled for them", zap.String("officer", o.Name))
			continue
		}
		role, err := httpapi.ParseRole(o.Role)
		if err != nil {
			return nil, fmt.Errorf("officer %s: %w", o.Name, err)
		}
		officers = append(officers, httpapi.Officer{Name: o.Name, TokenHash: o.TokenHash, Role: role, Accounts: o.Accounts})
	}
	return httpapi.NewAdmin(httpapi.AdminOptions{Officers: officers, Account: k.adminAccount,
		Campaigns: k.service, Followers: k.followers, Audit: k.audit,
		Stats: stats, Scans: scans, Examples: k.examples, Catalog: k.catalog, Logger: k.log})
}

// adminAccount returns an enabled account's OA id and Zalo client (its Tagger) for the
// admin API's per-account routes, read per request so they follow sync: accounts added at
// run time appear, disabled or removed ones answer 404, as for campaigns.
func (k *campaignKit) adminAccount(id string) (httpapi.AdminAccount, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	a, ok := k.accounts[id]
	if !ok {
		return httpapi.AdminAccount{}, false
	}
	out := httpapi.AdminAccount{OAID: a.OAID}
	if c := k.clients[id]; c != nil {
		out.Tagger = c
	}
	return out, true
}

// openKit loads the config and opens Redis for a CLI subcommand.
func openKit(ctx context.Context, getenv func(string) string, cfgPath string, stderr io.Writer) (*campaignKit, func(), error) {
	cfg, err := config.LoadContext(ctx, getenv, cfgPath)
	if err != nil {
		return nil, nil, err
	}
	if cfg.InMemory() || cfg.Demo {
		return nil, nil, errors.New("campaigns need Redis and live accounts: configure redis.url (demo mode keeps them in the serving process)")
	}
	rdb, err := redisstore.Open(ctx, cfg.Redis.URL, redisstore.OpenOptions{})
	if err != nil {
		return nil, nil, err
	}
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	tokens, err := redisstore.NewTokenStore(rdb, cfg.Redis.KeyPrefix)
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	// The CLI serves the config file's accounts, on the tokens serve keeps fresh.
	tp := &service{cfg: cfg, log: log, tokens: tokens}
	reg, err := accounts.New(ctx, accounts.Options{File: cfg.Accounts, Tokens: tp.tokenProvider, Logger: log,
		ClientOptions: []zalo.Option{zalo.WithAPIBase(cfg.Zalo.APIBase)}})
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	k, err := newCampaignKit(cfg, rdb, reg, log, cliCards(cfg))
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	return k, func() { _ = log.Sync(); rdb.Close() }, nil
}

// cliAudit records a CLI change; the CLI has direct Redis access, so it acts as an admin.
func (k *campaignKit) cliAudit(ctx context.Context, officer, action, account, target string, err error) {
	res := "ok"
	if err != nil {
		res = "error"
	}
	e := broadcast.AuditEntry{At: time.Now(), Officer: officer, Role: "cli", Action: action,
		Account: account, Target: target, Remote: "cli", Result: res}
	if aerr := k.audit.Record(ctx, e); aerr != nil {
		k.log.Error("audit entry lost", zap.String("action", action), zap.Error(aerr))
	}
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// broadcastCmd is "oabot broadcast plan|send|status|list|pause|resume|cancel|report|run".
func broadcastCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: oabot broadcast plan|send|status|list|pause|resume|cancel|report|run [flags]")
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("oabot broadcast "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "config file (default $OABOT_CONFIG)")
	officer := fs.String("officer", defaultOfficer(getenv), "name recorded in the audit trail")
	id := fs.String("id", "", "campaign id")
	asJSON := fs.Bool("json", false, "print JSON")
	var spec specFlags
	switch sub {
	case "plan":
		spec.register(fs)
	case "send":
		fs.StringVar(id, "plan", "", "plan id to confirm (from broadcast plan)")
	}
	wait := fs.Bool("wait", false, "send: deliver from this process until the campaign ends")
	out := fs.String("out", "", "report: CSV file (default stdout)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	k, closeKit, err := openKit(ctx, getenv, *cfgPath, stderr)
	if err != nil {
		return err
	}
	defer closeKit()
	svc := k.service
	switch sub {
	case "plan":
		s, err := spec.spec()
		if err != nil {
			fmt.Fprintln(stderr, "oabot broadcast plan:", err)
			return errUsage
		}
		p, err := svc.Plan(ctx, s, *officer)
		k.cliAudit(ctx, *officer, "campaign.plan", strings.Join(s.Accounts, ","), p.ID, err)
		if err != nil {
			return err
		}
		return printPlan(stdout, p, *asJSON)
	case "send":
		c, p, err := svc.Create(ctx, *id, *officer)
		k.cliAudit(ctx, *officer, "campaign.create", strings.Join(c.Spec.Accounts, ","), *id, err)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "campaign %s %s: %d recipients\n", c.ID, p.Status, p.Total)
		if *wait {
			return deliverUntilDone(ctx, k, c.ID, stdout)
		}
		return nil
	case "status":
		c, p, err := svc.Status(ctx, *id)
		if err != nil {
			return err
		}
		return printProgress(stdout, c, p, *asJSON)
	case "list":
		cs, ps, err := svc.List(ctx, 50)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tACCOUNTS\tTOTAL\tSENT\tFAILED\tSKIPPED\tUNKNOWN\tBY")
		for i, c := range cs {
			p := ps[i]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", c.ID, p.Status, strings.Join(c.Spec.Accounts, ","),
				p.Total, p.Sent, p.Failed, p.Skipped, p.Unknown, c.CreatedBy)
		}
		return tw.Flush()
	case "pause", "resume", "cancel":
		c, _, err := svc.Status(ctx, *id)
		if err != nil {
			return err
		}
		act := map[string]func(context.Context, string) (broadcast.Progress, error){"pause": svc.Pause, "resume": svc.Resume, "cancel": svc.Cancel}[sub]
		p, err := act(ctx, *id)
		k.cliAudit(ctx, *officer, "campaign."+sub, strings.Join(c.Spec.Accounts, ","), *id, err)
		if err != nil {
			return err
		}
		return printProgress(stdout, c, p, *asJSON)
	case "report":
		w := stdout
		if *out != "" {
			f, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		return svc.WriteReport(ctx, *id, w)
	case "run":
		return runWorker(ctx, k)
	}
	fmt.Fprintf(stderr, "oabot broadcast: unknown subcommand %q\n", sub)
	return errUsage
}

func defaultOfficer(getenv func(string) string) string {
	if u := getenv("USER"); u != "" {
		return u
	}
	return "cli"
}

// runWorker delivers campaigns until ctx ends: a replica without the webhook.
func runWorker(ctx context.Context, k *campaignKit) error {
	host, _ := os.Hostname()
	r, err := k.runner(fmt.Sprintf("%s-%d", host, os.Getpid()), nil)
	if err != nil {
		return err
	}
	k.log.Info("broadcast worker started")
	r.Run(ctx)
	return nil
}

// deliverUntilDone runs a runner in this process and prints progress until the campaign
// is done, cancelled or ctx ends (Ctrl-C: other replicas or a later run resume it).
func deliverUntilDone(ctx context.Context, k *campaignKit, id string, stdout io.Writer) error {
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	host, _ := os.Hostname()
	r, err := k.runner(fmt.Sprintf("%s-%d", host, os.Getpid()), nil)
	if err != nil {
		stop()
		return err
	}
	go func() { r.Run(rctx); close(done) }()
	defer func() { stop(); <-done }()
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		c, p, err := k.service.Status(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: sent %d, failed %d, skipped %d, unknown %d, remaining %d, eta %s\n",
			p.Status, p.Sent, p.Failed, p.Skipped, p.Unknown, p.Remaining, p.ETA.Round(time.Second))
		if p.Status == broadcast.StatusDone || p.Status == broadcast.StatusCancelled {
			_ = c
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func printPlan(w io.Writer, p broadcast.Plan, asJSON bool) error {
	if asJSON {
		p.Messages = nil
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "plan %s (confirm before %s with: oabot broadcast send --plan %s)\n", p.ID, p.ExpiresAt.Format(time.RFC3339), p.ID)
	fmt.Fprintln(tw, "ACCOUNT\tRECIPIENTS\tREACHABLE\tNOT REACHABLE\tMESSAGES EACH\tEST. TIME")
	for _, a := range p.Accounts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%s\n", a.Account, a.Recipients, a.Reachable, reasons(a.Unreachable),
			a.MessagesPerRecipient, a.EstimatedDuration.Round(time.Second))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "rules:")
	for _, r := range p.Rules {
		fmt.Fprintln(w, "  -", r)
	}
	return nil
}

func reasons(m map[broadcast.Reason]int) string {
	var parts []string
	for r, n := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", r, n))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func printProgress(w io.Writer, c broadcast.Campaign, p broadcast.Progress, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(map[string]any{"id": c.ID, "spec": c.Spec, "progress": p})
	}
	_, err := fmt.Fprintf(w, "campaign %s %s (%s): total %d, sent %d, failed %d, skipped %d, unknown %d, remaining %d, eta %s\n",
		c.ID, p.Status, strings.Join(c.Spec.Accounts, ","), p.Total, p.Sent, p.Failed, p.Skipped, p.Unknown, p.Remaining, p.ETA.Round(time.Second))
	if err == nil && p.Note != "" {
		_, err = fmt.Fprintf(w, "note: %s\n", p.Note)
	}
	return err
}

// specFlags are the flags of "broadcast plan".
type specFlags struct {
	accounts, buttons                                      multiFlag
	segment, text, textFile, image, procedure, at, article string
}

func (s *specFlags) register(fs *flag.FlagSet) {
	fs.Var(&s.accounts, "account", "account id (repeat for several)")
	fs.StringVar(&s.segment, "segment", "all", "all | interacted:DAYS | tag:NAME | label:NAME")
	fs.StringVar(&s.text, "text", "", "announcement text (≤ 2000 characters)")
	fs.StringVar(&s.textFile, "text-file", "", "read the text from this file")
	fs.Var(&s.buttons, "button", `button "title|type|payload" (type oa.open.url, oa.query.show, oa.query.hide, oa.open.phone; repeat)`)
	fs.StringVar(&s.image, "image-url", "", "https URL of an image to send")
	fs.StringVar(&s.procedure, "procedure", "", "procedure code whose card is attached")
	fs.StringVar(&s.at, "at", "", "send at this time (RFC 3339), default now")
	fs.StringVar(&s.article, "article", "", "broadcast this Zalo article id instead (verified OAs)")
}

func (s *specFlags) spec() (broadcast.Spec, error) {
	sp := broadcast.Spec{Accounts: s.accounts, Text: s.text, ImageURL: s.image, ProcedureCode: s.procedure}
	if s.textFile != "" {
		b, err := os.ReadFile(s.textFile)
		if err != nil {
			return sp, err
		}
		sp.Text = strings.TrimRight(string(b), "\n")
	}
	kind, arg, _ := strings.Cut(s.segment, ":")
	sp.Segment.Kind = broadcast.SegmentKind(kind)
	switch sp.Segment.Kind {
	case broadcast.SegmentInteracted:
		if _, err := fmt.Sscanf(arg, "%d", &sp.Segment.Days); err != nil {
			return sp, fmt.Errorf("--segment interacted:DAYS: %w", err)
		}
	case broadcast.SegmentTag:
		sp.Segment.Tag = arg
	case broadcast.SegmentLabel:
		sp.Segment.Label = arg
	}
	for _, b := range s.buttons {
		f := strings.SplitN(b, "|", 3)
		if len(f) != 3 {
			return sp, fmt.Errorf("--button %q: want title|type|payload", b)
		}
		sp.Buttons = append(sp.Buttons, broadcast.Button{Title: f[0], Type: f[1], Payload: f[2]})
	}
	if s.at != "" {
		t, err := time.Parse(time.RFC3339, s.at)
		if err != nil {
			return sp, fmt.Errorf("--at: %w", err)
		}
		sp.SendAt = t
	}
	if s.article != "" {
		sp.Channel, sp.ArticleID = broadcast.ChannelArticle, s.article
	}
	return sp, nil
}

// mountCampaigns adds campaigns to serve: the /admin/v1 routes, the follower registry fed by
// every webhook event, and this replica's share of delivery, which runs beside the queue
// consumers and stops with them. Redis mode keeps them in Redis; demo and preview mode
// (`oabot emulator --config`), which talk only to the in-process fake Zalo API, keep them
// in memory (mountDemoCampaigns). Plain in-memory mode with real accounts has none: the
// at-most-once promise to citizens rests on a durable record of what was sent, which
// in-memory state loses on restart.
func (s *service) mountCampaigns() error {
	api := s.api
	if s.cfg.Demo && s.fake != nil {
		return s.mountDemoCampaigns(api)
	}
	if s.rdb == nil || s.cfg.Demo {
		return nil
	}
	if s.conv == nil {
		return errors.New("campaigns: the conversation must be built first (procedure cards)")
	}
	k, err := newCampaignKit(s.cfg, s.rdb, s.accounts, s.log, cardRenderer(s.conv))
	if err != nil {
		return fmt.Errorf("campaigns: %w", err)
	}
	k.examples = s.examples
	k.catalog = s.versions
	stats, err := redisstore.NewStats(s.rdb, redisstore.StatsOptions{Prefix: s.cfg.Redis.KeyPrefix})
	if err != nil {
		return err
	}
	scans, err := redisstore.NewScans(s.rdb, redisstore.ScansOptions{Prefix: s.cfg.Redis.KeyPrefix})
	if err != nil {
		return err
	}
	admin, err := k.admin(stats, scans)
	if err != nil {
		return fmt.Errorf("admin api: %w", err)
	}
	host, _ := os.Hostname()
	if err := s.runCampaigns(api, k, admin, fmt.Sprintf("%s-%d", host, os.Getpid())); err != nil {
		return err
	}
	s.ops.live.kit.Store(k) // applyAccounts keeps its accounts current
	return nil
}

// runCampaigns mounts the admin API and prepares this replica's share of delivery (run
// beside the queue consumers) and the follower registry (fed by the job pipeline).
func (s *service) runCampaigns(api *httpapi.Server, k *campaignKit, admin *httpapi.Admin, replica string) error {
	var observe func(account, status string)
	if m := s.ops.m; m != nil {
		observe = func(account, status string) { m.BroadcastDelivery(account, status, 1) }
	}
	r, err := k.runner(replica, observe)
	if err != nil {
		return err
	}
	api.Mount(admin)
	s.admin = admin
	s.audit = k.audit
	s.followers = k.followers
	s.runner = r
	return nil
}

// demoOfficerName is the officer the demo's generated admin token belongs to.
const demoOfficerName = "demo-officer"

// demoToken returns this run's demo officer token, generating it at the first call. It is
// printed in the demo instructions and handed to the emulator page, never logged.
func (s *service) demoToken() string {
	if s.demoOfficerToken == "" {
		var b [24]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("crypto/rand: " + err.Error()) // never happens on supported platforms
		}
		s.demoOfficerToken = "demo-" + hex.EncodeToString(b[:])
	}
	return s.demoOfficerToken
}

// mountDemoCampaigns runs campaigns in demo and preview mode: the same broadcast.Service,
// Runner and admin API as production, on the in-memory stores of bot/inmem (single
// process, lost on restart), sending through clients of the in-process fake Zalo API, so
// announcements appear in the emulator's chats like the bot's replies. One officer exists,
// a broadcaster on every demo account, whose token is generated at each start.
func (s *service) mountDemoCampaigns(api *httpapi.Server) error {
	if s.conv == nil {
		return errors.New("campaigns: the conversation must be built first (procedure cards)")
	}
	k, err := s.newDemoCampaignKit()
	if err != nil {
		return fmt.Errorf("demo campaigns: %w", err)
	}
	k.examples = s.examples
	k.catalog = s.versions
	officer := httpapi.Officer{Name: demoOfficerName, TokenHash: sha256.Sum256([]byte(s.demoToken())),
		Role: httpapi.RoleBroadcaster, Accounts: []string{"*"}}
	var stats httpapi.StatsReader
	if sr, ok := s.ops.live.deps.Stats.(httpapi.StatsReader); ok {
		stats = sr
	}
	admin, err := k.admin(stats, nil, officer)
	if err != nil {
		return fmt.Errorf("admin api: %w", err)
	}
	if err := s.runCampaigns(api, k, admin, "demo"); err != nil {
		return err
	}
	s.ops.live.kit.Store(k) // as in Redis mode: the console's announcements use its service
	return nil
}

// newDemoCampaignKit builds campaigns on in-memory stores, for the accounts of the demo (or
// preview) config, each with a client of the in-process fake Zalo API that makes one
// attempt per call, as production's campaign clients do.
func (s *service) newDemoCampaignKit() (*campaignKit, error) {
	k := &campaignKit{cfg: s.cfg, log: s.log, poll: 200 * time.Millisecond}
	// The generated demo officer is the only one: a preview's configured officers have no
	// resolved tokens here (the preview reads the config without its secrets).
	k.cfg.Officers = nil
	k.store = inmem.NewCampaignStore()
	k.followers = inmem.NewFollowerRegistry()
	k.audit = inmem.NewAuditLog(0)
	lim, err := inmem.NewRateLimiter(s.cfg.Broadcast.RatePerSecond, 1)
	if err != nil {
		return nil, err
	}
	k.limiter = lim
	return k, k.start(s.accounts.Snapshot(), cardRenderer(s.conv))
}
