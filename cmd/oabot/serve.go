package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/accounts"
	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/catalog"
	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/logx"
	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

var (
	_ queue.Queue      = (*redisstore.Queue)(nil)
	_ queue.Queue      = (*inmem.Queue)(nil)
	_ httpapi.Observer = (*httpapi.Counters)(nil)
)

// fakeZaloPrefix is where the demo mounts the in-process fake Zalo API.
const fakeZaloPrefix = "/_fakezalo"

// serveCmd runs the webhook service until ctx is cancelled (SIGINT/SIGTERM), then shuts
// down gracefully: intake stops (503), in-flight requests and jobs finish, leases are
// released.
func serveCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "YAML config file (default $OABOT_CONFIG; none → demo mode)")
	addr := fs.String("addr", "", "listen address, e.g. :8080 (overrides http.addr and $OABOT_HTTP_ADDR)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg, err := config.LoadContext(ctx, getenv, *configPath)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.HTTP.Addr = *addr
	}
	if _, port, err := net.SplitHostPort(cfg.HTTP.Addr); cfg.Demo && err == nil && port != "0" && getenv("OABOT_PUBLIC_BASE_URL") == "" {
		cfg.HTTP.PublicBaseURL = "http://localhost:" + port // demo links follow the chosen port
	}
	return serveConfig(ctx, cfg, stdout, stderr)
}

// serveConfig runs the service with a loaded configuration until ctx ends.
func serveConfig(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
	log, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	for _, w := range cfg.Warnings {
		log.Warn("weak secret (security.strict refuses it)", zap.String("warning", w)) // never holds a secret's value
	}
	redisstore.SetLogger(log) // go-redis's own notes ("failed to dial") through zap, rate-limited

	svc, err := newService(ctx, cfg, log, stdout)
	if err != nil {
		log.Error("startup failed", zap.Error(err))
		return err
	}
	defer svc.close()
	return svc.run(ctx)
}

// newLogger builds the root logger: JSON for production, console for the demo; repeated
// warnings and errors rate-limited (bot/logx).
func newLogger(c config.Log, w io.Writer) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(c.Level)
	if err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	var enc zapcore.Encoder
	if c.Format == "console" {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		enc = zapcore.NewConsoleEncoder(ec)
	} else {
		enc = zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	}
	core := zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), level)
	// Warnings and errors that repeat (one per 503 during a Redis outage) are limited per
	// message, with the count of what was left out on the next line written.
	core = logx.RateLimited(core, logx.Options{MinLevel: zapcore.WarnLevel})
	return zap.New(core, zap.ErrorOutput(zapcore.AddSync(w))), nil
}

// service is every concrete piece of a running oabot.
type service struct {
	cfg    config.Config
	log    *zap.Logger
	stdout io.Writer
	// ingest tells the workers when the webhook is in a burst (queue.Ingest).
	ingest queue.Ingest

	rdb      redisstore.Client // nil in memory mode
	queue    queue.Queue
	state    bot.StateStore
	catalog  *procedures.Holder
	versions *catalog.Library    // officers' catalogue versions, served through catalog (catalog.go)
	portal   *procedures.Catalog // the portal crawl records are checked against (catalog.portal; nil: none)
	examples *examples.Library   // labelled examples the search uses (examples.go)
	scans    bot.ScanReader      // QR landing-page views (mountQR; nil without QR routes)
	tokens   zalo.TokenStore
	accounts *accounts.Registry // every account served, with its Zalo clients (accounts_live.go)
	fake     *zalotest.Server   // demo only: the in-process fake Zalo API
	counters *httpapi.Counters
	api      *httpapi.Server
	handler  queue.Handler   // the job pipeline (pipeline)
	conv     *bot.Bot        // the first conversation (campaigns render its cards)
	admin    *httpapi.Admin  // the admin API (Redis and demo mode; nil otherwise); posters accept its officers
	audit    httpapi.Auditor // the admin API's audit trail, also written by the console (nil without campaigns)
	// followers is the follower registry the pipeline feeds, runner this replica's share of
	// campaign delivery (both nil without campaigns).
	followers followerStore
	runner    *broadcast.Runner
	// metricsAddr is where /metrics listens when metrics.addr sets its own listener.
	metricsAddr string
	// demoOfficerToken is the demo's generated admin API token (demoToken); printed in the
	// demo instructions and given to the emulator page, never logged.
	demoOfficerToken string
	// consoleLink is the demo's one-time console sign-in path (console.go), printed by
	// printDemo, never logged.
	consoleLink string

	// Observation seams (metrics plug in here): every webhook outcome, every job delivery.
	webhookObs httpapi.Observer
	jobObs     queue.Observer
	ops        ops // metrics and OA onboarding (ops.go)
}

