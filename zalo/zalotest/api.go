package zalotest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/oabot/oabot/zalo"
)

// Paths the fake serves (zalo-oa.md §0).
const (
	pathSend        = "/v3.0/oa/message/cs"
	pathV2Message   = "/v2.0/oa/message"
	pathUploadImage = "/v2.0/oa/upload/image"
	pathUploadGIF   = "/v2.0/oa/upload/gif"
	pathUploadFile  = "/v2.0/oa/upload/file"
	pathUserDetail  = "/v3.0/oa/user/detail"
	pathGetList     = "/v3.0/oa/user/getlist"
	pathGetOA       = "/v2.0/oa/getoa"
	pathTags        = "/v2.0/oa/tag/gettagsofoa"
	pathTagFollower = "/v2.0/oa/tag/tagfollower"
	pathUntag       = "/v2.0/oa/tag/rmfollowerfromtag"
	pathRmTag       = "/v2.0/oa/tag/rmtag"
	pathOAuthToken  = "/v4/oa/access_token"
	pathPermission  = "/v4/oa/permission"
)

// maxBody bounds a request body read by the fake.
const maxBody = 16 << 20

// apiReq is one authenticated API request being handled (s.mu held).
type apiReq struct {
	r    *http.Request
	body []byte
	oaID string
	call *Call
}

// result is what a handler answers: data on success, or a Zalo error code and message.
type result struct {
	data   any
	code   int
	msg    string
	onSend *Sent
}

func refuse(code int, msg string) result { return result{code: code, msg: msg} }

type route struct {
	method  string
	handler func(s *Server, q *apiReq) result
}

var routes = map[string]route{
	pathSend:        {http.MethodPost, (*Server).handleSend},
	pathV2Message:   {http.MethodPost, (*Server).handleV2Message},
	pathUploadImage: {http.MethodPost, (*Server).handleUploadImage},
	pathUploadGIF:   {http.MethodPost, (*Server).handleUploadGIF},
	pathUploadFile:  {http.MethodPost, (*Server).handleUploadFile},
	pathUserDetail:  {http.MethodGet, (*Server).handleUserDetail},
	pathGetList:     {http.MethodGet, (*Server).handleGetList},
	pathGetOA:       {http.MethodGet, (*Server).handleGetOA},
	pathTags:        {http.MethodGet, (*Server).handleTags},
	pathTagFollower: {http.MethodPost, (*Server).handleTagFollower},
	pathUntag:       {http.MethodPost, (*Server).handleUntag},
	pathRmTag:       {http.MethodPost, (*Server).handleRmTag},
}

// ServeHTTP serves the Zalo OA API and OAuth v4 endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case pathOAuthToken:
		s.serveOAuthToken(w, r)
		return
	case pathPermission:
		s.servePermission(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	s.mu.Lock()
	call := Call{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), At: s.now()}
	if !strings.HasPrefix(call.ContentType, "multipart/") {
		call.Body = body
	}
	if d := r.URL.Query().Get("data"); d != "" {
		call.Query = d
	}
	status, res := s.dispatch(r, body, &call)
	call.HTTPStatus = status
	call.Code, call.Refusal = res.code, res.msg
	if res.code != 0 && call.Refusal == "" {
		call.Refusal = "error"
	}
	s.seq++
	call.Seq = s.seq
	s.calls = append(s.calls, call)
	onSend := s.onSend
	s.mu.Unlock()

	if status != http.StatusOK {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		io.WriteString(w, "<html><body>"+http.StatusText(status)+"</body></html>")
		return
	}
	if res.code != 0 {
		writeJSON(w, map[string]any{"error": res.code, "message": res.msg})
		return
	}
	out := map[string]any{"error": 0, "message": "Success"}
	if res.data != nil {
		out["data"] = res.data
	}
	writeJSON(w, out)
	if res.onSend != nil && onSend != nil {
		sent := *res.onSend
		sent.Seq = call.Seq
		onSend(sent)
	}
}

