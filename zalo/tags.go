package zalo

import (
	"context"
	"encoding/json"
	"errors"
)

// Tags lists the OA's tag names: GET /v2.0/oa/tag/gettagsofoa (zalo-oa.md §7). Zalo's
// answer is reported as a flat string array [S]; objects with "name"/"tag_name" are
// accepted too.
//
// Zalo API docs: shape from PHP-SDK src/ZaloEndPoint.php (zalo-oa.md §7, §11).
func (c *Client) Tags(ctx context.Context) ([]string, error) {
	var raw json.RawMessage
	if err := c.do(ctx, request{method: "GET", path: "/v2.0/oa/tag/gettagsofoa"}, &raw); err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil, nil
	}
	var tags []string
	for _, it := range items {
		name := rawString(it)
		if o, ok := parseObj(it); ok {
			name = firstNonEmpty(o.str("name"), o.str("tag_name"))
		}
		if name != "" {
			tags = append(tags, name)
		}
	}
	return tags, nil
}

// TagFollower tags a follower (the tag is created if needed): POST /v2.0/oa/tag/tagfollower
// {"user_id","tag_name"} (zalo-oa.md §7).
func (c *Client) TagFollower(ctx context.Context, userID, tag string) error {
	return c.tagCall(ctx, "/v2.0/oa/tag/tagfollower", map[string]string{"user_id": userID, "tag_name": tag})
}

// UntagFollower removes a tag from a follower: POST /v2.0/oa/tag/rmfollowerfromtag (§7).
func (c *Client) UntagFollower(ctx context.Context, userID, tag string) error {
	return c.tagCall(ctx, "/v2.0/oa/tag/rmfollowerfromtag", map[string]string{"user_id": userID, "tag_name": tag})
}

// DeleteTag deletes a tag of the OA: POST /v2.0/oa/tag/rmtag {"tag_name"} (§7).
func (c *Client) DeleteTag(ctx context.Context, tag string) error {
	return c.tagCall(ctx, "/v2.0/oa/tag/rmtag", map[string]string{"tag_name": tag})
}

func (c *Client) tagCall(ctx context.Context, path string, body map[string]string) error {
	for k, v := range body {
		if v == "" {
			return errors.New("zalo " + path + ": empty " + k)
		}
	}
	req, err := postJSON(path, body)
	if err != nil {
		return err
	}
	return c.do(ctx, req, nil)
}
