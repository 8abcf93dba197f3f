package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// TokenKind says how an account gets its access token, and so what is known about it.
type TokenKind int

// Token kinds.
const (
	// TokenRefreshing: a stored pair the service refreshes itself (app secret configured).
	TokenRefreshing TokenKind = iota + 1
	// TokenFixed: a configured access token used as is (no app secret, or the demo): its
	// expiry is not known and it is never refreshed.
	TokenFixed
	// TokenMissing: the service may refresh but holds no pair: the OA was never connected.
	TokenMissing
	// TokenUnreadable: the token store did not answer.
	TokenUnreadable
)

// TokenHealth is what is known about an account's access token.
type TokenHealth struct {
	Kind TokenKind
	// ExpiresAt is when the access token ends (TokenRefreshing only).
	ExpiresAt time.Time
	// LastRefresh is when the pair was last stored (a refresh, a connection or the
	// configured bootstrap); zero when unknown.
	LastRefresh time.Time
	// RefreshError is the last failed refresh ("" when none is known since the last
	// success), at RefreshErrorAt, the Failures-th in a row.
	RefreshError   string
	RefreshErrorAt time.Time
	Failures       int
	// RefreshShared is true when the refresh results come from the store every replica
	// shares (Redis), false when only this replica's refreshes are known.
	RefreshShared bool
}

// Refreshing, Fixed and Missing tell the kind apart in templates.
func (t TokenHealth) Refreshing() bool { return t.Kind == TokenRefreshing }

// Fixed: see TokenFixed.
func (t TokenHealth) Fixed() bool { return t.Kind == TokenFixed }

// Missing: see TokenMissing.
func (t TokenHealth) Missing() bool { return t.Kind == TokenMissing }

// SendErrors counts the failed sends of one error class (zalo.Class names: token,
// retryable, outside_window, recipient_gone, attachment_expired, permanent).
type SendErrors struct {
	Class string
	Count int
	Last  time.Time
}

// AccountHealth is one account's connection to Zalo as the health page shows it.
type AccountHealth struct {
	Account Account
	Token   TokenHealth
	// LastEvent is the last webhook event received for the account, LastSend the last
	// message Zalo accepted from it (zero: none since Since).
	LastEvent, LastSend time.Time
	// Errors are the failed sends of the last 24 hours, by class (none: empty).
	Errors []SendErrors
	// Since is when this replica started recording events, sends and errors, which are
	// kept per replica in memory.
	Since time.Time
	// Followers are the followers the service knows of (follow events and the last sync
	// of the follower list at FollowersSynced); FollowersKnown is false without a
	// follower registry.
	Followers       int64
	FollowersKnown  bool
	FollowersSynced time.Time
}

// HealthSource reports the accounts' connection to Zalo and starts a new connection
// (cmd/oabot adapts the token store, the per-replica tracker of webhook events and sends,
// the follower registry and the OA onboarding flow of bot/httpapi).
type HealthSource interface {
	// Health reports the accounts, in the order given.
	Health(ctx context.Context, accounts []Account, now time.Time) ([]AccountHealth, error)
	// ConsentOrigin is the origin (scheme://host) of Zalo's consent page, where the
	// connect form leads; "" when OA onboarding is off (no Redis or no public address):
	// then there is nothing to connect with.
	ConsentOrigin() string
	// Connect starts Zalo's consent (OAuth v4 with PKCE) for the account on behalf of
	// officer, an admin of it, and returns the consent page's URL. It returns
	// ErrConnectNotReady when the account lacks its Zalo app settings.
	Connect(ctx context.Context, account, officer string) (string, error)
}

// ErrConnectNotReady: the account has no oa_id, app_id or app secret key configured.
var ErrConnectNotReady = errors.New("console: account not ready for the zalo consent")

// Health is "Tình trạng kết nối OA": for each account of the officer, whether the bot can
// talk to Zalo now (in words, with the reason), then the figures: token validity, last
// refresh and its result, last webhook event, last successful send, failed sends by kind
// over 24 hours, followers. Admins get "Kết nối lại với Zalo", which starts Zalo's consent
// with the console session (no admin API token needed).
type Health struct {
	Source HealthSource
	// Now defaults to time.Now.
	Now func() time.Time
}