func newService(ctx context.Context, cfg config.Config, log *zap.Logger, stdout io.Writer) (*service, error) {
	s := &service{cfg: cfg, log: log, stdout: stdout, counters: &httpapi.Counters{}}
	s.webhookObs = s.counters
	s.initOps() // metrics first: the queue and the Zalo clients report to them
	s.logStart()
	// The whole wiring, in the order each piece needs the ones before it.
	for _, step := range []func() error{
		func() error { return s.openStores(ctx) },   // Redis (redisstore.Open) or memory: queue, state, tokens
		func() error { return s.loadCatalog(ctx) },  // the procedures
		func() error { return s.loadVersions(ctx) }, // officers' published versions over them (catalog.go)
		func() error { return s.loadExamples(ctx) }, // seed and taught examples (examples.go)
		func() error { return s.newAccounts(ctx) },  // file + runtime accounts, their Zalo clients
		s.buildConversation,                         // the bot, for the accounts of now
		s.newWebhook,                                // /webhook, /healthz, /readyz
		s.mountEmulator,                             // demo and preview: fake Zalo API, emulator page
		s.mountCampaigns,                            // /admin/v1, follower registry, delivery runner
		s.mountQR,                                   // QR, landing pages, posters (accept the admin API's officers)
		s.mountOps,                                  // /metrics, OA onboarding (/oauth/zalo, /admin/v1/oa)
		s.mountConsole,                              // the officers' console (/console/), console.go
	} {
		if err := step(); err != nil {
			s.close()
			return nil, err
		}
	}
	// From now on every change of the accounts reaches the conversation, the webhook, the
	// QR routes and campaigns (the first call applies the current snapshot).
	s.accounts.Subscribe(s.applyAccounts)
	s.handler = s.pipeline() // parse once → follower registry → conversation
	return s, nil
}

func (s *service) logStart() {
	if s.cfg.Demo {
		s.log.Warn("demo mode: generated demo accounts, in-process fake Zalo API; not for production",
			zap.Int("accounts", len(s.cfg.Accounts)))
	}
	if s.cfg.InMemory() {
		s.log.Warn("in-memory mode: queue and conversations are lost on restart; single instance only")
	}
	s.log.Info("starting", zap.String("config", s.cfg.Source), zap.String("addr", s.cfg.HTTP.Addr),
		zap.Bool("redis", !s.cfg.InMemory()), zap.Int("accounts", len(s.cfg.Accounts)))
	// Secrets print as "[redacted]" and the Redis URL is left out (config.Secret, json:"-").
	s.log.Debug("effective config", zap.Any("config", s.cfg))
}

// openStores connects to Redis (with a ping) or builds the in-memory stores.
func (s *service) openStores(ctx context.Context) error {
	q := s.cfg.Queue
	if s.cfg.InMemory() {
		s.queue = inmem.NewQueue(inmem.QueueOptions{Partitions: q.Partitions, Size: q.MemorySize,
			DedupeTTL: q.DedupeTTL, MaxDeliveries: q.MaxDeliveries, JobTimeout: q.JobTimeout,
			MaxEventAge: q.MaxEventAge, RetryBase: q.RetryBackoff, RetryMax: q.RetryBackoffMax,
			Logger: s.log.Named("queue"), Observer: s.jobObs, Ingest: s.ingestFor()})
		s.state = inmem.NewStore(s.cfg.Conversation.TTL)
		s.tokens = zalo.NewMemoryTokenStore()
		return nil
	}
	// One blocking reader per owned partition plus webhook and store traffic.
	rdb, err := redisstore.Open(ctx, s.cfg.Redis.URL, redisstore.OpenOptions{MinPoolSize: q.Partitions + 30})
	if err != nil {
		return err
	}
	s.rdb = rdb
	prefix := s.cfg.Redis.KeyPrefix
	rq, err := redisstore.NewQueue(s.rdb, redisstore.QueueOptions{Prefix: prefix, Partitions: q.Partitions,
		Workers: q.Workers, ClaimIdle: q.ClaimIdle, LeaseTTL: q.LeaseTTL, MaxDeliveries: q.MaxDeliveries,
		JobTimeout: q.JobTimeout, StreamMaxLen: q.StreamMaxLen, DedupeTTL: q.DedupeTTL, MaxEventAge: q.MaxEventAge,
		RetryBase: q.RetryBackoff, RetryMax: q.RetryBackoffMax, Logger: s.log.Named("queue"), Observer: s.jobObs,
		Ingest: s.ingestFor()})
	if err != nil {
		return err
	}
	s.queue = rq
	if s.state, err = redisstore.NewStore(s.rdb, redisstore.StoreOptions{Prefix: prefix, TTL: s.cfg.Conversation.TTL,
		WriteJSON: s.cfg.Conversation.WriteJSON}); err != nil {
		return err
	}
	if s.tokens, err = redisstore.NewTokenStore(s.rdb, prefix); err != nil {
		return err
	}
	return nil
}

