package zalotest

import (
	"fmt"
	"net/url"

	"github.com/oabot/oabot/zalo"
)

// Button types Zalo accepts on consultation messages (zalo-oa.md §2.4).
var buttonTypes = map[string]bool{
	zalo.ButtonOpenURL: true, zalo.ButtonQueryShow: true, zalo.ButtonQueryHide: true,
	zalo.ButtonOpenPhone: true, zalo.ButtonOpenSMS: true,
}

// checkSend checks a /v3.0/oa/message/cs body the way Zalo does (zalo-oa.md §2.2–§2.5) and
// parses it back into a zalo.Message. It is written against the JSON shapes of the
// reference, independently of zalo.Message.Payload, so that tests of the client compare
// two readings of the doc. code 0 means accepted.
func (s *Server) checkSend(body []byte) (userID string, msg *zalo.Message, code int, reason string) {
	m, ok := decodeObject(body)
	if !ok {
		return "", nil, -201, "body is invalid"
	}
	rcp, _ := m["recipient"].(map[string]any)
	userID = str(rcp["user_id"])
	if userID == "" {
		return "", nil, -201, "user_id is invalid!"
	}
	wm, ok := m["message"].(map[string]any)
	if !ok {
		return userID, nil, -201, "message is invalid!"
	}
	out := &zalo.Message{}
	if v, ok := wm["text"]; ok {
		t, isStr := v.(string)
		if !isStr {
			return userID, nil, -201, "text is invalid!"
		}
		out.Text = t
	}
	if v, ok := wm["quote_message_id"]; ok {
		out.QuoteMessageID = str(v)
		if out.QuoteMessageID == "" {
			return userID, out, -201, "quote_message_id is invalid!"
		}
	}
	if n := zalo.TextLen(out.Text); n > s.limits.MaxTextRunes {
		return userID, out, -210, fmt.Sprintf("Parameter exceeds allowable limit: text is %d characters (limit %d)", n, s.limits.MaxTextRunes)
	}
	att, hasAtt := wm["attachment"]
	if !hasAtt {
		if out.Text == "" {
			return userID, out, -201, "message is invalid! (no text, no attachment)"
		}
		return userID, out, 0, ""
	}
	a, ok := att.(map[string]any)
	if !ok {
		return userID, out, -201, "attachment is invalid!"
	}
	code, reason = s.checkAttachment(a, out)
	return userID, out, code, reason
}

func (s *Server) checkAttachment(a map[string]any, out *zalo.Message) (int, string) {
	p, _ := a["payload"].(map[string]any)
	if p == nil {
		return -201, "attachment.payload is invalid!"
	}
	switch a["type"] {
	case "file":
		tok := str(p["token"])
		if tok == "" {
			return -201, "token is invalid!"
		}
		out.File = &zalo.File{Token: tok}
		if out.Text != "" {
			return -201, "a file message has no text"
		}
		return s.checkUpload(tok, "file")
	case "template":
	default:
		return -201, "attachment.type is invalid!"
	}
	tt, _ := p["template_type"].(string)
	switch tt {
	case "", "button": // eSMS shape has none; HND shows "button" (§2.3 [?])
		return s.checkButtons(p, out)
	case "media":
		return s.checkMedia(p, out)
	case "request_user_info":
		return s.checkRequestInfo(p, out)
	case "list":
		return -233, "message type is invalid or not supported (list on /message/cs, §2.3 [?])"
	}
	return -201, "template_type is invalid!"
}

func (s *Server) checkButtons(p map[string]any, out *zalo.Message) (int, string) {
	list, ok := p["buttons"].([]any)
	if !ok || len(list) == 0 {
		return -201, "buttons is invalid!"
	}
	if out.Text == "" {
		return -201, "text is required with buttons"
	}
	if len(list) > s.limits.MaxButtons {
		return -210, fmt.Sprintf("Parameter exceeds allowable limit: %d buttons (limit %d)", len(list), s.limits.MaxButtons)
	}
	for i, v := range list {
		b, ok := v.(map[string]any)
		if !ok {
			return -201, fmt.Sprintf("buttons[%d] is invalid!", i)
		}
		btn, code, reason := s.parseButton(b)
		if code != 0 {
			return code, fmt.Sprintf("buttons[%d]: %s", i, reason)
		}
		out.Buttons = append(out.Buttons, btn)
	}
	return 0, ""
}

