package zalo

import (
	"context"
	"encoding/json"
	"net/http"
)

// SendResult is the "data" of a successful consultation send (zalo-oa.md §2.2).
type SendResult struct {
	// MessageID is data.message_id: the msg_id seen later in oa_send_* echoes and receipts,
	// and what QuoteMessageID refers to.
	MessageID string
	// UserID is data.user_id when Zalo returns it.
	UserID string
	// Quota is data.quota when present (§2.2 [C eTelecom]).
	Quota *Quota
}

// Quota is the quota object some send answers carry (zalo-oa.md §2.2).
type Quota struct {
	// Type is quota_type: "reply" (inside the free 48 h window), "sub_quota",
	// "purchase_quota", "reward_quota".
	Type        string
	Remain      string
	Total       string
	ExpiredDate string
	OwnerType   string
}

// Send validates m and sends it to userID as a consultation message:
// POST /v3.0/oa/message/cs (zalo-oa.md §2.1–§2.3). An invalid message is refused locally
// with ErrInvalidMessage and nothing is sent; text is never cut.
//
// Zalo API docs: https://developers.zalo.me/docs/official-account/tin-nhan/tin-tu-van/gui-tin-tu-van
// (cited through HND, zalo-oa.md §11; shapes from PHP-SDK, JAVA-SDK and eSMS).
func (c *Client) Send(ctx context.Context, userID string, m Message) (SendResult, error) {
	body, err := m.payload(userID, c.limits, c.buttonTemplateType)
	if err != nil {
		return SendResult{}, err
	}
	req := request{method: http.MethodPost, path: "/v3.0/oa/message/cs", body: body, contentType: "application/json"}
	var data json.RawMessage
	if err := c.do(ctx, req, &data); err != nil {
		return SendResult{}, err
	}
	return sendResultOf(data), nil
}

func sendResultOf(data json.RawMessage) SendResult {
	o, _ := parseObj(data)
	r := SendResult{MessageID: o.str("message_id"), UserID: o.str("user_id")}
	if q := o.obj("quota"); q != nil {
		r.Quota = &Quota{Type: q.str("quota_type"), Remain: q.str("remain"), Total: q.str("total"),
			ExpiredDate: q.str("expired_date"), OwnerType: q.str("owner_type")}
	}
	return r
}

// SendText sends a plain text message (zalo-oa.md §2.3).
func (c *Client) SendText(ctx context.Context, userID, text string) (SendResult, error) {
	return c.Send(ctx, userID, Message{Text: text})
}

// SendImage sends an uploaded image by attachment_id with an optional caption (§2.3).
func (c *Client) SendImage(ctx context.Context, userID, attachmentID, caption string) (SendResult, error) {
	return c.Send(ctx, userID, Message{Text: caption, Image: &Image{AttachmentID: attachmentID}})
}

// SendFile sends an uploaded file by its token (§2.3).
func (c *Client) SendFile(ctx context.Context, userID, token string) (SendResult, error) {
	return c.Send(ctx, userID, Message{File: &File{Token: token}})
}