// Routes registers the page and the connect action.
func (p *Health) Routes(r *Router) {
	r.Get("/health", RoleViewer, p.page)
	r.Post("/health/{account}/connect", RoleAdmin, p.connect)
	r.Nav(NavHealth, "/health")
}

// Health levels: the word shown and the colour that goes with it (never alone).
const (
	healthOK      = "ok"
	healthWarn    = "warn"
	healthDown    = "down"
	healthUnknown = "unknown"
)

// expiringWithin marks a token as ending soon (the token source refreshes it well before,
// so this means refreshes are not happening; the admin API's view uses the same hour).
const expiringWithin = time.Hour

type healthModel struct {
	Page
	Cards      []healthCard
	Updated    time.Time
	Since      time.Time
	CanConnect bool // the officer is an admin of some account and onboarding is on
	ConnectOff bool // the officer is an admin of some account but onboarding is off
}

type healthCard struct {
	AccountHealth
	Level, Status, Reason string
	Errors                []errorLine
	ErrorTotal            int64
	RefreshFailed         bool // the last known refresh failed
	Connect               bool // show the connect button
}

type errorLine struct {
	Label string
	Count int64
	Last  time.Time
}

func (p *Health) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Health) page(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := s.RequireRole(RoleViewer, ""); err != nil {
		return err
	}
	now := p.now()
	rows, err := p.Source.Health(r.Context(), s.Accounts(), now)
	if err != nil {
		return err
	}
	m := healthModel{Page: s.Page("Tình trạng kết nối OA"), Updated: now}
	origin := p.Source.ConsentOrigin()
	for _, h := range rows {
		c := healthCard{AccountHealth: h}
		c.Level, c.Status, c.Reason = healthStatus(h, now)
		c.Errors, c.ErrorTotal = errorLines(h.Errors)
		c.RefreshFailed = h.Token.RefreshError != "" && !h.Token.RefreshErrorAt.Before(h.Token.LastRefresh)
		if s.Can(RoleAdmin, h.Account.ID) {
			c.Connect = origin != ""
			m.ConnectOff = m.ConnectOff || origin == ""
		}
		m.CanConnect = m.CanConnect || c.Connect
		if m.Since.IsZero() || h.Since.Before(m.Since) {
			m.Since = h.Since
		}
		m.Cards = append(m.Cards, c)
	}
	if m.CanConnect {
		// The connect form's answer redirects to Zalo, and browsers hold form-action
		// to the redirect too: allow Zalo's consent page on this page only.
		w.Header().Set("Content-Security-Policy",
			strings.Replace(fmt.Sprintf(csp, m.Nonce), "form-action 'self'", "form-action 'self' "+origin, 1))
	}
	return s.Render(w, http.StatusOK, "health", &m)
}

// connect starts Zalo's consent for the account and sends the admin there.
func (p *Health) connect(w http.ResponseWriter, r *http.Request, s *Session) error {
	account := r.PathValue("account")
	if err := s.RequireRole(RoleAdmin, account); err != nil {
		return err
	}
	if p.Source.ConsentOrigin() == "" {
		s.Flash(FlashError, "Chưa thể kết nối với Zalo: máy chủ này chưa được kỹ thuật viên cấu hình để kết nối Zalo thật.")
		return s.Redirect(w, "/health")
	}
	u, err := p.Source.Connect(r.Context(), account, s.Officer().Name)
	if errors.Is(err, ErrConnectNotReady) {
		s.Flash(FlashError, "Chưa thể kết nối với Zalo: OA này chưa được khai báo đủ oa_id, app_id và app secret key.")
		return s.Redirect(w, "/health")
	}
	if err != nil {
		return err
	}
	if err := s.save(); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}