// loadCatalog loads the configured catalogue, or the built-in one.
func (s *service) loadCatalog(ctx context.Context) error {
	h, err := catalogHolder(ctx, s.cfg)
	if err != nil {
		return err
	}
	s.catalog = h
	s.log.Info("catalogue loaded", zap.Int("procedures", len(h.Catalog().All())),
		zap.String("version", h.Catalog().Version()))
	return nil
}

// staticTokens gives an account its configured access token as is (demo and preview).
func staticTokens(_ context.Context, a config.Account) (zalo.TokenProvider, error) {
	return zalo.StaticToken(a.AccessToken.Value()), nil
}

// tokenProvider gives an account its access tokens: a refreshing TokenSource on the
// shared token store when the app secret is known (the configured tokens only bootstrap
// an empty store; stored tokens win later), else the configured access token as is.
func (s *service) tokenProvider(ctx context.Context, a config.Account) (zalo.TokenProvider, error) {
	if a.AppSecretKey.IsZero() {
		if a.AccessToken.IsZero() {
			return nil, errors.New("no app_secret_key_env (for refreshing) and no access_token_env")
		}
		s.log.Warn("account uses a fixed access token; it will not be refreshed", zap.String("account", a.ID))
		return zalo.StaticToken(a.AccessToken.Value()), nil
	}
	if !a.RefreshToken.IsZero() || !a.AccessToken.IsZero() {
		if err := s.bootstrapTokens(ctx, a); err != nil {
			return nil, err
		}
	}
	log := s.log.Named("zalo").With(zap.String("account", a.ID))
	return zalo.NewTokenSource(zalo.TokenSourceConfig{
		OAID: a.OAID,
		OAuth: &zalo.OAuth{Base: s.cfg.Zalo.OAuthBase, AppID: a.AppID, AppSecret: a.AppSecretKey.Value(),
			HTTPClient: s.zaloHTTPClient(nil)},
		Store: s.tokens,
		OnRefresh: func(_ string, err error) {
			s.tokenRefreshed(a.ID, a.OAID, err)
			if err != nil {
				log.Error("token refresh failed", zap.Error(err))
				return
			}
			log.Info("token refreshed")
		},
	})
}

// bootstrapTokens stores the configured pair when the store has none for the OA.
func (s *service) bootstrapTokens(ctx context.Context, a config.Account) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := s.tokens.Load(ctx, a.OAID)
	if err == nil {
		return nil
	}
	if !errors.Is(err, zalo.ErrNoToken) {
		return fmt.Errorf("read stored tokens: %w", err)
	}
	now := time.Now()
	pair := zalo.TokenPair{AccessToken: a.AccessToken.Value(), RefreshToken: a.RefreshToken.Value(), IssuedAt: now}
	if pair.AccessToken != "" {
		// Its real expiry is unknown; assume an hour, after which the refresh token is used.
		pair.ExpiresAt = now.Add(time.Hour)
	}
	if err := s.tokens.Save(ctx, a.OAID, pair); err != nil {
		return fmt.Errorf("store bootstrap tokens: %w", err)
	}
	s.log.Info("bootstrap tokens stored", zap.String("account", a.ID))
	return nil
}

// buildConversation builds the citizen conversation and what it records (statistics,
// uploaded-image cache); the registry rebuilds it when the accounts change.
func (s *service) buildConversation() error {
	d := conversationDeps{Logger: s.log, State: s.state, Catalog: s.catalog, Messenger: s.messenger, Examples: s.examples.For,
		Local: s.versions.Local}
	if s.ops.m != nil {
		d.ObserveSearch = s.ops.m.Search
	}
	if s.rdb == nil {
		d.Stats, d.Attachments = inmem.NewStats(0), inmem.NewAttachments(nil)
	} else {
		var err error
		if d.Stats, err = redisstore.NewStats(s.rdb, redisstore.StatsOptions{Prefix: s.cfg.Redis.KeyPrefix}); err != nil {
			return err
		}
		if d.Attachments, err = redisstore.NewAttachments(s.rdb, s.cfg.Redis.KeyPrefix); err != nil {
			return err
		}
	}
	cfg := s.cfg
	cfg.Accounts = s.accounts.Snapshot().Configs()
	conv, err := newConversation(cfg, d)
	if err != nil {
		return err
	}
	s.conv = conv
	s.ops.live.deps = d
	s.ops.live.cur.Store(conv)
	return nil
}

