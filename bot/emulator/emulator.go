// Package emulator is a browser chat that plays a citizen (and an officer) against the real
// webhook, so that anyone can try the bot without Zalo.
//
// What the tester does becomes a Zalo event, built in the shapes Zalo sends and signed exactly
// as Zalo signs it (zalo.Sign), and is POSTed to the service's own /webhook — the handler or
// URL given at construction, never one derived from a request — so the same verification,
// queue and bot code run as in production. The bot's replies are read back from the fake
// Zalo API's capture (zalo/zalotest), including the messages the fake refused, which the
// page shows in red with the reason. The emulator never calls real Zalo.
//
// It uses only net/http, so bot/httpapi can mount it with gin.WrapH.
package emulator

import (
	"crypto/rand"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oabot/oabot/zalo"
)

//go:embed assets/index.html assets/emulator.js
var assets embed.FS

// pageCSP lets the page run only the script the emulator serves (assets/emulator.js, from
// its own origin): no inline script, no inline event handler, no eval.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Account is an OA the emulator can talk to, with the secret it signs events with.
type Account struct {
	ID, Name, OAID, AppID string
	OASecret              string `json:"-"`
}

// Procedure is a catalogue entry offered by "scan a QR".
type Procedure struct {
	Code      string `json:"code"`
	ShortCode string `json:"short_code,omitempty"`
	Name      string `json:"name"`
}

// Sent is one call the bot made to the fake Zalo consultation endpoint.
type Sent struct {
	// Seq orders the calls; the page asks for calls after the last Seq it saw.
	Seq int
	At  time.Time
	// Message is what the bot asked Zalo to send (decoded from the request body).
	Message zalo.Message
	// Refused is Zalo's reason for refusing the call; empty when accepted.
	Refused string
	// Code is the Zalo error code of a refused call.
	Code int
}

// Capture reads what the fake Zalo API received.
type Capture interface {
	// Messages returns the consultation messages to userID from the OA oaID with Seq > after.
	Messages(oaID, userID string, after int) []Sent
	// Attachment returns an image the bot uploaded, by attachment id.
	Attachment(id string) (data []byte, contentType string, ok bool)
}

// Officer lets the page act as an officer of the OAs through the service's own admin API:
// plan an announcement, confirm it and follow its delivery (the "Thông báo" panel). The
// emulator never serves the officer's token: the tester brings it, either in the address's
// fragment (…/emulator/#officer=TOKEN, which the browser does not send; the page keeps it in
// the tab's sessionStorage and removes it from the address bar) or typed into the panel.
// Offer the panel only where the admin API works on throw-away state and the fake Zalo API
// (demo and preview mode).
type Officer struct {
	// AdminBase is the admin API's base path ("/admin/v1"), on the same host as the page.
	AdminBase string
	// MaxText is the announcement limit in characters and WindowDays the consultation
	// window in days (broadcast.MaxTextRunes and broadcast.ConsultationWindow), shown by the
	// page; the admin API enforces them.
	MaxText, WindowDays int
}

// Options configure the emulator.
type Options struct {
	Accounts []Account
	// Webhook, when set, is the service's own HTTP handler: each event is served to it in
	// process as a POST to WebhookURL, which is then the webhook's path ("/webhook"). No
	// network is involved, so the events can reach nothing but this service.
	Webhook http.Handler
	// WebhookURL is where events go: the path for Webhook, or else the absolute http(s) URL
	// of the webhook. It is fixed here and never taken from a request: a Host header must
	// not choose where the server posts (request forgery).
	WebhookURL string
	Capture    Capture
	Procedures []Procedure
	// QRPath and LandingPath give the service's own paths for a procedure's QR image and
	// landing page; nil hides them.
	QRPath      func(account, code string) string
	LandingPath func(account, code string) string
	// Title is shown in the page header (e.g. "Xem trước — Công an phường X").
	Title string
	// Officer, when set, adds the officer's announcement panel; nil hides it.
	Officer    *Officer
	HTTPClient *http.Client
	Now        func() time.Time
	// Hosts are the Host names (without port) the page may be opened as, besides loopback
	// ones (localhost, 127.0.0.0/8, ::1): e.g. the host of http.public_base_url.
	Hosts []string
}

