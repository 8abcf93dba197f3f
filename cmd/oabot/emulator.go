package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"

	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/emulator"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/zalo/zalotest"
)

// emulatorPrefix is where the browser chat emulator is served.
const emulatorPrefix = "/emulator"

// emulatorCmd runs the emulator against a real configuration and catalogue, so officers can
// preview the bot before going live. It never calls real Zalo (the in-process fake answers)
// and never touches the production Redis (state stays in memory).
//
//	oabot emulator --config FILE --account ID [--addr :8090]
func emulatorCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", getenv("OABOT_CONFIG"), "config file (YAML)")
	account := fs.String("account", "", "account id (config accounts[].id) to preview")
	addr := fs.String("addr", "", "listen address (default: the config's http.addr)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *path == "" || *account == "" {
		fmt.Fprintln(stderr, "usage: oabot emulator --config FILE --account ID [--addr ADDR]")
		return errUsage
	}
	// ParseFile, not Load: the preview must work on an officer's machine that has none of
	// the production secrets; previewConfig fills generated ones and Validate checks the
	// rest. The file is read as Load reads it (a regular file, size-capped, interruptible).
	cfg, err := config.ParseFile(ctx, *path)
	if err != nil {
		return err
	}
	if cfg, err = previewConfig(cfg, *account); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// Like the demo, the preview listens on loopback unless told otherwise: it holds
	// generated secrets and an officer token (the production file's http.addr is for the
	// real service).
	cfg.HTTP.Addr = config.DemoAddr
	if *addr != "" {
		cfg.HTTP.Addr = *addr
	}
	return serveConfig(ctx, cfg, stdout, stderr)
}

// previewConfig turns a production config into a preview of one account: in-memory state,
// the in-process fake Zalo API (Demo), the emulator on, and generated secrets where the
// real ones are not available on this machine.
func previewConfig(cfg config.Config, accountID string) (config.Config, error) {
	a, ok := cfg.Account(accountID)
	if !ok {
		return cfg, fmt.Errorf("no account %q in %s", accountID, cfg.Source)
	}
	preview := *a
	demo := config.Demo()
	fill := demo.Accounts[0]
	preview.Disabled = false
	preview.OASecretKey = fill.OASecretKey
	preview.AccessToken = fill.AccessToken
	preview.RefreshToken = fill.RefreshToken
	preview.AppSecretKey = fill.AppSecretKey
	cfg.Accounts = []config.Account{preview}
	cfg.Redis.URL = ""
	cfg.Demo = true
	cfg.Emulator.Enabled = true
	cfg.Source += " (preview of " + accountID + ")"
	return cfg, nil
}

// mountEmulator mounts, in demo and preview mode, the in-process fake Zalo API and (when
// emulator.enabled) the emulator for every account, which reads replies from the fake.
func (s *service) mountEmulator() error {
	api := s.api
	if s.fake == nil {
		return nil // production: neither
	}
	api.HandlePrefix(fakeZaloPrefix, s.fake)
	if !s.cfg.Emulator.Enabled {
		return nil
	}
	var accounts []emulator.Account
	for _, a := range s.cfg.Accounts {
		if a.Disabled {
			continue
		}
		accounts = append(accounts, emulator.Account{ID: a.ID, Name: a.Name, OAID: a.OAID,
			AppID: a.AppID, OASecret: a.OASecretKey.Value()})
	}
	var procs []emulator.Procedure
	for _, r := range s.catalog.Catalog().All() {
		procs = append(procs, emulator.Procedure{Code: r.Code, ShortCode: r.ShortCode, Name: r.Name})
	}
	title := "Trình giả lập Zalo OA (demo)"
	if !s.cfg.Demo || len(accounts) == 1 {
		title = "Xem trước: " + accounts[0].Name
	}
	// The officer's announcement panel uses the admin API that mountDemoCampaigns mounts on
	// in-memory stores with this run's generated token (demo and preview mode alike: both
	// send only to the fake Zalo API). The emulator never serves the token: printDemo puts
	// it in the fragment of the emulator's address, which the browser keeps to itself.
	officer := &emulator.Officer{AdminBase: "/admin/v1",
		MaxText: broadcast.MaxTextRunes, WindowDays: int(broadcast.ConsultationWindow.Hours() / 24)}
	emu, err := emulator.New(emulator.Options{
		Officer:  officer,
		Accounts: accounts,
		// This service's own handler, in process: the events reach this webhook and nothing
		// else, whatever Host the request for the emulator named.
		Webhook:    api.Handler(),
		WebhookURL: "/webhook",
		Capture:    fakeCapture{s.fake},
		Procedures: procs,
		QRPath: func(account, code string) string {
			return "/qr/" + url.PathEscape(account) + "/" + url.PathEscape(code) + ".png"
		},
		LandingPath: func(account, code string) string {
			return "/q/" + url.PathEscape(account) + "/" + url.PathEscape(code)
		},
		Title: title,
		Hosts: publicHosts(s.cfg.HTTP.PublicBaseURL),
	})
	if err != nil {
		return err
	}
	api.HandlePrefix(emulatorPrefix, emu)
	return nil
}

// fakeCapture reads the emulator's view of what the bot sent from the fake Zalo API.
type fakeCapture struct{ fake *zalotest.Server }

// consultationPath is Zalo's consultation-message endpoint (zalo-oa.md §2.3).
const consultationPath = "/v3.0/oa/message/cs"

func (c fakeCapture) Messages(oaID, userID string, after int) []emulator.Sent {
	var out []emulator.Sent
	for _, call := range c.fake.Calls() {
		if call.Seq <= after || call.Path != consultationPath || call.OAID != oaID || call.UserID != userID {
			continue
		}
		m := emulator.Sent{Seq: call.Seq, At: call.At, Code: call.Code, Refused: call.Refusal}
		if call.Message != nil {
			m.Message = *call.Message
		} else if m.Refused == "" {
			m.Refused = "body could not be read as a message"
		}
		out = append(out, m)
	}
	return out
}

func (c fakeCapture) Attachment(id string) ([]byte, string, bool) {
	u, ok := c.fake.Attachment(id)
	if !ok || u.Kind != "image" {
		return nil, "", false
	}
	ct := u.ContentType
	if ct == "" || ct == "application/octet-stream" {
		ct = "image/png"
	}
	return u.Data, ct, true
}

// publicHosts is the host of the public base URL (none when it is empty or loopback), so a
// preview opened through it is allowed beside localhost.
func publicHosts(base string) []string {
	u, err := url.Parse(base)
	if err != nil || u.Hostname() == "" {
		return nil
	}
	return []string{u.Hostname()}
}
