package zalo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// UserDetail is the answer of GET /v3.0/oa/user/detail (zalo-oa.md §7). It carries personal
// data: never log it.
type UserDetail struct {
	UserID          string
	UserIDByApp     string
	UserExternalID  string
	DisplayName     string
	UserAlias       string
	IsFollower      bool
	IsSensitive     bool
	LastInteraction string // user_last_interaction_date, "DD/MM/YYYY"
	Avatar          string
	// Avatars are avatars{"120","240"} by size.
	Avatars map[string]string
	// DynamicParam is dynamic_param (meaning unknown, §6 [?]).
	DynamicParam string
	TagNames     []string
	// SharedInfo is shared_info, filled after request_user_info.
	SharedInfo SubmittedInfo
	// Raw is the "data" object as sent.
	Raw json.RawMessage
}

// UserDetail returns a user's profile: GET /v3.0/oa/user/detail?data={"user_id":…}
// (zalo-oa.md §7).
//
// Zalo API docs: shape from production integrations (zalo-oa.md §7, §11).
func (c *Client) UserDetail(ctx context.Context, userID string) (UserDetail, error) {
	if userID == "" {
		return UserDetail{}, errors.New("zalo user detail: empty user_id")
	}
	req, err := getRequest("/v3.0/oa/user/detail", map[string]string{"user_id": userID})
	if err != nil {
		return UserDetail{}, err
	}
	var data json.RawMessage
	if err := c.do(ctx, req, &data); err != nil {
		return UserDetail{}, err
	}
	o, _ := parseObj(data)
	d := UserDetail{
		UserID:          o.str("user_id"),
		UserIDByApp:     o.str("user_id_by_app"),
		UserExternalID:  o.str("user_external_id"),
		DisplayName:     o.str("display_name"),
		UserAlias:       o.str("user_alias"),
		IsFollower:      rawBool(o.get("user_is_follower")),
		IsSensitive:     rawBool(o.get("is_sensitive")),
		LastInteraction: o.str("user_last_interaction_date"),
		Avatar:          o.str("avatar"),
		DynamicParam:    o.str("dynamic_param"),
		TagNames:        o.obj("tags_and_notes_info").strings("tag_names"),
		Raw:             data,
	}
	if av := o.obj("avatars"); av != nil {
		d.Avatars = map[string]string{}
		for _, m := range av { // in order: a repeated key keeps its last value
			d.Avatars[rawString(m.key)] = rawString(m.v)
		}
	}
	si := o.obj("shared_info")
	d.SharedInfo = SubmittedInfo{Name: si.str("name"), Phone: si.str("phone"), Address: si.str("address"),
		City: si.str("city"), District: si.str("district"), Ward: si.str("ward")}
	return d, nil
}

func rawBool(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	return rawString(raw) == "1" || rawString(raw) == "true"
}

// FollowersQuery selects a page of GET /v3.0/oa/user/getlist (zalo-oa.md §7).
type FollowersQuery struct {
	// Offset is the first row (≤ MaxFollowersOffset, [S] 9951).
	Offset int
	// Count is the page size, 1..MaxFollowersPerPage (0 means MaxFollowersPerPage).
	Count int
	// TagName filters by tag (optional).
	TagName string
	// LastInteractionPeriod filters by last interaction: "TODAY", "YESTERDAY", "L7D",
	// "L30D" or "YYYY_MM_DD:YYYY_MM_DD" (optional).
	LastInteractionPeriod string
	// IsFollower filters followers (true) / non-followers (false); nil means no filter.
	IsFollower *bool
}

// FollowersPage is one page of user ids.
type FollowersPage struct {
	Total, Count, Offset int
	UserIDs              []string
}

