package zalo

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// ErrMalformedEvent wraps every ParseEvent failure: the body is not a JSON object or has no
// event_name. The webhook answers such a body with 400.
var ErrMalformedEvent = errors.New("malformed zalo event")

// ParseEvent decodes one webhook body (zalo-oa.md §1.5, §1.6). raw must be the bytes as
// received; the returned event keeps them (Raw) for the signature check and the queue.
//
// Decoding is lenient: ids and timestamps given as JSON numbers keep their exact digits,
// fields of an unexpected type read as empty, both documented shapes of user_submit_info
// and of the location payload are accepted. An unknown event_name gives *UnknownEvent, not
// an error. Only a body that is not a JSON object, or lacks a string event_name, is an error
// (wrapping ErrMalformedEvent).
func ParseEvent(raw []byte) (Event, error) {
	o, ok := parseObj(raw)
	if !ok {
		return nil, errors.Join(ErrMalformedEvent, errors.New("body is not a JSON object"))
	}
	env := envelopeOf(o, raw)
	if name := bytes.TrimSpace(o.get("event_name")); env.EventName == "" || name[0] != '"' {
		return nil, errors.Join(ErrMalformedEvent, errors.New("no event_name"))
	}
	name := env.EventName
	msg := o.obj("message")
	switch {
	case name == EventUserSendText:
		return &TextEvent{envelope: env, Incoming: incomingOf(msg)}, nil
	case isUserAttachment(name):
		return &AttachmentEvent{envelope: env, Incoming: incomingOf(msg), Kind: strings.TrimPrefix(name, EventUserSendPrefix)}, nil
	case name == EventUserSubmitInfo:
		return submitInfoOf(env, o), nil
	case name == EventFollow || name == EventUnfollow:
		return &FollowEvent{envelope: env, Follow: name == EventFollow,
			FollowerID: o.obj("follower").str("id"), Source: o.str("source")}, nil
	case name == EventUserClickChatNow:
		return &ChatNowEvent{envelope: env}, nil
	case name == EventUserReceivedMessage:
		return &ReceivedEvent{envelope: env, MsgIDs: msgIDsOf(msg)}, nil
	case name == EventUserSeenMessage:
		return &SeenEvent{envelope: env, MsgIDs: msgIDsOf(msg)}, nil
	case name == EventUserReactedMessage || name == EventOAReactedMessage:
		return &ReactedEvent{envelope: env, ByOA: name == EventOAReactedMessage,
			MsgID: msg.str("msg_id"), ReactIcon: msg.str("react_icon")}, nil
	case isOAEcho(name):
		return &OASendEvent{envelope: env, Incoming: incomingOf(msg),
			Kind: strings.TrimPrefix(name, EventOASendPrefix), AdminID: env.Sender.AdminID}, nil
	}
	return &UnknownEvent{envelope: env}, nil
}

// userAttachmentKinds are the user_send_* events other than text (zalo-oa.md §1.5).
var userAttachmentKinds = map[string]bool{
	"image": true, "link": true, "sticker": true, "gif": true, "audio": true,
	"video": true, "file": true, "location": true, "business_card": true,
}

func isUserAttachment(name string) bool {
	kind, ok := strings.CutPrefix(name, EventUserSendPrefix)
	return ok && userAttachmentKinds[kind]
}

// isOAEcho reports whether name is an oa_send_* echo of a 1:1 message (not the anonymous or
// group variants, whose routing differs, nor call consent).
func isOAEcho(name string) bool {
	kind, ok := strings.CutPrefix(name, EventOASendPrefix)
	if !ok || kind == "" {
		return false
	}
	return !strings.HasPrefix(kind, "anonymous_") && !strings.HasPrefix(kind, "group_") && kind != "consent"
}

