package zalo

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxResponseBytes bounds what the client reads from one Zalo answer [I].
const maxResponseBytes = 4 << 20

// request is one API call; body is rebuilt from bytes on every attempt.
type request struct {
	method      string
	path        string // e.g. "/v3.0/oa/message/cs"
	query       url.Values
	body        []byte
	contentType string
}

// getRequest builds a GET with the one URL-encoded JSON parameter "data" (zalo-oa.md §0).
func getRequest(path string, data any) (request, error) {
	r := request{method: http.MethodGet, path: path}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return r, err
		}
		r.query = url.Values{"data": {string(b)}}
	}
	return r, nil
}

func postJSON(path string, body any) (request, error) {
	b, err := json.Marshal(body)
	return request{method: http.MethodPost, path: path, body: b, contentType: "application/json"}, err
}

// do runs req with the access token, refreshing once after -216/-220 (zalo-oa.md §4) and
// retrying retryable failures per c.retry (§2.6). The "data" member of a successful answer
// is decoded into out when out is not nil.
func (c *Client) do(ctx context.Context, req request, out any) error {
	token, err := c.tokens.AccessToken(ctx)
	if err != nil {
		return fmt.Errorf("zalo %s: access token: %w", req.path, err)
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		data, err := c.once(ctx, req, token)
		if err == nil {
			if out == nil || len(data) == 0 {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return &APIError{Endpoint: req.path, HTTPStatus: http.StatusOK, Message: "unexpected data: " + err.Error()}
			}
			return nil
		}
		class := ClassOf(err)
		if class == ClassToken && !refreshed {
			refreshed = true
			fresh, err2 := c.tokens.RefreshAfterReject(ctx, token)
			if err2 != nil {
				return fmt.Errorf("%w (token refresh: %w)", err, err2)
			}
			token = fresh
			attempt-- // the retry after a refresh does not use up the retry budget
			continue
		}
		if class != ClassRetryable || attempt >= c.retry.MaxAttempts {
			return err
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Code == -200 && attempt >= 2 {
			return err // "Send message failed": retry once, then give up (§2.6)
		}
		if err := Sleep(ctx, c.retry.delay(attempt)); err != nil {
			return fmt.Errorf("%w (retry cancelled: %w)", err, ctx.Err())
		}
	}
}

// Sleep waits d, or returns ctx's error as soon as ctx is done. Zalo retries, token-lock
// polling and campaign pacing (bot/broadcast, the rate limiters) all wait through it.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once sends one attempt and returns the "data" member, or the failure.
func (c *Client) once(ctx context.Context, req request, token string) (json.RawMessage, error) {
	u := c.apiBase + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("zalo %s: %w", req.path, err)
	}
	hr.Header.Set("access_token", token) // a bare header, not Authorization (§0)
	if c.appSecret != "" {
		hr.Header.Set("appsecret_proof", appSecretProof(c.appSecret, token))
	}
	if req.contentType != "" {
		hr.Header.Set("Content-Type", req.contentType)
	}
	resp, err := c.hc.Do(hr)
	if err != nil {
		return nil, transportError(req.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, transportError(req.path, err)
	}
	return checkResponse(req.path, resp.StatusCode, raw)
}

// transportError drops the URL from *url.Error (it may carry ids in "data") and wraps.
func transportError(path string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &TransportError{Endpoint: path, Err: err}
}

// checkResponse reads Zalo's envelope {error, message, data}: failures come back as HTTP 200
// with error != 0 (zalo-oa.md §2.2, §9).
func checkResponse(path string, status int, raw []byte) (json.RawMessage, error) {
	o, ok := parseObj(raw)
	code := 0
	msg := ""
	if ok {
		code, _ = strconv.Atoi(o.str("error"))
		msg = firstNonEmpty(o.str("message"), joinNonEmpty(o.str("error_name"), o.str("error_reason")), o.str("error_description"))
	}
	if code != 0 {
		return nil, &APIError{Code: code, Message: msg, Endpoint: path, HTTPStatus: status}
	}
	if status != http.StatusOK {
		if msg == "" {
			msg = http.StatusText(status)
		}
		return nil, &APIError{Message: msg, Endpoint: path, HTTPStatus: status}
	}
	if !ok {
		return nil, &APIError{Message: "response is not a JSON object", Endpoint: path, HTTPStatus: status}
	}
	return o.get("data"), nil
}

// appSecretProof is hex(HMAC-SHA256(key=appSecret, msg=accessToken)) (zalo-oa.md §4).
func appSecretProof(appSecret, accessToken string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(accessToken))
	return hex.EncodeToString(m.Sum(nil))
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}