// dispatch checks path, method, token and injected failures, then runs the handler.
func (s *Server) dispatch(r *http.Request, body []byte, call *Call) (int, result) {
	rt, ok := routes[r.URL.Path]
	if !ok {
		return http.StatusNotFound, refuse(0, "unknown path")
	}
	if r.Method != rt.method {
		return http.StatusMethodNotAllowed, refuse(0, "method "+r.Method+" not allowed")
	}
	if r.Header.Get("Authorization") != "" && r.Header.Get("access_token") == "" {
		return http.StatusOK, refuse(-216, "Access token is invalid (Zalo wants the access_token header, not Authorization)")
	}
	tok := r.Header.Get("access_token")
	if tok == "" {
		return http.StatusOK, refuse(-216, "Access token is invalid (missing access_token header)")
	}
	at, ok := s.tokens[tok]
	if !ok {
		return http.StatusOK, refuse(-216, "Access token is invalid")
	}
	call.OAID = at.oaID
	if at.revoked != 0 {
		return http.StatusOK, refuse(at.revoked, "Access token is invalid")
	}
	if !at.expires.IsZero() && !s.now().Before(at.expires) {
		return http.StatusOK, refuse(-220, "access_token is expired or removed")
	}
	if f := s.takeFailure(r.URL.Path); f != nil {
		if f.httpStatus != 0 {
			return f.httpStatus, refuse(0, "injected http failure")
		}
		return http.StatusOK, refuse(f.code, f.message)
	}
	return http.StatusOK, rt.handler(s, &apiReq{r: r, body: body, oaID: at.oaID, call: call})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

// decodeObject decodes a JSON object keeping numbers as json.Number.
func decodeObject(b []byte) (map[string]any, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	if d.More() {
		return nil, false
	}
	return m, true
}

func isJSON(ct string) bool { return strings.Contains(strings.ToLower(ct), "application/json") }

func (s *Server) handleSend(q *apiReq) result {
	if !isJSON(q.r.Header.Get("Content-Type")) {
		return refuse(-201, "Content-Type must be application/json")
	}
	userID, msg, code, reason := s.checkSend(q.body)
	q.call.UserID = userID
	q.call.Message = msg
	if code != 0 {
		return refuse(code, reason)
	}
	if c, ok := s.refused[[2]string{q.oaID, userID}]; ok {
		return refuse(c, refusalText(c))
	}
	id := s.newID("m")
	q.call.MessageID = id
	return result{
		data:   map[string]any{"message_id": id, "user_id": userID},
		onSend: &Sent{At: q.call.At, OAID: q.oaID, UserID: userID, MessageID: id, Message: *msg},
	}
}

// refusalText gives Zalo's wording for the recipient/window codes (zalo-oa.md §2.6).
func refusalText(code int) string {
	switch code {
	case -213:
		return "User has not followed OA"
	case -217:
		return "User has blocked invitation from OA"
	case -227:
		return "User is banned or inactive more than 45 days"
	case -230:
		return "User has not interacted with the OA in the past 7 days"
	case -232:
		return "User has not interacted with the OA, or the last interaction expired"
	case -244:
		return "User has restricted this message type from your OA"
	}
	return "refused"
}

func (s *Server) handleV2Message(q *apiReq) result {
	m, ok := decodeObject(q.body)
	if !ok {
		return refuse(-201, "body is invalid")
	}
	rcp, _ := m["recipient"].(map[string]any)
	if _, ok := rcp["user_id"]; ok {
		return refuse(-240, "MessageV2 API has been shut down, please switch to MessageV3")
	}
	target, ok := rcp["target"].(map[string]any)
	if !ok {
		return refuse(-201, "recipient is invalid!")
	}
	for k := range target {
		switch k {
		case "ages", "gender", "locations", "cities", "platform", "telcos":
		default:
			return refuse(-201, "target."+k+" is invalid!")
		}
	}
	el := firstElement(m)
	if el == nil || el["media_type"] != "article" || str(el["attachment_id"]) == "" {
		return refuse(-201, "broadcast needs one article element (media_type article, attachment_id)")
	}
	id := s.newID("b")
	q.call.MessageID = id
	return result{data: map[string]any{"message_id": id}}
}

func firstElement(m map[string]any) map[string]any {
	msg, _ := m["message"].(map[string]any)
	att, _ := msg["attachment"].(map[string]any)
	p, _ := att["payload"].(map[string]any)
	els, _ := p["elements"].([]any)
	if att["type"] != "template" || p["template_type"] != "media" || len(els) != 1 {
		return nil
	}
	el, _ := els[0].(map[string]any)
	return el
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	}
	return ""
}

// dataParam decodes the URL-encoded JSON "data" parameter of GET calls (zalo-oa.md §0).
func dataParam(r *http.Request) (map[string]any, bool) {
	d := r.URL.Query().Get("data")
	if d == "" {
		return nil, false
	}
	return decodeObject([]byte(d))
}

func (s *Server) handleUserDetail(q *apiReq) result {
	d, ok := dataParam(q.r)
	if !ok {
		return refuse(-201, "data is invalid")
	}
	uid := str(d["user_id"])
	q.call.UserID = uid
	u := s.users[q.oaID][uid]
	if uid == "" || u == nil {
		return refuse(-201, "user_id is invalid!")
	}
	tags := append([]string{}, u.Tags...)
	sort.Strings(tags)
	last := ""
	if !u.LastInteraction.IsZero() {
		last = u.LastInteraction.Format("02/01/2006")
	}
	return result{data: map[string]any{
		"user_id": u.UserID, "user_id_by_app": "app-" + u.UserID, "display_name": u.DisplayName,
		"user_is_follower": u.IsFollower, "user_last_interaction_date": last,
		"avatar": "https://s120-ava-talk.zadn.vn/fake/" + u.UserID + ".jpg",
		"avatars": map[string]string{"120": "https://s120-ava-talk.zadn.vn/fake/" + u.UserID + ".jpg",
			"240": "https://s240-ava-talk.zadn.vn/fake/" + u.UserID + ".jpg"},
		"tags_and_notes_info": map[string]any{"tag_names": tags, "notes": []string{}},
	}}
}