// pipeline is THE place the queue's handler is put together, in order: the event parsed
// once, the follower registry (when campaigns run), then the conversation. A temporary
// failure of any stage parks the job instead of spending a delivery (queue.Pipeline).
func (s *service) pipeline() queue.Handler { return jobPipeline(s.followers, &s.ops.live) }

// jobPipeline: the follower registry (nil: none), then the conversation.
func jobPipeline(followers followerStore, conv queue.Handler) queue.Handler {
	var stages []queue.Handler
	if followers != nil {
		stages = append(stages, touchFollowers(followers))
	}
	return queue.Pipeline(append(stages, conv)...)
}

// newWebhook builds the HTTP server with the webhook and health routes; the later steps
// mount theirs on it.
func (s *service) newWebhook() error {
	api, err := httpapi.New(httpapi.Options{
		Logger: s.log, Accounts: webhookAccounts(s.accounts.Snapshot()), Queue: s.queue, Observer: s.webhookObs, Ingest: &s.ingest,
		EnqueueTimeout: s.cfg.Queue.EnqueueTimeout, MaxEventAge: s.cfg.Queue.MaxEventAge,
		Ready: s.ready, ReadyDetails: s.readyDetails,
	})
	if err != nil {
		return err
	}
	s.api = api
	return nil
}

// ready is /readyz: Redis answers and the consumers run.
func (s *service) ready(ctx context.Context) error {
	if err := s.queue.Ping(ctx); err != nil {
		return errors.New("redis unreachable")
	}
	if !s.queue.Running() {
		return errors.New("queue consumers not running")
	}
	return nil
}

// run serves until ctx ends, then shuts down in order.
func (s *service) run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	stopMetrics, err := s.serveMetrics(ctx) // metrics.addr: a listener of its own
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopMetrics()
	srv := &http.Server{Handler: s.api.Handler(), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: s.cfg.HTTP.ReadTimeout, WriteTimeout: s.cfg.HTTP.WriteTimeout,
		ErrorLog: zap.NewStdLog(s.log.Named("http"))}

	qctx, stopQueue := context.WithCancel(context.WithoutCancel(ctx))
	defer stopQueue()
	qdone := make(chan error, 1)
	go func() { qdone <- s.queue.Run(qctx, s.handler) }()
	// Campaign delivery runs beside the queue consumers and stops with them.
	cdone := make(chan struct{})
	go func() {
		defer close(cdone)
		if s.runner != nil {
			s.runner.Run(qctx)
		}
	}()
	sdone := make(chan error, 1)
	go func() { sdone <- srv.Serve(ln) }()
	actx, stopAccounts := context.WithCancel(ctx)
	adone := make(chan struct{})
	go func() { defer close(adone); s.accounts.Run(actx, accountsRefreshEvery) }()
	defer func() { stopAccounts(); <-adone }()
	edone := make(chan struct{})
	go func() { defer close(edone); s.examples.Run(actx, examplesRefreshEvery) }()
	defer func() { stopAccounts(); <-edone }()
	vdone := make(chan struct{})
	go func() { defer close(vdone); s.versions.Run(actx, catalogRefreshEvery) }()
	defer func() { stopAccounts(); <-vdone }()

	base := displayBase(ln.Addr())
	s.log.Info("listening", zap.String("addr", ln.Addr().String()))
	if s.cfg.Demo {
		s.printDemo(base)
	}
	// Last line of the start-up output: whoever waits for it (a person, a test, a script)
	// has everything printed before it.
	fmt.Fprintf(s.stdout, "oabot: listening on %s\n", base)

	var runErr error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down: intake stopped, finishing in-flight work")
	case err := <-sdone:
		runErr = fmt.Errorf("http server: %w", err)
	case err := <-qdone:
		qdone <- err // read again below
		runErr = fmt.Errorf("queue stopped: %w", err)
	}
	// 1. Stop intake: the webhook and /readyz answer 503 from now on.
	s.api.Drain()
	s.queue.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.HTTP.ShutdownTimeout)
	defer cancel()
	// 2. Let in-flight requests finish.
	if err := srv.Shutdown(sctx); err != nil {
		s.log.Warn("http shutdown", zap.Error(err))
	}
	// 3. Let in-flight jobs finish, release leases.
	stopQueue()
	select {
	case err := <-qdone:
		if err != nil && runErr == nil {
			runErr = fmt.Errorf("queue: %w", err)
		}
		<-cdone
	case <-sctx.Done():
		s.log.Error("queue did not stop in time")
		if runErr == nil {
			runErr = errors.New("shutdown timed out")
		}
	}
	s.log.Info("stopped")
	return runErr
}

