package zalo

import (
	"strconv"
	"time"
)

// Event names that this package decodes into their own types (zalo-oa.md §1.5). Any other
// event_name decodes to *UnknownEvent.
const (
	EventUserSendText         = "user_send_text"
	EventUserSendImage        = "user_send_image"
	EventUserSendLink         = "user_send_link"
	EventUserSendSticker      = "user_send_sticker"
	EventUserSendGIF          = "user_send_gif"
	EventUserSendAudio        = "user_send_audio"
	EventUserSendVideo        = "user_send_video"
	EventUserSendFile         = "user_send_file"
	EventUserSendLocation     = "user_send_location"
	EventUserSendBusinessCard = "user_send_business_card"
	EventUserSubmitInfo       = "user_submit_info"
	EventFollow               = "follow"
	EventUnfollow             = "unfollow"
	EventUserClickChatNow     = "user_click_chatnow"
	EventUserReceivedMessage  = "user_received_message"
	EventUserSeenMessage      = "user_seen_message"
	EventUserReactedMessage   = "user_reacted_message"
	EventOAReactedMessage     = "oa_reacted_message"
	// EventOASendPrefix starts every echo of a message the OA sent: oa_send_text,
	// oa_send_image, oa_send_gif, oa_send_list, oa_send_file, oa_send_sticker,
	// oa_send_template (zalo-oa.md §1.5). oa_send_anonymous_* and oa_send_group_* are not
	// echoes of consultation messages and decode to *UnknownEvent.
	EventOASendPrefix = "oa_send_"
	// EventUserSendPrefix starts every message a citizen sent (zalo-oa.md §1.5).
	EventUserSendPrefix = "user_send_"
)

// Event is one decoded webhook event (zalo-oa.md §1.5). The concrete types are *TextEvent,
// *AttachmentEvent, *SubmitInfoEvent, *FollowEvent, *ChatNowEvent, *ReceivedEvent,
// *SeenEvent, *OASendEvent, *ReactedEvent and *UnknownEvent; use a type switch. Every
// concrete type embeds Envelope, so its fields are promoted: ev.(*TextEvent).AppID,
// .Timestamp, .Sender.ID, … Events are built only by ParseEvent (tests use fixtures).
type Event interface {
	// Name is the event_name field.
	Name() string
	// Envelope returns the fields common to every event.
	Envelope() *Envelope
	// Raw returns the body exactly as received (do not modify it).
	Raw() []byte
}

// Party is a sender or recipient object of an event (zalo-oa.md §1.4).
type Party struct {
	// ID is sender.id / recipient.id: an OA id or a user id depending on the family.
	ID string
	// AdminID is sender.admin_id, present on oa_send_* when a human admin typed the message
	// in the OA chat UI (zalo-oa.md §1.4, §8.2 step 6).
	AdminID string
}

// Envelope holds the fields every event may carry (zalo-oa.md §1.4 "Common top-level
// fields"). All ids and the timestamp are strings: ids exceed 2^53 (§1.3 note). Which field
// holds the OA and which the citizen depends on the family; use Route.
type Envelope struct {
	// EventName is event_name.
	EventName string
	// AppID is app_id, the Zalo App id; part of the signature (§1.3).
	AppID string
	// Timestamp is timestamp, epoch milliseconds as a string, exactly as sent; part of the
	// signature (§1.3).
	Timestamp string
	// UserIDByApp is user_id_by_app, the app-scoped user id (§8.1).
	UserIDByApp string
	// OAID is the top-level oa_id (follow, unfollow, user_click_chatnow, add_user_to_tag).
	OAID string
	// UserID is the top-level user_id (user_click_chatnow).
	UserID string
	// Sender and Recipient are the sender / recipient objects (message families).
	Sender, Recipient Party

	raw []byte
}

// Name returns the event_name.
func (e *Envelope) Name() string { return e.EventName }

// Envelope returns e itself, so that every concrete event type satisfies Event by embedding.
func (e *Envelope) Envelope() *Envelope { return e }

// Raw returns the event body exactly as received.
func (e *Envelope) Raw() []byte { return e.raw }

