package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/oabot/oabot/zalo"
)

// checkWebhook accepts an in-process handler with the webhook's path, or an absolute
// http(s) URL.
func checkWebhook(h http.Handler, target string) error {
	if h != nil {
		if !strings.HasPrefix(target, "/") {
			return errors.New("emulator: the in-process webhook needs its path (\"/webhook\")")
		}
		return nil
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("emulator: no webhook: give the service's handler, or the webhook's absolute http(s) URL")
	}
	return nil
}

// post delivers the event to the webhook as Zalo does: one JSON body, the signature header.
// Where it goes was fixed by New; nothing in r but its context and client address is used.
func (s *Server) post(r *http.Request, ev lastEvent) (int, string, error) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, s.opts.WebhookURL, bytes.NewReader(ev.raw))
	if err != nil {
		return 0, "", fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(zalo.SignatureHeader, ev.signature)
	if s.opts.Webhook != nil {
		// As the server would see it: the tester is the client.
		req.RemoteAddr = r.RemoteAddr
		rec := &webhookAnswer{header: http.Header{}}
		s.opts.Webhook.ServeHTTP(rec, req)
		return rec.status(), strings.TrimSpace(rec.body.String()), nil
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("post webhook: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxWebhookAnswer))
	return resp.StatusCode, strings.TrimSpace(string(body)), nil
}

// webhookAnswer records the in-process webhook's answer: its status and the first
// maxWebhookAnswer bytes of its body (the page shows them; the rest is dropped).
type webhookAnswer struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

const maxWebhookAnswer = 4096

func (a *webhookAnswer) Header() http.Header { return a.header }

func (a *webhookAnswer) WriteHeader(code int) {
	if a.code == 0 {
		a.code = code
	}
}

func (a *webhookAnswer) Write(b []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	if room := maxWebhookAnswer - a.body.Len(); room > 0 {
		a.body.Write(b[:min(len(b), room)])
	}
	return len(b), nil
}

func (a *webhookAnswer) status() int {
	if a.code == 0 {
		return http.StatusOK
	}
	return a.code
}
