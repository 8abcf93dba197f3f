package emulator

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/oabot/oabot/bot/browsertest"
	"github.com/oabot/oabot/zalo"
)

// replyingBot is a webhook that answers every text at once, the way the bot answers a
// question with a card: two messages, put in the capture the page reads its replies from.
type replyingBot struct {
	mu   sync.Mutex
	seq  int
	sent []replySent
}

type replySent struct {
	oaID, userID string
	Sent
}

func (b *replyingBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	ev, err := zalo.ParseEvent(raw)
	if err != nil {
		http.Error(w, "bad event: "+err.Error(), http.StatusBadRequest)
		return
	}
	if te, ok := ev.(*zalo.TextEvent); ok {
		oa, user := zalo.Route(ev)
		b.mu.Lock()
		for _, m := range []zalo.Message{
			{Text: "[" + te.Text + " a]"},
			{Text: "[" + te.Text + " b]", Buttons: []zalo.Button{zalo.QueryButton("Hồ sơ", "#TTHC 1.004222 HOSO", true)}},
		} {
			b.seq++
			b.sent = append(b.sent, replySent{oaID: oa, userID: user, Sent: Sent{Seq: b.seq, At: time.Now(), Message: m}})
		}
		b.mu.Unlock()
	}
	_, _ = w.Write([]byte(`{"status":"queued"}`))
}

func (b *replyingBot) Messages(oaID, userID string, after int) []Sent {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Sent
	for _, s := range b.sent {
		if s.oaID == oaID && s.userID == userID && s.Seq > after {
			out = append(out, s.Sent)
		}
	}
	return out
}

func (b *replyingBot) Attachment(string) ([]byte, string, bool) { return nil, "", false }

// pollCounter counts the page's reply polls (GET api/messages) started and finished, and
// answers them slowly, as a loaded demo does: the delay widens the window in which two polls
// overlap, which is what drew replies twice in the trial.
type pollCounter struct {
	next              http.Handler
	delay             time.Duration
	started, finished atomic.Int64
}

func (p *pollCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/api/messages") {
		p.next.ServeHTTP(w, r)
		return
	}
	p.started.Add(1)
	defer p.finished.Add(1)
	time.Sleep(p.delay) // latency, not synchronisation
	p.next.ServeHTTP(w, r)
}

// TestEmulatorDrawsEachReplyOnceInChromium sends ten questions in quick succession while
// the page's timer poll fires among them, then checks that each of the twenty replies is in
// the chat exactly once (issue 12 item 9: send() and the timer polled with the same `after`
// and both drew the same replies).
func TestEmulatorDrawsEachReplyOnceInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; skipped with -short")
	}
	ctx := browsertest.Chromium(t)
	bot := &replyingBot{}
	e, err := New(Options{
		Accounts:   []Account{{ID: "ca-test", Name: "Công an phường Thử", OAID: testOA, AppID: testApp, OASecret: "oa-secret"}},
		Webhook:    bot,
		WebhookURL: "/webhook",
		Capture:    bot,
	})
	if err != nil {
		t.Fatal(err)
	}
	polls := &pollCounter{next: http.StripPrefix("/emulator", e), delay: 150 * time.Millisecond}
	mux := http.NewServeMux()
	mux.Handle("/emulator/", polls)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	recordCSPViolations(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/emulator/")); err != nil {
		t.Fatalf("open emulator: %v", err)
	}
	waitJS(t, ctx, "page ready", `document.querySelectorAll("#account option").length == 1`)

	// Ten questions 40 ms apart through the compose form; between two of them, poll() runs
	// as the page's 700 ms timer runs it, so timer polls land among the send() polls.
	const questions = 10
	var markers []string
	for i := 1; i <= questions; i++ {
		markers = append(markers, fmt.Sprintf("[q%02d a]", i), fmt.Sprintf("[q%02d b]", i))
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		for (let i = 1; i <= %d; i++) {
			setTimeout(() => {
				document.getElementById("text").value = "q" + String(i).padStart(2, "0");
				document.getElementById("compose").requestSubmit();
			}, i * 40);
			setTimeout(() => poll(), i * 40 + 20);
		}
		return true; })()`, questions))); err != nil {
		t.Fatalf("send the questions: %v", err)
	}

	count := fmt.Sprintf(`(() => {
		const bot = [...document.querySelectorAll(".msg.bot")].map(m => m.innerText);
		return Object.fromEntries(%s.map(k => [k, bot.filter(t => t.includes(k)).length])); })()`, jsArray(markers))
	waitJS(t, ctx, "every reply drawn", `Object.values(`+count+`).every(n => n >= 1)`)

	// A duplicate comes from a poll that was in flight; wait until every poll started so far
	// has answered and two more have run after it, so nothing is left to draw.
	started := polls.started.Load()
	waitFor(t, "the polls in flight to finish", func() bool {
		f := polls.finished.Load()
		return f >= started+2 && f == polls.started.Load()
	})

	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](count))
	if err != nil {
		t.Fatalf("count replies: %v", err)
	}
	for _, k := range markers {
		if got[k] != 1 {
			t.Errorf("reply %s drawn %d times, want once", k, got[k])
		}
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".msg.bot").length`))
	if err != nil || n != len(markers) {
		t.Errorf("bot messages in the chat = %d (%v), want %d", n, err, len(markers))
	}
	checkNoCSPViolations(t, ctx)
}

// recordCSPViolations makes every page the browser opens from now on keep the
// Content-Security-Policy violations it reports (window.__cspViolations). The recorder is
// installed through the DevTools protocol, which the page's CSP does not govern.
func recordCSPViolations(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__cspViolations = [];
			document.addEventListener("securitypolicyviolation", (e) =>
				window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " line " + e.lineNumber));`})
		return err
	}))
	if err != nil {
		t.Fatalf("install the CSP violation recorder: %v", err)
	}
}

// checkNoCSPViolations fails the test if the page broke its CSP (an inline script or
// handler the browser refused, say).
func checkNoCSPViolations(t *testing.T, ctx context.Context) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__cspViolations || ["recorder missing"]`))
	if err != nil || len(got) != 0 {
		t.Errorf("CSP violations on the page = %q (%v), want none", got, err)
	}
}

// waitJS polls a JavaScript predicate until it holds, failing the test after a generous
// deadline.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("log").innerText`))
		t.Fatalf("%s: %v\nchat log:\n%s", what, err, page)
	}
}

// waitFor polls cond until it holds, failing the test after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jsArray(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ",") + "]"
}
