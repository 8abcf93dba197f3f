package zalo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oabot/oabot/zalo"
	"github.com/oabot/oabot/zalo/zalotest"
)

const (
	testOA    = "388613280878808645"
	testToken = "tok-oa-1"
)

var fastRetry = zalo.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

// setup returns a client for testOA talking to a fresh fake Zalo over a real listener.
func setup(t *testing.T, opts ...zalo.Option) (*zalo.Client, *zalotest.Server) {
	t.Helper()
	srv := zalotest.New()
	srv.AddOA(testOA, testToken)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	all := append([]zalo.Option{zalo.WithAPIBase(ts.URL), zalo.WithAccessToken(testToken), zalo.WithRetry(fastRetry)}, opts...)
	c, err := zalo.NewClient(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSendEachMessageType(t *testing.T) {
	ctx := context.Background()
	c, srv := setup(t)
	attID, err := c.UploadImage(ctx, "qr.png", pngBytes(t))
	if err != nil {
		t.Fatalf("UploadImage: %v", err)
	}
	fileTok, err := c.UploadFile(ctx, "mau-don.pdf", []byte("%PDF-1.4 fake"))
	if err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	msgs := []zalo.Message{
		{Text: "Xin chào! Thủ tục cấp căn cước"},
		{Text: "Dạ", QuoteMessageID: "96d3cdf3af150460909"},
		{Text: "CCCD", Buttons: []zalo.Button{
			zalo.QueryButton("Giấy tờ", "#TTHC CCCD GIAYTO", true),
			zalo.QueryButton("Lệ phí", "#TTHC CCCD LEPHI", false),
			zalo.URLButton("Mẫu đơn", "https://dichvucong.gov.vn/mau.pdf"),
			zalo.PhoneButton("Trực ban", "113"),
			zalo.SMSButton("Nhắn", "0901234567", "Xin hỗ trợ"),
		}},
		{Text: "Mã QR", Image: &zalo.Image{AttachmentID: attID}},
		{Image: &zalo.Image{URL: "https://example.gov.vn/qr.png"}},
		{File: &zalo.File{Token: fileTok}},
		{RequestInfo: &zalo.RequestInfo{Title: "Công an phường", Subtitle: "Xin số điện thoại", ImageURL: "https://example.gov.vn/b.png"}},
	}
	for i, m := range msgs {
		res, err := c.Send(ctx, "user-1", m)
		if err != nil {
			t.Fatalf("Send #%d: %v", i, err)
		}
		if res.MessageID == "" || res.UserID != "user-1" {
			t.Errorf("Send #%d result %+v", i, res)
		}
	}
	sent := srv.Sent()
	if len(sent) != len(msgs) {
		t.Fatalf("fake accepted %d messages, want %d; refused: %+v", len(sent), len(msgs), srv.Refused())
	}
	for i, s := range sent {
		if s.OAID != testOA || s.UserID != "user-1" {
			t.Errorf("#%d routed to %s/%s", i, s.OAID, s.UserID)
		}
		if d := cmp.Diff(msgs[i], s.Message); d != "" {
			t.Errorf("#%d as parsed by the fake (-sent +got):\n%s", i, d)
		}
	}
	for _, call := range srv.Calls() {
		if call.Path == "/v3.0/oa/message/cs" && (call.Method != "POST" || call.ContentType != "application/json") {
			t.Errorf("send call %s %s %q", call.Method, call.Path, call.ContentType)
		}
	}
}

func TestSendRefusedLocally(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	bad := []zalo.Message{
		{Text: strings.Repeat("ố", zalo.MaxTextRunes+1)},
		{Text: "x", Buttons: make([]zalo.Button, 6)},
		{},
	}
	for i, m := range bad {
		if _, err := c.Send(ctx, "u", m); !errors.Is(err, zalo.ErrInvalidMessage) {
			t.Errorf("#%d: err = %v, want ErrInvalidMessage", i, err)
		}
	}
	if _, err := c.SendText(ctx, "", "hi"); !errors.Is(err, zalo.ErrInvalidMessage) {
		t.Errorf("empty recipient: %v", err)
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls reached Zalo, want 0", n)
	}
}

func TestUploadMultipart(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	data := pngBytes(t)
	id, err := c.UploadImage(ctx, "dir/qr.png", data)
	if err != nil {
		t.Fatal(err)
	}
	up, ok := srv.Attachment(id)
	if !ok || up.Field != "file" || up.Filename != "qr.png" || up.ContentType != "image/png" || !bytes.Equal(up.Data, data) {
		t.Errorf("upload = %+v", up)
	}
	if _, err := c.UploadImage(ctx, "big.png", make([]byte, zalo.MaxImageUploadBytes+1)); !errors.Is(err, zalo.ErrInvalidMessage) {
		t.Errorf("big image: %v", err)
	}
	if _, err := c.UploadImage(ctx, "x.png", []byte("not an image")); zalo.ClassOf(err) != zalo.ClassPermanent {
		t.Errorf("non-image upload: %v (class %v), want permanent refusal", err, zalo.ClassOf(err))
	}
	calls := srv.Calls()
	if len(calls) != 2 || calls[0].Path != "/v2.0/oa/upload/image" || !strings.HasPrefix(calls[0].ContentType, "multipart/form-data") {
		t.Errorf("calls = %+v", calls)
	}
}

func TestAttachmentExpired(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	id, err := c.UploadImage(ctx, "qr.png", pngBytes(t))
	if err != nil {
		t.Fatal(err)
	}
	srv.ExpireAttachments()
	_, err = c.SendImage(ctx, "u", id, "")
	if !errors.Is(err, zalo.ErrAttachmentExpired) {
		t.Errorf("err = %v, want ErrAttachmentExpired", err)
	}
}

func TestFollowersPaging(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	var want []string
	for i := range 120 {
		id := "u" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		srv.AddUser(testOA, zalotest.User{UserID: id, IsFollower: true})
		want = append(want, id)
	}
	var got []string
	err := c.ForEachFollower(ctx, zalo.FollowersQuery{}, func(id string) error { got = append(got, id); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("followers (-want +got):\n%s", d)
	}
	var offsets []float64
	for _, call := range srv.Calls() {
		if call.Method != "GET" || call.Path != "/v3.0/oa/user/getlist" {
			t.Errorf("call %s %s", call.Method, call.Path)
		}
		var q map[string]any
		if err := json.Unmarshal([]byte(call.Query), &q); err != nil {
			t.Fatalf("data param %q: %v", call.Query, err)
		}
		if q["count"] != float64(50) {
			t.Errorf("count = %v", q["count"])
		}
		offsets = append(offsets, q["offset"].(float64))
	}
	if d := cmp.Diff([]float64{0, 50, 100}, offsets); d != "" {
		t.Errorf("offsets (-want +got):\n%s", d)
	}
	if _, err := c.Followers(ctx, zalo.FollowersQuery{Count: 51}); err == nil {
		t.Error("count 51 accepted")
	}
	yes := true
	srv.AddUser(testOA, zalotest.User{UserID: "tagged", IsFollower: true, Tags: []string{"Phường 1"}})
	p, err := c.Followers(ctx, zalo.FollowersQuery{TagName: "Phường 1", IsFollower: &yes, LastInteractionPeriod: ""})
	if err != nil || p.Total != 1 || len(p.UserIDs) != 1 || p.UserIDs[0] != "tagged" {
		t.Errorf("tag filter = %+v, %v", p, err)
	}
}

func TestUsersTagsOAInfoBroadcast(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	srv.AddUser(testOA, zalotest.User{UserID: "u1", DisplayName: "Nguyễn An", IsFollower: true})
	d, err := c.UserDetail(ctx, "u1")
	if err != nil || d.UserID != "u1" || d.DisplayName != "Nguyễn An" || !d.IsFollower || d.Avatars["240"] == "" {
		t.Errorf("UserDetail = %+v, %v", d, err)
	}
	if _, err := c.UserDetail(ctx, "nobody"); zalo.ClassOf(err) != zalo.ClassPermanent {
		t.Errorf("unknown user: %v", err)
	}
	if err := c.TagFollower(ctx, "u1", "Phường 1"); err != nil {
		t.Fatal(err)
	}
	if err := c.TagFollower(ctx, "u1", "Tổ 5"); err != nil {
		t.Fatal(err)
	}
	if err := c.UntagFollower(ctx, "u1", "Tổ 5"); err != nil {
		t.Fatal(err)
	}
	if got := srv.UserTags(testOA, "u1"); !cmp.Equal(got, []string{"Phường 1"}) {
		t.Errorf("UserTags = %v", got)
	}
	tags, err := c.Tags(ctx)
	if err != nil || !cmp.Equal(tags, []string{"Phường 1", "Tổ 5"}) {
		t.Errorf("Tags = %v, %v", tags, err)
	}
	if err := c.DeleteTag(ctx, "Tổ 5"); err != nil {
		t.Error(err)
	}
	info, err := c.OAInfo(ctx)
	if err != nil || info.OAID != testOA || info.NumFollower != 1 {
		t.Errorf("OAInfo = %+v, %v", info, err)
	}
	id, err := c.Broadcast(ctx, zalo.BroadcastTarget{Cities: []int{4, 9}, Gender: []int{0}}, "article-1")
	if err != nil || id == "" {
		t.Fatalf("Broadcast = %q, %v", id, err)
	}
	calls := srv.Calls()
	last := calls[len(calls)-1]
	var body map[string]any
	json.Unmarshal(last.Body, &body)
	target := body["recipient"].(map[string]any)["target"].(map[string]any)
	if last.Path != "/v2.0/oa/message" || target["cities"] != "4,9" || target["gender"] != "0" {
		t.Errorf("broadcast call %s body %s", last.Path, last.Body)
	}
}

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		code     int
		sentinel error
		class    zalo.Class
		calls    int // calls that reach Zalo with MaxAttempts 3
	}{
		{-32, zalo.ErrRetryable, zalo.ClassRetryable, 3},
		{-200, zalo.ErrRetryable, zalo.ClassRetryable, 2}, // retried once only
		{-230, zalo.ErrOutsideWindow, zalo.ClassOutsideWindow, 1},
		{-232, zalo.ErrOutsideWindow, zalo.ClassOutsideWindow, 1},
		{-213, zalo.ErrRecipientGone, zalo.ClassRecipientGone, 1},
		{-217, zalo.ErrRecipientGone, zalo.ClassRecipientGone, 1},
		{-227, zalo.ErrRecipientGone, zalo.ClassRecipientGone, 1},
		{-244, zalo.ErrRecipientGone, zalo.ClassRecipientGone, 1},
		{-100, zalo.ErrAttachmentExpired, zalo.ClassAttachmentExpired, 1},
		{-201, zalo.ErrPermanent, zalo.ClassPermanent, 1},
		{-211, zalo.ErrPermanent, zalo.ClassPermanent, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_%v", tt.code, tt.class), func(t *testing.T) {
			c, srv := setup(t)
			srv.FailNext(10, tt.code, "/v3.0/oa/message/cs")
			_, err := c.SendText(context.Background(), "u", "hi")
			if !errors.Is(err, tt.sentinel) || zalo.ClassOf(err) != tt.class {
				t.Errorf("err = %v (class %v), want %v", err, zalo.ClassOf(err), tt.class)
			}
			var ae *zalo.APIError
			if !errors.As(err, &ae) || ae.Code != tt.code || ae.Endpoint != "/v3.0/oa/message/cs" {
				t.Errorf("APIError = %+v", ae)
			}
			if n := len(srv.Calls()); n != tt.calls {
				t.Errorf("%d calls, want %d", n, tt.calls)
			}
		})
	}
}