func (s *service) close() {
	if s.rdb != nil {
		_ = s.rdb.Close()
	}
}

// printDemo tells how to talk to the demo: a ready-to-paste curl that posts a correctly
// signed user_send_text, and where replies show up.
func (s *service) printDemo(base string) {
	a := s.cfg.Accounts[0]
	now := time.Now()
	body := fmt.Sprintf(`{"app_id":"%s","user_id_by_app":"900000000000000001","event_name":"user_send_text",`+
		`"timestamp":"%d","sender":{"id":"3000000000000000001"},"recipient":{"id":"%s"},`+
		`"message":{"msg_id":"demo%d","text":"xin chào"}}`, a.AppID, now.UnixMilli(), a.OAID, now.UnixNano())
	sig := zalo.Sign(a.AppID, []byte(body), strconv.FormatInt(now.UnixMilli(), 10), a.OASecretKey.Value())
	// Demo mode and the emulator's preview of a real config print this; neither calls Zalo.
	fmt.Fprintf(s.stdout, "\noabot demo: %d account(s) (%s), in-process fake Zalo API at %s%s\n",
		len(s.cfg.Accounts), demoNames(s.cfg.Accounts), base, fakeZaloPrefix)
	fmt.Fprintf(s.stdout, "Send a signed test event as citizen 3000000000000000001 to %q (valid for this run):\n\n", a.Name)
	fmt.Fprintf(s.stdout, "curl -sS -X POST %s/webhook -H 'Content-Type: application/json' -H '%s: %s' -d '%s'\n\n",
		base, zalo.SignatureHeader, sig, body)
	fmt.Fprintf(s.stdout, "Replies the bot sends through the fake Zalo API are printed here.\n")
	if s.cfg.Emulator.Enabled {
		// The officer's token rides in the fragment, which the browser never sends: the page
		// keeps it for its tab and clears it from the address bar (the emulator serves no token).
		page := base + emulatorPrefix + "/"
		if s.demoOfficerToken != "" {
			page += "#officer=" + s.demoOfficerToken // "demo-" and hex: nothing to escape
		}
		fmt.Fprintf(s.stdout, "Chat with the OAs in a browser: %s\n", page)
	}
	if s.demoOfficerToken != "" {
		// Printed for the person running the demo (valid for this run only), never logged.
		fmt.Fprintf(s.stdout, "Send announcements to the OAs' followers from the emulator's \"Thông báo\" panel, or with the admin API\n"+
			"(officer %q, broadcaster on every account of this run, in-memory campaigns to the fake Zalo only):\n\n", demoOfficerName)
		fmt.Fprintf(s.stdout, "  curl -sS %s/admin/v1/campaigns -H 'Authorization: Bearer %s'\n\n", base, s.demoOfficerToken)
	}
	if s.consoleLink != "" {
		// One use, valid 24 h; printed for the person running the demo, never logged.
		fmt.Fprintf(s.stdout, "Officer console (sign in once as %q, admin of every demo account): %s%s\n\n",
			demoOfficerName, base, s.consoleLink)
	}
	s.fake.OnSend(func(m zalotest.Sent) {
		// Demo data typed by the person running the demo, printed to stdout, never logged.
		fmt.Fprintf(s.stdout, "demo reply → user %s (OA %s):\n%s\n", m.UserID, m.OAID, indent(m.Message.Text))
	})
}

// displayBase is a URL for the listener that a person can paste (":8080" → localhost).
func displayBase(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func demoNames(as []config.Account) string {
	var ids []string
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return strings.Join(ids, ", ")
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// ingestFor is the webhook-burst signal the workers yield to (queue.ingest_first).
func (s *service) ingestFor() *queue.Ingest {
	if !s.cfg.Queue.IngestFirst {
		return nil
	}
	return &s.ingest
}