// Server serves the page at its mount point ("/") and its JSON API under "api/". Mount it
// with the prefix stripped (http.StripPrefix("/emulator", s)); the page finds its API
// relative to its own address.
type Server struct {
	opts     Options
	accounts map[string]Account
	mu       sync.Mutex
	last     map[string]lastEvent // (account, user) → last event, for "redeliver"
	msgSeq   uint64
}

type lastEvent struct {
	raw       []byte
	signature string
}

// maxRemembered bounds the "last event" memory (one entry per simulated citizen).
const maxRemembered = 10000

// New checks the options and returns a Server.
func New(opts Options) (*Server, error) {
	if len(opts.Accounts) == 0 {
		return nil, errors.New("emulator: no accounts")
	}
	if err := checkWebhook(opts.Webhook, opts.WebhookURL); err != nil {
		return nil, err
	}
	if opts.Capture == nil {
		return nil, errors.New("emulator: no capture (fake Zalo API)")
	}
	if o := opts.Officer; o != nil && (!strings.HasPrefix(o.AdminBase, "/") || o.MaxText <= 0 || o.WindowDays <= 0) {
		return nil, errors.New("emulator: the officer panel needs the admin API's path and the limits")
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, accounts: map[string]Account{}, last: map[string]lastEvent{}}
	for _, a := range opts.Accounts {
		s.accounts[a.ID] = a
	}
	return s, nil
}

// hostAllowed reports whether a request's Host names this machine's loopback or a
// configured host.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(strings.ToLower(host), "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	for _, h := range s.opts.Hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// ServeHTTP routes "/" (the page), "/emulator.js" (its script) and "/api/*" (paths relative
// to the mount point).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.hostAllowed(r.Host) {
		// DNS rebinding: a web page whose name resolves to this machine must not drive the
		// emulator from the tester's browser.
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "open the emulator as localhost (or a host in emulator.hosts)"})
		return
	}
	if r.Method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		// A cross-site form or text/plain POST cannot set this header without a CORS
		// preflight, which this server never answers: other sites cannot fire events.
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "Content-Type must be application/json"})
		return
	}
	switch p := strings.TrimSuffix(r.URL.Path, "/"); {
	case p == "" && r.Method == http.MethodGet:
		s.page(w)
	case p == "/emulator.js" && r.Method == http.MethodGet:
		s.script(w)
	case p == "/api/config" && r.Method == http.MethodGet:
		s.config(w)
	case p == "/api/event" && r.Method == http.MethodPost:
		s.event(w, r)
	case p == "/api/messages" && r.Method == http.MethodGet:
		s.messages(w, r)
	case strings.HasPrefix(p, "/api/attachments/") && r.Method == http.MethodGet:
		s.attachment(w, strings.TrimPrefix(p, "/api/attachments/"))
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	}
}

