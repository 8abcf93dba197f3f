package zalo

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// BroadcastTarget selects followers of an article broadcast by Zalo's enum codes
// (zalo-oa.md §5.2): Ages 0–7, Gender 0 all / 1 male / 2 female, Locations 0 North /
// 1 Central / 2 South, Cities 0–63, Platforms 1 iOS / 2 Android / 3 WP, Telcos 1–4. Empty
// fields are left out (no filter). There is no tag targeting in the API [?].
type BroadcastTarget struct {
	Ages, Gender, Locations, Cities, Platforms, Telcos []int
}

// Broadcast sends an article to followers: POST /v2.0/oa/message with recipient.target and a
// media template whose only element is {"media_type":"article","attachment_id":articleID}
// (zalo-oa.md §5.2; no free-text broadcast exists). Only verified OAs may broadcast and each
// follower gets at most one broadcast a day. Target codes go as comma-separated strings
// ([D] NET-SDK) unless the client was built WithBroadcastTargetArrays ([S] SPEC) — the
// format is [?]. It returns data.message_id.
//
// Zalo API docs: no first-party page could be read (developers.zalo.me is a JS app);
// shape from JAVA-SDK src/test/java/v3/SendBroadcastMessage.java and NET-SDK (zalo-oa.md §5.2, §11).
func (c *Client) Broadcast(ctx context.Context, target BroadcastTarget, articleID string) (string, error) {
	if articleID == "" {
		return "", errors.New("zalo broadcast: empty article id")
	}
	t := map[string]any{}
	for name, codes := range map[string][]int{"ages": target.Ages, "gender": target.Gender,
		"locations": target.Locations, "cities": target.Cities, "platform": target.Platforms, "telcos": target.Telcos} {
		if len(codes) == 0 {
			continue
		}
		if c.targetAsArray {
			t[name] = codes
			continue
		}
		s := make([]string, len(codes))
		for i, v := range codes {
			s[i] = strconv.Itoa(v)
		}
		t[name] = strings.Join(s, ",")
	}
	body := map[string]any{
		"recipient": map[string]any{"target": t},
		"message": map[string]any{"attachment": map[string]any{"type": "template", "payload": map[string]any{
			"template_type": "media",
			"elements":      []any{map[string]string{"media_type": "article", "attachment_id": articleID}},
		}}},
	}
	req, err := postJSON("/v2.0/oa/message", body)
	if err != nil {
		return "", err
	}
	var raw json.RawMessage
	if err := c.do(ctx, req, &raw); err != nil {
		return "", err
	}
	o, _ := parseObj(raw)
	return o.str("message_id"), nil
}