// healthStatus words an account's state: the level, its name and the reason.
func healthStatus(h AccountHealth, now time.Time) (level, status, reason string) {
	const (
		ok   = "Hoạt động bình thường"
		warn = "Token sắp hết hạn"
		down = "Mất kết nối"
	)
	t := h.Token
	var tokenRejected time.Time
	for _, e := range h.Errors {
		if e.Class == "token" {
			tokenRejected = e.Last
		}
	}
	switch {
	case t.Kind == TokenMissing:
		return healthDown, down, "Chưa kết nối với Zalo: hệ thống chưa có token truy cập của OA này. Quản trị viên cần bấm “Kết nối lại với Zalo”."
	case t.Kind == TokenRefreshing && !t.ExpiresAt.After(now):
		r := "Token truy cập đã hết hạn lúc " + vnClock(t.ExpiresAt) + " và chưa làm mới được."
		if t.RefreshError != "" {
			r += " Lần làm mới gần nhất không thành công."
		}
		return healthDown, down, r + " Quản trị viên cần bấm “Kết nối lại với Zalo”."
	case !tokenRejected.IsZero() && tokenRejected.After(h.LastSend):
		return healthDown, down, "Zalo từ chối token khi gửi tin lúc " + vnClock(tokenRejected) +
			" và chưa gửi được tin nào sau đó. Quản trị viên cần bấm “Kết nối lại với Zalo”."
	case t.Kind == TokenUnreadable:
		return healthUnknown, "Chưa rõ tình trạng", "Không đọc được kho lưu token lúc này. Vui lòng tải lại trang sau ít phút."
	case t.Kind == TokenRefreshing && t.RefreshError != "" && !t.RefreshErrorAt.Before(t.LastRefresh):
		return healthWarn, warn, "Lần làm mới token gần nhất (" + vnClock(t.RefreshErrorAt) + ") không thành công. Token còn dùng được đến " +
			vnClock(t.ExpiresAt) + "; nếu vẫn không làm mới được, OA sẽ mất kết nối."
	case t.Kind == TokenRefreshing && t.ExpiresAt.Sub(now) < expiringWithin:
		return healthWarn, warn, "Token hết hạn lúc " + vnClock(t.ExpiresAt) + " mà chưa được làm mới."
	case t.Kind == TokenFixed:
		return healthOK, ok, "OA dùng token cố định được cấu hình sẵn: hệ thống không tự làm mới và không biết hạn dùng của token này."
	}
	return healthOK, ok, "Token còn hạn đến " + vnClock(t.ExpiresAt) + " và được hệ thống tự làm mới."
}

// errorClasses words the send error classes, in the order shown.
var errorClasses = []struct{ class, label string }{
	{"token", "Zalo từ chối token"},
	{"retryable", "Lỗi tạm thời (Zalo quá tải hoặc mạng chập chờn)"},
	{"outside_window", "Người dân không nhắn tin trong thời hạn Zalo cho phép trả lời"},
	{"recipient_gone", "Người nhận đã bỏ quan tâm hoặc chặn OA"},
	{"attachment_expired", "Ảnh đính kèm đã hết hạn"},
	{"permanent", "Lỗi khác"},
}

func errorLines(errs []SendErrors) ([]errorLine, int64) {
	var out []errorLine
	var total int64
	for _, c := range errorClasses {
		for _, e := range errs {
			if e.Class == c.class && e.Count > 0 {
				out = append(out, errorLine{Label: c.label, Count: int64(e.Count), Last: e.Last})
				total += int64(e.Count)
			}
		}
	}
	for _, e := range errs { // a class this page does not know yet
		known := false
		for _, c := range errorClasses {
			known = known || c.class == e.Class
		}
		if !known && e.Count > 0 {
			out = append(out, errorLine{Label: "Lỗi khác (" + e.Class + ")", Count: int64(e.Count), Last: e.Last})
			total += int64(e.Count)
		}
	}
	return out, total
}

// vnClock is a time as the page writes it in a sentence.
func vnClock(t time.Time) string { return t.In(vietnam).Format("15:04 ngày 02/01/2006") }