func TestRetryRecovers(t *testing.T) {
	c, srv := setup(t)
	srv.FailNext(2, -32, "")
	if _, err := c.SendText(context.Background(), "u", "hi"); err != nil {
		t.Fatalf("after 2 rate limits: %v", err)
	}
	srv.FailNextHTTP(1, http.StatusBadGateway, "")
	if _, err := c.SendText(context.Background(), "u", "hi"); err != nil {
		t.Fatalf("after a 502: %v", err)
	}
	calls := srv.Calls()
	if len(calls) != 5 || len(srv.Sent()) != 2 {
		t.Errorf("%d calls, %d sent; want 5, 2", len(calls), len(srv.Sent()))
	}
	srv.FailNextHTTP(3, http.StatusServiceUnavailable, "")
	_, err := c.SendText(context.Background(), "u", "hi")
	var ae *zalo.APIError
	if !errors.Is(err, zalo.ErrRetryable) || !errors.As(err, &ae) || ae.HTTPStatus != 503 {
		t.Errorf("3×503: %v", err)
	}
}

func TestRetryRespectsContext(t *testing.T) {
	c, srv := setup(t, zalo.WithRetry(zalo.RetryPolicy{MaxAttempts: 5, BaseDelay: 10 * time.Second, MaxDelay: 10 * time.Second}))
	srv.FailNext(10, -32, "")
	// Make the jittered delay non-trivial: retry until the first wait is long enough to
	// notice, bounded by the context anyway.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	var err error
	for i := 0; i < 20 && ctx.Err() == nil; i++ {
		_, err = c.SendText(ctx, "u", "hi")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v with a 100ms context", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, zalo.ErrRetryable) {
		t.Errorf("err = %v", err)
	}
}