func (s *Server) handleGetList(q *apiReq) result {
	d, ok := dataParam(q.r)
	if !ok {
		return refuse(-201, "data is invalid")
	}
	offset, okO := intParam(d["offset"])
	count, okC := intParam(d["count"])
	if !okO || offset < 0 || offset > zalo.MaxFollowersOffset {
		return refuse(-201, "offset is invalid!")
	}
	if !okC || count < 1 || count > zalo.MaxFollowersPerPage {
		return refuse(-201, "count is invalid!")
	}
	tag := str(d["tag_name"])
	period := str(d["last_interaction_period"])
	since, until, ok := s.periodRange(period)
	if !ok {
		return refuse(-201, "last_interaction_period is invalid!")
	}
	var ids []string
	for id, u := range s.users[q.oaID] {
		if f, ok := d["is_follower"].(bool); ok && u.IsFollower != f {
			continue
		}
		if tag != "" && !contains(u.Tags, tag) {
			continue
		}
		if period != "" && (u.LastInteraction.Before(since) || !u.LastInteraction.Before(until)) {
			continue
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	total := len(ids)
	page := []map[string]string{}
	for i := offset; i < total && len(page) < count; i++ {
		page = append(page, map[string]string{"user_id": ids[i]})
	}
	return result{data: map[string]any{"total": total, "count": len(page), "offset": offset, "users": page}}
}

func intParam(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return int(i), err == nil
}

// periodRange turns last_interaction_period into [since, until) (zalo-oa.md §7).
func (s *Server) periodRange(p string) (time.Time, time.Time, bool) {
	now := s.now()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	far := now.Add(time.Hour)
	switch p {
	case "":
		return time.Time{}, far, true
	case "TODAY":
		return day, far, true
	case "YESTERDAY":
		return day.AddDate(0, 0, -1), day, true
	case "L7D":
		return day.AddDate(0, 0, -7), far, true
	case "L30D":
		return day.AddDate(0, 0, -30), far, true
	}
	from, to, ok := strings.Cut(p, ":")
	a, err1 := time.ParseInLocation("2006_01_02", from, now.Location())
	b, err2 := time.ParseInLocation("2006_01_02", to, now.Location())
	if !ok || err1 != nil || err2 != nil || b.Before(a) {
		return time.Time{}, time.Time{}, false
	}
	return a, b.AddDate(0, 0, 1), true
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) handleGetOA(q *apiReq) result {
	n := 0
	for _, u := range s.users[q.oaID] {
		if u.IsFollower {
			n++
		}
	}
	return result{data: map[string]any{"oa_id": q.oaID, "name": s.oas[q.oaID], "description": "fake OA",
		"is_verified": true, "num_follower": n, "package_name": "fake"}}
}

func (s *Server) handleTags(q *apiReq) result {
	tags := []string{}
	for t := range s.tags[q.oaID] {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return result{data: tags}
}

func (s *Server) tagBody(q *apiReq, needUser bool) (string, string, *result) {
	if !isJSON(q.r.Header.Get("Content-Type")) {
		r := refuse(-201, "Content-Type must be application/json")
		return "", "", &r
	}
	m, ok := decodeObject(q.body)
	if !ok {
		r := refuse(-201, "body is invalid")
		return "", "", &r
	}
	uid, tag := str(m["user_id"]), str(m["tag_name"])
	q.call.UserID = uid
	if tag == "" {
		r := refuse(-201, "tag_name is invalid!")
		return "", "", &r
	}
	if needUser && (uid == "" || s.users[q.oaID][uid] == nil) {
		r := refuse(-201, "user_id is invalid!")
		return "", "", &r
	}
	return uid, tag, nil
}

func (s *Server) handleTagFollower(q *apiReq) result {
	uid, tag, bad := s.tagBody(q, true)
	if bad != nil {
		return *bad
	}
	u := s.users[q.oaID][uid]
	if !contains(u.Tags, tag) {
		u.Tags = append(u.Tags, tag)
	}
	s.tagSetLocked(q.oaID)[tag] = true
	return result{}
}

func (s *Server) handleUntag(q *apiReq) result {
	uid, tag, bad := s.tagBody(q, true)
	if bad != nil {
		return *bad
	}
	u := s.users[q.oaID][uid]
	u.Tags = removeString(u.Tags, tag)
	return result{}
}

func (s *Server) handleRmTag(q *apiReq) result {
	_, tag, bad := s.tagBody(q, false)
	if bad != nil {
		return *bad
	}
	if !s.tags[q.oaID][tag] {
		return refuse(-201, "tag_name is invalid!")
	}
	delete(s.tags[q.oaID], tag)
	for _, u := range s.users[q.oaID] {
		u.Tags = removeString(u.Tags, tag)
	}
	return result{}
}

func removeString(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// redirectWith appends query parameters to a URL.
func redirectWith(base string, q url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	old := u.Query()
	for k, v := range q {
		old[k] = v
	}
	u.RawQuery = old.Encode()
	return u.String()
}
