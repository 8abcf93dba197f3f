package zalo

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Route returns the OA id and the citizen's user id of an event, following the table of
// zalo-oa.md §1.4:
//
//   - user_send_*, user_submit_info, user_reacted_message: OA = recipient.id, user = sender.id;
//   - oa_send_*, oa_reacted_message, user_received_message, user_seen_message:
//     OA = sender.id, user = recipient.id;
//   - follow, unfollow: OA = oa_id, user = follower.id;
//   - user_click_chatnow: OA = oa_id, user = user_id.
//
// For unknown events it uses the top-level oa_id (and user_id) when present, otherwise the
// "user_" / "oa_" prefix rule; anonymous_* events have no user id (§1.4). Either result may
// be empty when the body lacks the field.
func Route(ev Event) (oaID, userID string) {
	if ev == nil {
		return "", ""
	}
	e := ev.Envelope()
	switch v := ev.(type) {
	case *TextEvent, *AttachmentEvent, *SubmitInfoEvent:
		return e.Recipient.ID, e.Sender.ID
	case *ReactedEvent:
		if v.ByOA {
			return e.Sender.ID, e.Recipient.ID
		}
		return e.Recipient.ID, e.Sender.ID
	case *OASendEvent, *ReceivedEvent, *SeenEvent:
		return e.Sender.ID, e.Recipient.ID
	case *FollowEvent:
		return e.OAID, v.FollowerID
	case *ChatNowEvent:
		return e.OAID, e.UserID
	}
	return routeUnknown(e)
}

func routeUnknown(e *Envelope) (oaID, userID string) {
	name := e.EventName
	switch {
	case e.OAID != "":
		return e.OAID, e.UserID
	case strings.HasPrefix(name, "anonymous_"):
		return e.Recipient.ID, ""
	case strings.HasPrefix(name, "oa_send_anonymous_"):
		return e.Sender.ID, ""
	case strings.HasPrefix(name, "user_"):
		return e.Recipient.ID, e.Sender.ID
	case strings.HasPrefix(name, "oa_"):
		return e.Sender.ID, e.Recipient.ID
	}
	return "", ""
}

// MessageContent returns the message part of a message event (*TextEvent, *AttachmentEvent,
// *OASendEvent) and reports whether ev is one.
func MessageContent(ev Event) (*Incoming, bool) {
	switch v := ev.(type) {
	case *TextEvent:
		return &v.Incoming, true
	case *AttachmentEvent:
		return &v.Incoming, true
	case *OASendEvent:
		return &v.Incoming, true
	}
	return nil, false
}

// DedupeKey returns a stable key for an event, so that Zalo's at-least-once delivery
// (zalo-oa.md §1.2) is handled once:
//
//   - message events with a msg_id (user_send_*, oa_send_*): "m:" + OA id + ":" + msg_id
//     (the OA id keeps keys apart if two OAs ever reuse an id, e.g. in the emulator);
//   - every other event: "e:" + hex of SHA-256 over event_name, OA id, user id and
//     timestamp; when the timestamp is missing the raw body is hashed in as well, so that
//     distinct timestamp-less events do not collide.
//
// Receipts and reactions refer to an OA message's msg_id, so they use the hash form and
// never collide with the echo of that message. The key contains no message text.
func DedupeKey(ev Event) string {
	if ev == nil {
		return ""
	}
	oaID, userID := Route(ev)
	if in, ok := MessageContent(ev); ok && in.MsgID != "" {
		return "m:" + oaID + ":" + in.MsgID
	}
	e := ev.Envelope()
	h := sha256.New()
	for _, part := range []string{e.EventName, oaID, userID, e.Timestamp} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	if e.Timestamp == "" {
		h.Write(e.raw)
	}
	return "e:" + hex.EncodeToString(h.Sum(nil)[:16])
}