func TestTransportErrorRetryable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // connection refused from now on
	c, err := zalo.NewClient(zalo.WithAPIBase(url), zalo.WithAccessToken("secret-token-xyz"), zalo.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UserDetail(context.Background(), "u1")
	var te *zalo.TransportError
	if !errors.As(err, &te) || !errors.Is(err, zalo.ErrRetryable) {
		t.Errorf("err = %v, want retryable TransportError", err)
	}
	if strings.Contains(err.Error(), "secret-token-xyz") || strings.Contains(err.Error(), "user_id") {
		t.Errorf("error leaks request details: %v", err)
	}
}

// TestHeadersAndQuery checks the raw HTTP shape with a plain handler, independent of the fake.
func TestHeadersAndQuery(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Clone(context.Background()))
		mu.Unlock()
		w.Write([]byte(`{"error":0,"message":"Success","data":{"user_id":"u1","display_name":"A","message_id":"m1"}}`))
	}))
	defer ts.Close()
	c, err := zalo.NewClient(zalo.WithAPIBase(ts.URL+"/"), zalo.WithAccessToken("AT"), zalo.WithAppSecretProof("S"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.UserDetail(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendText(ctx, "u1", "hi"); err != nil {
		t.Fatal(err)
	}
	r := got[0]
	if r.Method != "GET" || r.URL.Path != "/v3.0/oa/user/detail" || r.URL.Query().Get("data") != `{"user_id":"u1"}` {
		t.Errorf("detail request %s %s", r.Method, r.URL)
	}
	for _, r := range got {
		// python3 -c "import hmac,hashlib;print(hmac.new(b'S',b'AT',hashlib.sha256).hexdigest())"
		const proof = "526b2bb85019c35c75aacab092149e6611f48a8b01e8e1506ada1cc869388edc"
		if r.Header.Get("access_token") != "AT" || r.Header.Get("Authorization") != "" || r.Header.Get("appsecret_proof") != proof {
			t.Errorf("headers %v", r.Header)
		}
	}
	if got[1].Method != "POST" || got[1].URL.Path != "/v3.0/oa/message/cs" || got[1].Header.Get("Content-Type") != "application/json" {
		t.Errorf("send request %s %s %v", got[1].Method, got[1].URL, got[1].Header)
	}
}

func TestHTTP200WithNegativeError(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"error":-224,"message":"The OA needs to upgrade OA Tier Package"}`))
	}))
	defer ts.Close()
	c, _ := zalo.NewClient(zalo.WithAPIBase(ts.URL), zalo.WithAccessToken("AT"))
	_, err := c.OAInfo(context.Background())
	var ae *zalo.APIError
	if !errors.As(err, &ae) || ae.Code != -224 || ae.HTTPStatus != 200 || !errors.Is(err, zalo.ErrPermanent) {
		t.Errorf("err = %#v", err)
	}
}

func TestNewClientOptions(t *testing.T) {
	if _, err := zalo.NewClient(); err == nil {
		t.Error("no token provider accepted")
	}
	if _, err := zalo.NewClient(zalo.WithAccessToken("x"), zalo.WithAPIBase("ftp://x")); err == nil {
		t.Error("bad base accepted")
	}
	if _, err := zalo.NewClient(zalo.WithAccessToken("x"), zalo.WithRetry(zalo.RetryPolicy{})); err == nil {
		t.Error("zero retry policy accepted")
	}
}

func TestInProcessTransport(t *testing.T) {
	srv := zalotest.New()
	srv.AddOA(testOA, testToken)
	var seen []zalotest.Sent
	srv.OnSend(func(s zalotest.Sent) { seen = append(seen, s) })
	c, err := zalo.NewClient(zalo.WithAPIBase(zalotest.BaseURL), zalo.WithHTTPClient(srv.HTTPClient()), zalo.WithAccessToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendText(context.Background(), "u9", "chào"); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].UserID != "u9" || seen[0].Message.Text != "chào" {
		t.Errorf("OnSend saw %+v", seen)
	}
}

// TokenOA learns a token's OA from Zalo (getoa), not from anything the caller says.
func TestTokenOA(t *testing.T) {
	srv := zalotest.New()
	srv.AddOA(testOA, testToken)
	other := srv.IssuePair("app", "999000111222333444")
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ctx := context.Background()
	opts := []zalo.Option{zalo.WithAPIBase(ts.URL), zalo.WithRetry(fastRetry)}
	for _, tt := range []struct{ name, token, want string }{
		{"the OA's token", testToken, testOA},
		{"another OA's token", other.AccessToken, "999000111222333444"},
	} {
		info, err := zalo.TokenOA(ctx, tt.token, opts...)
		if err != nil || info.OAID != tt.want {
			t.Errorf("%s: TokenOA = %+v, %v, want oa_id %s", tt.name, info, err, tt.want)
		}
	}
	if _, err := zalo.TokenOA(ctx, "unknown", opts...); zalo.ClassOf(err) != zalo.ClassToken {
		t.Errorf("unknown token: err = %v, want a token error", err)
	}
	if _, err := zalo.TokenOA(ctx, "", opts...); err == nil {
		t.Error("empty token accepted")
	}
	noID := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"error":0,"message":"Success","data":{"name":"x"}}`))
	}))
	t.Cleanup(noID.Close)
	var ae *zalo.APIError
	if _, err := zalo.TokenOA(ctx, "AT", zalo.WithAPIBase(noID.URL)); !errors.As(err, &ae) {
		t.Errorf("answer without oa_id: err = %v, want an APIError", err)
	}
}