// Time parses Timestamp (epoch ms). It reports false when the field is missing or not a
// number.
func (e *Envelope) Time() (time.Time, bool) {
	ms, err := strconv.ParseInt(e.Timestamp, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// envelope lets each event type embed Envelope under an unexported field name, so that the
// promoted fields (AppID, Timestamp, Sender, …) and the methods Name, Envelope and Raw are
// available on every concrete event without the field clashing with the Envelope method.
type envelope = Envelope

// Incoming is the message part of a message event (user_send_*, oa_send_*): the "message"
// object of zalo-oa.md §1.6.
type Incoming struct {
	// MsgID is message.msg_id.
	MsgID string
	// Text is message.text: the typed text, an oa.query.* button payload (§1.5), or an
	// optional caption on attachments. Never log it.
	Text string
	// QuoteMsgID is message.quote_msg_id when the citizen replied to a message.
	QuoteMsgID string
	// Attachments are message.attachments, decoded defensively.
	Attachments []Attachment
	// Location is the shared location of user_send_location, taken from
	// attachments[].payload.coordinates (CW shape) or message.location (HND shape); nil when
	// neither carries a usable latitude/longitude (§1.6, tagged [?]).
	Location *Location
}

// Attachment is one element of message.attachments (zalo-oa.md §1.6). Fields that do not
// apply to the attachment's Type are empty; Payload keeps the raw payload for anything else.
type Attachment struct {
	// Type is attachments[].type: image, gif, sticker, link, audio, video, file, location,
	// business_card, … (as sent).
	Type string
	// URL is payload.url (Zalo CDN link for media; the link for "link").
	URL string
	// Thumbnail is payload.thumbnail.
	Thumbnail string
	// Name, Size and FileType are payload.name, payload.size and payload.type of files.
	Name, Size, FileType string
	// StickerID is payload.id of stickers.
	StickerID string
	// Description is payload.description as sent (business cards: a JSON string).
	Description string
	// Phone and QRCodeURL come from a business card's description JSON (§1.6).
	Phone, QRCodeURL string
	// Location is payload.coordinates of a location attachment.
	Location *Location
	// Payload is the raw payload JSON.
	Payload []byte
}

// Location is a latitude/longitude pair in degrees.
type Location struct {
	Latitude, Longitude float64
}

// TextEvent is user_send_text (zalo-oa.md §1.6): the citizen typed text or tapped an
// oa.query.show / oa.query.hide button (§1.5, §2.4). OA = recipient.id, user = sender.id.
type TextEvent struct {
	envelope
	Incoming
}

// AttachmentEvent is any other user_send_* event: image, link, sticker, gif, audio, video,
// file, location, business_card (zalo-oa.md §1.5, §1.6). OA = recipient.id, user = sender.id.
type AttachmentEvent struct {
	envelope
	Incoming
	// Kind is the event name without "user_send_" (image, link, sticker, …).
	Kind string
}

// SubmitInfoEvent is user_submit_info, the answer to a request_user_info form (zalo-oa.md
// §1.6). Both reported shapes of "info" are accepted and folded into Info. Never log Info.
type SubmitInfoEvent struct {
	envelope
	// Info is the submitted data, normalised from either shape.
	Info SubmittedInfo
	// RawInfo is the "info" object as sent.
	RawInfo []byte
}

// SubmittedInfo is the citizen's answer to request_user_info. The classic shape fills Name,
// Phone, Address, City, District and Ward; the newer shape ([S] SPEC) fills Name, Phone,
// DOB, Gender and full_address{user_city, user_ward, user_address} into City, Ward, Address.
type SubmittedInfo struct {
	Name, Phone, Address, City, District, Ward, DOB, Gender string
}

// FollowEvent is follow or unfollow (zalo-oa.md §1.6): no sender/recipient; the OA is the
// top-level oa_id and the citizen follower.id.
type FollowEvent struct {
	envelope
	// Follow is true for "follow", false for "unfollow".
	Follow bool
	// FollowerID is follower.id.
	FollowerID string
	// Source is "source" as sent (observed "oa_profile", "zalo"; list unknown, §6 [?]). Log it
	// for analytics but do not route on it.
	Source string
}

// ChatNowEvent is user_click_chatnow (zalo-oa.md §1.6): the citizen tapped "Nhắn tin" on the
// OA profile. OA = top-level oa_id, user = top-level user_id.
type ChatNowEvent struct {
	envelope
}

// ReceivedEvent is user_received_message, a delivery receipt for an OA message (zalo-oa.md
// §1.6). OA = sender.id, user = recipient.id.
type ReceivedEvent struct {
	envelope
	// MsgIDs holds message.msg_id (and message.msg_ids, if a receipt ever carries several).
	MsgIDs []string
}

// SeenEvent is user_seen_message, a read receipt (zalo-oa.md §1.6). OA = sender.id,
// user = recipient.id.
type SeenEvent struct {
	envelope
	// MsgIDs is message.msg_ids (an array; a single msg_id is accepted too).
	MsgIDs []string
}

// OASendEvent is an oa_send_* echo of a message the OA sent, through the API or typed by a
// human officer (zalo-oa.md §1.4, §1.6). OA = sender.id, user = recipient.id.
type OASendEvent struct {
	envelope
	Incoming
	// Kind is the event name without "oa_send_" (text, image, list, file, …).
	Kind string
	// AdminID is sender.admin_id: set when a human admin sent the message (§8.2 step 6).
	AdminID string
}

// ReactedEvent is user_reacted_message or oa_reacted_message (zalo-oa.md §1.5).
type ReactedEvent struct {
	envelope
	// ByOA is true for oa_reacted_message (OA = sender.id), false for user_reacted_message
	// (OA = recipient.id).
	ByOA bool
	// MsgID is message.msg_id, the message reacted to; ReactIcon is message.react_icon.
	MsgID, ReactIcon string
}

// UnknownEvent is any event this package has no type for (zalo-oa.md §1.5 "log and ignore
// unknown event_names"). Raw() keeps the whole body.
type UnknownEvent struct {
	envelope
}