func (s *Server) page(w http.ResponseWriter) {
	b, err := assets.ReadFile("assets/index.html")
	if err != nil {
		http.Error(w, "emulator page missing", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(b)
}

// script serves the page's only script, from the emulator's own prefix (CSP script-src 'self').
func (s *Server) script(w http.ResponseWriter) {
	b, err := assets.ReadFile("assets/emulator.js")
	if err != nil {
		http.Error(w, "emulator script missing", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	// no-store like the page: the script and the page it drives change together.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

type accountView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	OAID string `json:"oa_id"`
}

type procedureView struct {
	Procedure
	QR      string `json:"qr,omitempty"`
	Landing string `json:"landing,omitempty"`
}

// officerView is what the page needs for the announcement panel; never the token, which
// the tester brings (see Officer).
type officerView struct {
	Admin      string `json:"admin"`
	MaxText    int    `json:"max_text"`
	WindowDays int    `json:"window_days"`
}

func (s *Server) config(w http.ResponseWriter) {
	type view struct {
		Title      string                     `json:"title"`
		Accounts   []accountView              `json:"accounts"`
		Procedures map[string][]procedureView `json:"procedures"`
		Officer    *officerView               `json:"officer,omitempty"`
	}
	v := view{Title: s.opts.Title, Procedures: map[string][]procedureView{}}
	if o := s.opts.Officer; o != nil {
		v.Officer = &officerView{Admin: strings.TrimSuffix(o.AdminBase, "/"), MaxText: o.MaxText,
			WindowDays: o.WindowDays}
	}
	for _, a := range s.opts.Accounts {
		v.Accounts = append(v.Accounts, accountView{ID: a.ID, Name: a.Name, OAID: a.OAID})
		for _, p := range s.opts.Procedures {
			pv := procedureView{Procedure: p}
			if s.opts.QRPath != nil {
				pv.QR = s.opts.QRPath(a.ID, p.Code)
			}
			if s.opts.LandingPath != nil {
				pv.Landing = s.opts.LandingPath(a.ID, p.Code)
			}
			v.Procedures[a.ID] = append(v.Procedures[a.ID], pv)
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// eventRequest is what the page posts: who does what.
type eventRequest struct {
	Account string  `json:"account"`
	User    string  `json:"user"`
	Kind    string  `json:"kind"` // text, follow, unfollow, chatnow, location, sticker, officer, redeliver
	Text    string  `json:"text"`
	Lat     float64 `json:"lat"`
	Lng     float64 `json:"lng"`
}

type eventResponse struct {
	EventName  string `json:"event_name,omitempty"`
	Status     int    `json:"status"`
	Body       string `json:"body,omitempty"`
	Redelivery bool   `json:"redelivery,omitempty"`
	Error      string `json:"error,omitempty"`
}

// maxEventRequest bounds what the page may post (a citizen message is far smaller).
const maxEventRequest = 64 << 10

func (s *Server) event(w http.ResponseWriter, r *http.Request) {
	var req eventRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, maxEventRequest)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, eventResponse{Error: "bad request: " + err.Error()})
		return
	}
	acc, ok := s.accounts[req.Account]
	if !ok {
		writeJSON(w, http.StatusNotFound, eventResponse{Error: "unknown account " + strconv.Quote(req.Account)})
		return
	}
	if !validUserID(req.User) {
		writeJSON(w, http.StatusBadRequest, eventResponse{Error: "user must be 1 to 20 digits"})
		return
	}
	key := acc.ID + "/" + req.User
	var ev lastEvent
	redelivery := req.Kind == "redeliver"
	if redelivery {
		s.mu.Lock()
		ev, ok = s.last[key]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, http.StatusConflict, eventResponse{Error: "nothing to redeliver yet"})
			return
		}
	} else {
		raw, err := s.build(acc, req)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, eventResponse{Error: err.Error()})
			return
		}
		ev = lastEvent{raw: raw, signature: zalo.Sign(acc.AppID, raw, timestampOf(raw), acc.OASecret)}
		s.remember(key, ev)
	}
	status, body, err := s.post(r, ev)
	resp := eventResponse{EventName: eventNameOf(ev.raw), Status: status, Body: body, Redelivery: redelivery}
	if err != nil {
		resp.Error = err.Error()
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) build(acc Account, req eventRequest) ([]byte, error) {
	c := citizen{AppID: acc.AppID, OAID: acc.OAID, UserID: req.User}
	ts := s.timestamp()
	switch req.Kind {
	case "text":
		if strings.TrimSpace(req.Text) == "" {
			return nil, errors.New("empty text")
		}
		return c.text(ts, s.msgID(), req.Text), nil
	case "follow", "unfollow":
		return c.follow(ts, req.Kind), nil
	case "chatnow":
		return c.chatNow(ts), nil
	case "location":
		if req.Lat < -90 || req.Lat > 90 || req.Lng < -180 || req.Lng > 180 {
			return nil, errors.New("coordinates out of range")
		}
		return c.location(ts, s.msgID(), req.Lat, req.Lng), nil
	case "sticker":
		return c.sticker(ts, s.msgID()), nil
	case "officer":
		if strings.TrimSpace(req.Text) == "" {
			return nil, errors.New("empty text")
		}
		return c.officerText(ts, s.msgID(), "emulator-officer", req.Text), nil
	}
	return nil, fmt.Errorf("unknown kind %q", req.Kind)
}

func (s *Server) remember(key string, ev lastEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.last[key]; !ok && len(s.last) >= maxRemembered {
		for k := range s.last { // drop an arbitrary entry; this is a test tool, not a cache
			delete(s.last, k)
			break
		}
	}
	s.last[key] = ev
}

type messageView struct {
	Seq     int          `json:"seq"`
	At      string       `json:"at"`
	Text    string       `json:"text,omitempty"`
	Buttons []buttonView `json:"buttons,omitempty"`
	// Image is an image URL, or "attachment:<id>" for an image the bot uploaded (the page
	// fetches it from api/attachments/<id>).
	Image   string `json:"image,omitempty"`
	File    string `json:"file,omitempty"`
	Form    bool   `json:"form,omitempty"`
	Refused string `json:"refused,omitempty"`
	Code    int    `json:"code,omitempty"`
}

type buttonView struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Payload string `json:"payload,omitempty"`
	URL     string `json:"url,omitempty"`
	Phone   string `json:"phone,omitempty"`
}

