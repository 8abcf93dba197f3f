package metrics

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// maxInspect is how much of a Zalo response body RoundTripper reads to find the error
// code. Zalo's JSON answers are small; a larger body is passed on untouched after it.
const maxInspect = 64 << 10

// endpointRE accepts Zalo API paths (/v3.0/oa/message/cs, /v2.0/oa/upload/image,
// /v4/oa/access_token, …). Anything else is labelled "other" so the label stays bounded.
var endpointRE = regexp.MustCompile(`^/v[0-9.]+/oa/[a-z_]+(/[a-z_]+)?$`)

// RoundTripper returns an http.RoundTripper for the Zalo client (zalo.WithHTTPClient) that
// records every call: endpoint path, latency and result code. Zalo reports failures as
// HTTP 200 with a non-zero "error" field (zalo-oa.md §2.2), so the body is peeked at and
// handed on unchanged. next == nil means http.DefaultTransport.
func (m *Metrics) RoundTripper(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &roundTripper{m: m, next: next}
}

type roundTripper struct {
	m    *Metrics
	next http.RoundTripper
}

func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	endpoint := Endpoint(req.URL.Path)
	resp, err := rt.next.RoundTrip(req)
	if err != nil {
		rt.m.ZaloCall(endpoint, "network", time.Since(start))
		return resp, err
	}
	code := "http_" + strconv.Itoa(resp.StatusCode)
	if resp.StatusCode == http.StatusOK {
		code = peekErrorCode(resp)
	}
	rt.m.ZaloCall(endpoint, code, time.Since(start))
	return resp, nil
}

// Endpoint maps a request path to its endpoint label.
func Endpoint(path string) string {
	if endpointRE.MatchString(path) {
		return path
	}
	return "other"
}

// peekErrorCode reads the start of a JSON body for Zalo's "error" field and restores the
// body for the client. A body without the field (OAuth token answers) counts as "0".
func peekErrorCode(resp *http.Response) string {
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxInspect))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	if err != nil {
		return "network"
	}
	var v struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(head, &v) != nil {
		return "0" // not JSON (or larger than maxInspect): nothing to classify
	}
	raw := bytes.Trim(v.Error, `"`)
	if len(raw) == 0 {
		return "0"
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return "invalid" // e.g. an OAuth error name; bounded to one label value
	}
	return strconv.Itoa(n)
}