func (s *Server) parseButton(b map[string]any) (zalo.Button, int, string) {
	btn := zalo.Button{Title: str(b["title"]), Type: str(b["type"])}
	if btn.Title == "" {
		return btn, -201, "title is invalid!"
	}
	if n := zalo.TextLen(btn.Title); n > s.limits.MaxButtonTitleRunes {
		return btn, -210, fmt.Sprintf("title is %d characters (limit %d)", n, s.limits.MaxButtonTitleRunes)
	}
	if !buttonTypes[btn.Type] {
		return btn, -201, "type is invalid!"
	}
	obj, _ := b["payload"].(map[string]any)
	switch btn.Type {
	case zalo.ButtonQueryShow, zalo.ButtonQueryHide:
		pl, ok := b["payload"].(string)
		if !ok || pl == "" {
			return btn, -201, "payload is invalid! (a string for " + btn.Type + ")"
		}
		btn.Payload = pl
	case zalo.ButtonOpenURL:
		btn.URL = str(obj["url"])
		if u, err := url.Parse(btn.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return btn, -201, "payload.url is invalid!"
		}
	case zalo.ButtonOpenPhone, zalo.ButtonOpenSMS:
		btn.Phone = str(obj["phone_code"])
		if btn.Phone == "" {
			return btn, -201, "payload.phone_code is invalid!"
		}
		if btn.Type == zalo.ButtonOpenSMS {
			btn.SMSText = str(obj["content"])
		}
	}
	return btn, 0, ""
}

func (s *Server) checkMedia(p map[string]any, out *zalo.Message) (int, string) {
	els, _ := p["elements"].([]any)
	if len(els) != 1 {
		return -201, "elements is invalid! (one media element)"
	}
	el, _ := els[0].(map[string]any)
	if el == nil {
		return -201, "elements[0] is invalid!"
	}
	mt := str(el["media_type"])
	if mt != "image" && mt != "gif" && mt != "sticker" {
		return -201, "media_type is invalid!"
	}
	id, u := str(el["attachment_id"]), str(el["url"])
	if (id == "") == (u == "") {
		return -201, "one of attachment_id and url is required"
	}
	out.Image = &zalo.Image{AttachmentID: id, URL: u}
	if u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return -201, "url is invalid!"
		}
		return 0, ""
	}
	if mt == "sticker" {
		return 0, ""
	}
	return s.checkUpload(id, mt)
}

// checkUpload answers -201 for an id this server never issued and -100 for an expired one.
func (s *Server) checkUpload(id, kind string) (int, string) {
	up, ok := s.uploads[id]
	if !ok {
		return -201, "attachment_id is invalid!"
	}
	if (kind == "file") != (up.Kind == "file") {
		return -201, "attachment_id is invalid! (wrong kind)"
	}
	if up.At.Before(s.expiredAt) || s.now().Sub(up.At) > zalo.AttachmentTTL {
		return -100, "attachment_id was expired"
	}
	return 0, ""
}

func (s *Server) checkRequestInfo(p map[string]any, out *zalo.Message) (int, string) {
	els, _ := p["elements"].([]any)
	if len(els) == 0 {
		return -201, "elements is invalid!"
	}
	if len(els) > zalo.MaxRequestInfoElements {
		return -210, "Parameter exceeds allowable limit: request_user_info takes one element"
	}
	el, _ := els[0].(map[string]any)
	ri := &zalo.RequestInfo{Title: str(el["title"]), Subtitle: str(el["subtitle"]), ImageURL: str(el["image_url"])}
	out.RequestInfo = ri
	if ri.Title == "" || ri.Subtitle == "" {
		return -201, "title/subtitle is invalid!"
	}
	if out.Text != "" {
		return -201, "request_user_info has no text"
	}
	return 0, ""
}