func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	acc, ok := s.accounts[q.Get("account")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown account"})
		return
	}
	after, _ := strconv.Atoi(q.Get("after"))
	out := []messageView{}
	for _, m := range s.opts.Capture.Messages(acc.OAID, q.Get("user"), after) {
		out = append(out, view(m))
	}
	writeJSON(w, http.StatusOK, out)
}

func view(m Sent) messageView {
	v := messageView{Seq: m.Seq, At: m.At.Format("15:04:05"), Text: m.Message.Text, Refused: m.Refused, Code: m.Code}
	for _, b := range m.Message.Buttons {
		v.Buttons = append(v.Buttons, buttonView{Title: b.Title, Type: b.Type, Payload: b.Payload, URL: b.URL, Phone: b.Phone})
	}
	if img := m.Message.Image; img != nil {
		v.Image = img.URL
		if img.AttachmentID != "" {
			v.Image = "attachment:" + img.AttachmentID
		}
	}
	if m.Message.File != nil {
		v.File = m.Message.File.Token
	}
	v.Form = m.Message.RequestInfo != nil
	return v
}

func (s *Server) attachment(w http.ResponseWriter, id string) {
	data, ct, ok := s.opts.Capture.Attachment(id)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such attachment"})
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(data)
}

func (s *Server) timestamp() string {
	return strconv.FormatInt(s.opts.Now().UnixMilli(), 10)
}

// msgID makes a message id shaped like Zalo's (hex, unique per emulator run).
func (s *Server) msgID() string {
	s.mu.Lock()
	s.msgSeq++
	n := s.msgSeq
	s.mu.Unlock()
	r, _ := rand.Int(rand.Reader, big.NewInt(1<<40))
	return fmt.Sprintf("em%010x%06x", r.Int64(), n)
}

func validUserID(u string) bool {
	if len(u) == 0 || len(u) > 20 {
		return false
	}
	for _, c := range u {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func timestampOf(raw []byte) string {
	var v struct {
		Timestamp string `json:"timestamp"`
	}
	_ = json.Unmarshal(raw, &v)
	return v.Timestamp
}

func eventNameOf(raw []byte) string {
	var v struct {
		EventName string `json:"event_name"`
	}
	_ = json.Unmarshal(raw, &v)
	return v.EventName
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
