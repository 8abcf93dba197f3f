package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/oabot/oabot/bot/qr"
)

// postersCmd is "oabot posters": a PDF (or HTML print view) of QR posters for an account.
func postersCmd(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("oabot posters", flag.ContinueOnError)
	fs.SetOutput(stderr)
	account := fs.String("account", "", "account id (slug) from the config (required)")
	codes := fs.String("codes", "", "comma-separated procedure codes or short codes (default: all)")
	size := fs.String("size", "a4", "paper: a4 or a5")
	perPage := fs.Int("per-page", 1, "procedures per sheet: 1, 2, 4 or 6")
	src := fs.String("src", "", "poster-location label for scan counting (landing mode)")
	format := fs.String("format", "", "pdf or html (default: from the --out extension)")
	out := fs.String("out", "", "output file, - for stdout (required)")
	font := fs.String("font", "", "TrueType font with Vietnamese letters (default: posters.font, else looked up)")
	cfgPath := fs.String("config", "", "config file (default $OABOT_CONFIG, else the demo config)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *format == "" {
		*format = "pdf"
		if strings.HasSuffix(*out, ".html") {
			*format = "html"
		}
	}
	if *account == "" || *out == "" || (*format != "pdf" && *format != "html") {
		fmt.Fprintln(stderr, "usage: oabot posters --account A [--codes C1,C2] --size a4|a5 [--per-page 1|2|4|6] --out F.pdf|F.html [--config FILE]")
		return errUsage
	}
	cfg, cat, err := loadQRConfig(getenv, *cfgPath)
	if err != nil {
		return err
	}
	ca, ok := cfg.Account(*account)
	if !ok {
		return fmt.Errorf("unknown account %q (configured: %s)", *account, accountIDs(cfg))
	}
	a := qrAccount(*ca)
	recs, err := cat.Pick(*codes)
	if err != nil {
		return err
	}
	items, err := qr.Items(cfg.HTTP.PublicBaseURL, a, recs, *src)
	if err != nil {
		return err
	}
	o := qr.PosterOptions{Paper: *size, PerPage: *perPage, Printed: time.Now(), CatalogVersion: cat.Version()}
	var buf bytes.Buffer
	if *format == "html" {
		err = qr.WritePrintView(&buf, a, items, o)
	} else {
		if *font == "" {
			*font = cfg.Posters.Font
		}
		if o.Font, err = qr.FindFont(*font); err != nil {
			return err
		}
		err = qr.WritePosters(&buf, a, items, o)
	}
	if err != nil {
		return err
	}
	if err := writeOut(*out, buf.Bytes(), stdout); err != nil {
		return err
	}
	if *out != "-" {
		fmt.Fprintf(stdout, "%s: %d procedure(s) for %s, catalogue %s, every QR decoded and checked\n",
			*out, len(items), a.Name, cat.Version())
	}
	return nil
}