// Followers returns one page of users: GET /v3.0/oa/user/getlist?data={offset,count,…}
// with count ≤ 50 (zalo-oa.md §7).
//
// Zalo API docs: shape from production integrations (zalo-oa.md §7, §11).
func (c *Client) Followers(ctx context.Context, q FollowersQuery) (FollowersPage, error) {
	if q.Count == 0 {
		q.Count = MaxFollowersPerPage
	}
	if q.Count < 1 || q.Count > MaxFollowersPerPage || q.Offset < 0 || q.Offset > MaxFollowersOffset {
		return FollowersPage{}, fmt.Errorf("zalo getlist: offset %d / count %d out of range (count 1..%d, offset ≤ %d)",
			q.Offset, q.Count, MaxFollowersPerPage, MaxFollowersOffset)
	}
	data := map[string]any{"offset": q.Offset, "count": q.Count}
	if q.TagName != "" {
		data["tag_name"] = q.TagName
	}
	if q.LastInteractionPeriod != "" {
		data["last_interaction_period"] = q.LastInteractionPeriod
	}
	if q.IsFollower != nil {
		data["is_follower"] = *q.IsFollower
	}
	req, err := getRequest("/v3.0/oa/user/getlist", data)
	if err != nil {
		return FollowersPage{}, err
	}
	var raw json.RawMessage
	if err := c.do(ctx, req, &raw); err != nil {
		return FollowersPage{}, err
	}
	o, _ := parseObj(raw)
	p := FollowersPage{Total: atoi(o.str("total")), Count: atoi(o.str("count")), Offset: atoi(o.str("offset"))}
	for _, u := range o.arr("users") {
		uo, _ := parseObj(u)
		if id := uo.str("user_id"); id != "" {
			p.UserIDs = append(p.UserIDs, id)
		}
	}
	return p, nil
}

// ForEachFollower pages through getlist (50 per call) from q.Offset and calls fn for every
// user id, until the list ends, fn returns an error, or the [S] offset cap of
// MaxFollowersOffset is reached (then it returns ErrFollowersTruncated after the last page).
func (c *Client) ForEachFollower(ctx context.Context, q FollowersQuery, fn func(userID string) error) error {
	q.Count = MaxFollowersPerPage
	for {
		p, err := c.Followers(ctx, q)
		if err != nil {
			return err
		}
		for _, id := range p.UserIDs {
			if err := fn(id); err != nil {
				return err
			}
		}
		next := q.Offset + len(p.UserIDs)
		if len(p.UserIDs) == 0 || (p.Total > 0 && next >= p.Total) {
			return nil
		}
		if next > MaxFollowersOffset {
			return ErrFollowersTruncated
		}
		q.Offset = next
	}
}

// ErrFollowersTruncated: the follower list goes past the offset Zalo accepts ([S] 9951,
// zalo-oa.md §7); narrow the query (tag, last_interaction_period).
var ErrFollowersTruncated = errors.New("zalo getlist: list longer than the offset limit")

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > 1<<40 {
			return n
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// getOAPath is the OA profile endpoint (zalo-oa.md §0, §7).
const getOAPath = "/v2.0/oa/getoa"

// OAInfo is the answer of GET /v2.0/oa/getoa (zalo-oa.md §7).
type OAInfo struct {
	OAID        string
	Name        string
	Description string
	Avatar      string
	IsVerified  bool
	PackageName string
	NumFollower int
	Raw         json.RawMessage
}

// OAInfo returns the OA's own profile: GET /v2.0/oa/getoa (zalo-oa.md §0, §7). Useful as a
// health check and to learn the oa_id behind a token.
//
// Zalo API docs: shape from production integrations (zalo-oa.md §7, §11).
func (c *Client) OAInfo(ctx context.Context) (OAInfo, error) {
	var raw json.RawMessage
	if err := c.do(ctx, request{method: http.MethodGet, path: getOAPath}, &raw); err != nil {
		return OAInfo{}, err
	}
	o, _ := parseObj(raw)
	return OAInfo{OAID: o.str("oa_id"), Name: o.str("name"), Description: o.str("description"),
		Avatar: o.str("avatar"), IsVerified: rawBool(o.get("is_verified")), PackageName: o.str("package_name"),
		NumFollower: atoi(o.str("num_follower")), Raw: raw}, nil
}

// TokenOA asks Zalo which OA an access token acts for: GET /v2.0/oa/getoa sent with that
// token (zalo-oa.md §7, data.oa_id). OA onboarding calls it after a code exchange, so the
// OA a new token belongs to comes from Zalo itself, never from the callback's oa_id
// parameter (which the browser controls, and which may be absent). opts are Client options
// (WithAPIBase, WithHTTPClient, WithRetry); the token is used as given, never refreshed.
// An answer without oa_id is an error.
func TokenOA(ctx context.Context, accessToken string, opts ...Option) (OAInfo, error) {
	c, err := NewClient(append(append([]Option(nil), opts...), WithAccessToken(accessToken))...)
	if err != nil {
		return OAInfo{}, err
	}
	info, err := c.OAInfo(ctx)
	if err != nil {
		return OAInfo{}, err
	}
	if info.OAID == "" {
		return OAInfo{}, &APIError{Endpoint: getOAPath, HTTPStatus: http.StatusOK, Message: "no oa_id in answer"}
	}
	return info, nil
}
