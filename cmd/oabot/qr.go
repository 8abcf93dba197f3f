package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"strings"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/bot/inmem"
	"github.com/oabot/oabot/bot/qr"
	"github.com/oabot/oabot/bot/redisstore"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/procedures"
)

// qrCmd is "oabot qr": write one procedure's QR code as PNG or SVG.
func qrCmd(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("oabot qr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	account := fs.String("account", "", "account id (slug) from the config (required)")
	code := fs.String("code", "", "procedure code or short code (required)")
	format := fs.String("format", "png", "png or svg")
	out := fs.String("out", "", "output file, - for stdout (required)")
	size := fs.Int("size", qr.DefaultSize, fmt.Sprintf("image size in pixels (%d..%d)", qr.MinSize, qr.MaxSize))
	level := fs.String("level", "M", "error correction L, M, Q or H (H is forced with --logo)")
	quiet := fs.Int("quiet", qr.DefaultQuietZone, "quiet zone in modules")
	src := fs.String("src", "", "poster-location label for scan counting (landing mode)")
	logo := fs.String("logo", "", "PNG logo to put in the centre")
	cfgPath := fs.String("config", "", "config file (default $OABOT_CONFIG, else the demo config)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *account == "" || *code == "" || *out == "" || (*format != "png" && *format != "svg") {
		fmt.Fprintln(stderr, "usage: oabot qr --account A --code C --format png|svg --out F [--size N] [--src LABEL] [--logo F.png] [--config FILE]")
		return errUsage
	}
	cfg, cat, err := loadQRConfig(getenv, *cfgPath)
	if err != nil {
		return err
	}
	a, rec, err := findAccountRecord(cfg, cat, *account, *code)
	if err != nil {
		return err
	}
	lv, err := qr.ParseLevel(*level)
	if err != nil {
		return err
	}
	o := qr.Options{Size: *size, QuietZone: *quiet, Level: lv}
	if *logo != "" {
		if o.Logo, err = readPNG(*logo); err != nil {
			return err
		}
	}
	target, err := qr.Target(cfg.HTTP.PublicBaseURL, a, rec.Code, *src)
	if err != nil {
		return err
	}
	var data []byte
	if *format == "svg" {
		data, err = qr.SVG(target, o)
	} else {
		data, err = qr.PNG(target, o)
	}
	if err != nil {
		return err
	}
	if err := writeOut(*out, data, stdout); err != nil {
		return err
	}
	if *out != "-" {
		fmt.Fprintf(stdout, "%s: %s (%s, decoded and checked)\n", *out, target, rec.Name)
	}
	return nil
}

// mountQR adds the QR image, landing-page and poster routes to the server (serve).
// Posters take the posters token or an officer's admin API token (editor or higher on the
// poster's account; needs mountCampaigns first). Landing views are counted in Redis, or in
// memory without Redis. Without a public base
// URL the routes are left out with a warning: landing-mode codes could not point anywhere.
func (s *service) mountQR() error {
	api := s.api
	if s.cfg.HTTP.PublicBaseURL == "" {
		s.log.Warn("qr routes disabled: http.public_base_url is not set")
		return nil
	}
	var scans httpapi.ScanCounter = inmem.NewScans(0)
	if s.rdb != nil {
		rs, err := redisstore.NewScans(s.rdb, redisstore.ScansOptions{Prefix: s.cfg.Redis.KeyPrefix})
		if err != nil {
			return err
		}
		scans = rs
	}
	if sr, ok := scans.(bot.ScanReader); ok {
		s.scans = sr // Tổng quan's QR figures
	}
	o := httpapi.QROptions{
		PublicBaseURL: s.cfg.HTTP.PublicBaseURL, Accounts: qrAccounts(s.cfg), Catalog: s.catalog.Catalog,
		Scans: scans, PosterToken: s.cfg.Posters.Token.Value(), FontPath: s.cfg.Posters.Font,
		Search: s.officeSearch, Version: s.versions.Label, Local: s.versions.Local,
		Logger: s.log.Named("qr"),
	}
	// The account registry (accounts_live.go) replaces the map when accounts change.
	live := &s.ops.live.qrs
	if live.Load() == nil {
		m := qrAccountMap(s.cfg.HTTP.PublicBaseURL, s.cfg.Accounts, s.log)
		live.CompareAndSwap(nil, &m)
	}
	o.Lookup = func(slug string) (qr.Account, bool) {
		a, ok := (*live.Load())[slug]
		return a, ok
	}
	if s.admin != nil {
		// Officers fetch their accounts' posters with their admin API token (editor or higher).
		o.OfficerCheck = s.admin.OfficerCheck(httpapi.RoleEditor)
	}
	routes, err := httpapi.NewQRRoutes(o)
	if err != nil {
		return err
	}
	if s.cfg.Posters.Token.IsZero() && s.admin == nil {
		s.log.Info("poster routes answer 401: no posters token configured and no admin API (Redis mode)")
	}
	api.Mount(routes)
	return nil
}

// loadQRConfig loads the config (the demo one when no file is named) and its catalogue
// (the built-in one when none is configured).
func loadQRConfig(getenv func(string) string, path string) (config.Config, *procedures.Catalog, error) {
	cfg, err := config.Load(getenv, path)
	if err != nil {
		return config.Config{}, nil, err
	}
	var cat *procedures.Catalog
	if cfg.Catalog.Path != "" {
		cat, err = procedures.Load(cfg.Catalog.Path)
	} else {
		cat, err = procedures.Builtin()
	}
	if err != nil {
		return config.Config{}, nil, err
	}
	return cfg, cat, nil
}

func findAccountRecord(cfg config.Config, cat *procedures.Catalog, account, code string) (qr.Account, *procedures.Record, error) {
	ca, ok := cfg.Account(account)
	if !ok {
		return qr.Account{}, nil, fmt.Errorf("unknown account %q (configured: %s)", account, accountIDs(cfg))
	}
	rec, ok := cat.Lookup(code)
	if !ok {
		return qr.Account{}, nil, fmt.Errorf("unknown procedure code %q in catalogue %s", code, cat.Version())
	}
	return qrAccount(*ca), rec, nil
}

func accountIDs(cfg config.Config) string {
	ids := make([]string, 0, len(cfg.Accounts))
	for _, a := range cfg.Accounts {
		ids = append(ids, a.ID)
	}
	return strings.Join(ids, ", ")
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("logo %s: %w", path, err)
	}
	return img, nil
}

// writeOut writes data to path, or to stdout for "-". A file is written whole or not at all.
func writeOut(path string, data []byte, stdout io.Writer) error {
	if path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	if path == "" {
		return errors.New("no output file")
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// officeSearch is the office page's search (/o/{account}?q=): the bot's search with the
// account's examples, or the likely procedures when it is not sure — a person on a web page
// can choose.
func (s *service) officeSearch(account, query string) []*procedures.Record {
	return s.catalog.Index().Choices(query, 10, s.examples.For(account))
}
