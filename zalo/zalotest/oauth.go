package zalotest

import (
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oabot/oabot/zalo"
)

// serveOAuthToken implements POST /v4/oa/access_token (zalo-oa.md §4): header secret_key,
// form app_id + grant_type (refresh_token | authorization_code). Answers are top-level
// {access_token, refresh_token, expires_in} with expires_in as a string.
func (s *Server) serveOAuthToken(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	s.mu.Lock()
	call := Call{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), At: s.now(), HTTPStatus: http.StatusOK}
	out, code, name := s.oauthToken(r, body, &call)
	call.Code, call.Refusal = code, name
	s.seq++
	call.Seq = s.seq
	s.calls = append(s.calls, call)
	s.mu.Unlock()
	if code != 0 {
		writeJSON(w, map[string]any{"error": code, "error_name": name, "error_reason": name, "ref_doc": "fake"})
		return
	}
	writeJSON(w, out)
}

func (s *Server) oauthToken(r *http.Request, body []byte, call *Call) (map[string]any, int, string) {
	if r.Method != http.MethodPost {
		return nil, -14001, "method must be POST"
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return nil, -14001, "Content-Type must be application/x-www-form-urlencoded"
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, -14001, "body is invalid"
	}
	appID := form.Get("app_id")
	secret, ok := s.apps[appID]
	if !ok {
		return nil, -14002, "Invalid appId"
	}
	grant := form.Get("grant_type")
	if grant == "refresh_token" {
		// Count every refresh request that names a known app, before any other check, so
		// tests see the requests that reached Zalo.
		if rt := s.refresh[form.Get("refresh_token")]; rt != nil {
			call.OAID = rt.oaID
		}
		s.refreshes[call.OAID]++
	}
	if r.Header.Get("secret_key") != secret {
		return nil, -14001, "Invalid secret key"
	}
	if f := s.takeFailure(r.URL.Path); f != nil {
		if f.code == 0 {
			f.code = -14001
		}
		return nil, f.code, "injected failure"
	}
	var pair zalo.TokenPair
	switch grant {
	case "refresh_token":
		rt := s.refresh[form.Get("refresh_token")]
		if rt == nil || rt.used || rt.appID != appID {
			return nil, -14014, "Invalid refresh token"
		}
		rt.used = true // single use (zalo-oa.md §4)
		pair = s.issueLocked(appID, rt.oaID)
	case "authorization_code":
		c := s.codes[form.Get("code")]
		if c == nil || c.used || c.appID != appID || s.now().After(c.expires) {
			return nil, -14019, "Invalid authorization code"
		}
		c.used = true
		if c.challenge != "" && zalo.CodeChallenge(form.Get("code_verifier")) != c.challenge {
			return nil, -14020, "Invalid code verifier"
		}
		call.OAID = c.oaID
		pair = s.issueLocked(appID, c.oaID)
	default:
		return nil, -14001, "grant_type is invalid"
	}
	return map[string]any{
		"access_token":  pair.AccessToken,
		"refresh_token": pair.RefreshToken,
		"expires_in":    strconv.Itoa(int(s.tokenLife / time.Second)),
	}, 0, ""
}

// servePermission implements the consent page GET /v4/oa/permission (zalo-oa.md §4 step 2)
// by approving at once: it redirects to redirect_uri with code, oa_id and state. The OA is
// the query's oa_id (a fake-only parameter) or else the first registered OA.
func (s *Server) servePermission(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	call := Call{Method: r.Method, Path: r.URL.Path, At: s.now(), HTTPStatus: http.StatusFound}
	appID, redirect := q.Get("app_id"), q.Get("redirect_uri")
	oaID := q.Get("oa_id")
	if oaID == "" {
		var ids []string
		for id := range s.oas {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		if len(ids) > 0 {
			oaID = ids[0]
		}
	}
	_, appOK := s.apps[appID]
	u, err := url.Parse(redirect)
	var code string
	switch {
	case !appOK:
		call.Code, call.Refusal = -14002, "Invalid appId"
	case err != nil || u.Host == "":
		call.Code, call.Refusal = -14003, "Invalid redirect uri"
	case oaID == "":
		call.Code, call.Refusal = -14002, "no OA to authorise"
	default:
		code = s.newID("code")
		s.codes[code] = &authCode{appID: appID, oaID: oaID, challenge: q.Get("code_challenge"),
			redirect: redirect, expires: s.now().Add(10 * time.Minute)}
		call.OAID = oaID
	}
	if call.Code != 0 {
		call.HTTPStatus = http.StatusOK
	}
	s.seq++
	call.Seq = s.seq
	s.calls = append(s.calls, call)
	s.mu.Unlock()
	if call.Code != 0 {
		writeJSON(w, map[string]any{"error": call.Code, "error_name": call.Refusal})
		return
	}
	v := url.Values{"code": {code}, "oa_id": {oaID}}
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	if cc := q.Get("code_challenge"); cc != "" {
		v.Set("code_challenge", cc)
	}
	http.Redirect(w, r, redirectWith(redirect, v), http.StatusFound)
}