func envelopeOf(o jsonObj, raw []byte) Envelope {
	sender, recipient := o.obj("sender"), o.obj("recipient")
	return Envelope{
		EventName:   o.str("event_name"),
		AppID:       o.str("app_id"),
		Timestamp:   o.str("timestamp"),
		UserIDByApp: o.str("user_id_by_app"),
		OAID:        o.str("oa_id"),
		UserID:      o.str("user_id"),
		Sender:      Party{ID: sender.str("id"), AdminID: sender.str("admin_id")},
		Recipient:   Party{ID: recipient.str("id")},
		raw:         raw,
	}
}

func incomingOf(msg jsonObj) Incoming {
	in := Incoming{
		MsgID:      msg.str("msg_id"),
		Text:       msg.str("text"),
		QuoteMsgID: msg.str("quote_msg_id"),
	}
	for _, a := range msg.arr("attachments") {
		att := attachmentOf(a)
		if in.Location == nil && att.Location != nil {
			in.Location = att.Location
		}
		in.Attachments = append(in.Attachments, att)
	}
	if in.Location == nil {
		in.Location = locationOf(msg.obj("location"))
	}
	return in
}

func attachmentOf(raw json.RawMessage) Attachment {
	o, _ := parseObj(raw)
	p := o.obj("payload")
	att := Attachment{
		Type:        o.str("type"),
		URL:         p.str("url"),
		Thumbnail:   p.str("thumbnail"),
		Name:        p.str("name"),
		Size:        p.str("size"),
		FileType:    p.str("type"),
		StickerID:   p.str("id"),
		Description: p.str("description"),
		Location:    locationOf(p.obj("coordinates")),
	}
	if att.Location == nil {
		// Some compilations put latitude/longitude directly in the payload [?].
		att.Location = locationOf(p)
	}
	if raw := o.get("payload"); len(raw) > 0 {
		att.Payload = append([]byte(nil), raw...)
	}
	// A business card's description is itself JSON with phone and qrCodeUrl (§1.6);
	// accept an object there too.
	desc := p.obj("description")
	if desc == nil && att.Description != "" {
		desc, _ = parseObj([]byte(att.Description))
	}
	att.Phone, att.QRCodeURL = desc.str("phone"), desc.str("qrCodeUrl")
	return att
}

// locationOf reads {latitude, longitude} given as numbers or strings; nil unless both are
// finite and in range.
func locationOf(o jsonObj) *Location {
	if o == nil {
		return nil
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(o.str("latitude")), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(o.str("longitude")), 64)
	if err1 != nil || err2 != nil || math.IsNaN(lat) || math.IsNaN(lon) ||
		math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return nil
	}
	return &Location{Latitude: lat, Longitude: lon}
}

func submitInfoOf(env Envelope, o jsonObj) *SubmitInfoEvent {
	infoRaw := o.get("info")
	info := o.obj("info")
	if info == nil { // tolerate message.info
		infoRaw = o.obj("message").get("info")
		info = o.obj("message").obj("info")
	}
	si := SubmittedInfo{
		Name:     info.str("name"),
		Phone:    info.str("phone"),
		Address:  info.str("address"),
		City:     info.str("city"),
		District: info.str("district"),
		Ward:     info.str("ward"),
		DOB:      info.str("user_dob"),
		Gender:   info.str("gender"),
	}
	if fa := info.obj("full_address"); fa != nil {
		si.Address = firstNonEmpty(si.Address, fa.str("user_address"))
		si.City = firstNonEmpty(si.City, fa.str("user_city"))
		si.Ward = firstNonEmpty(si.Ward, fa.str("user_ward"))
		si.District = firstNonEmpty(si.District, fa.str("user_district"))
	}
	ev := &SubmitInfoEvent{envelope: env, Info: si}
	if len(infoRaw) > 0 {
		ev.RawInfo = append([]byte(nil), infoRaw...)
	}
	return ev
}

func msgIDsOf(msg jsonObj) []string {
	ids := msg.strings("msg_ids")
	if id := msg.str("msg_id"); id != "" {
		ids = append([]string{id}, ids...)
	}
	return ids
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
