package emulator

import (
	"encoding/json"
	"strconv"
)

// The builders below produce events in the shapes Zalo sends (zalo-oa.md §1.6): compact
// JSON, every id and timestamp a string, fields in the order of the captured samples.
// Struct field order fixes the key order, so the bytes are stable and signable.

type party struct {
	ID      string `json:"id"`
	AdminID string `json:"admin_id,omitempty"`
}

type coordinates struct {
	Latitude  string `json:"latitude"`
	Longitude string `json:"longitude"`
}

type attachmentPayload struct {
	ID          string       `json:"id,omitempty"`
	URL         string       `json:"url,omitempty"`
	Coordinates *coordinates `json:"coordinates,omitempty"`
}

type attachment struct {
	Type    string            `json:"type"`
	Payload attachmentPayload `json:"payload"`
}

type message struct {
	MsgID       string       `json:"msg_id"`
	Text        string       `json:"text,omitempty"`
	Attachments []attachment `json:"attachments,omitempty"`
}

// messageEvent is user_send_* (sender = citizen, recipient = OA) and oa_send_* (sender = OA,
// recipient = citizen).
type messageEvent struct {
	AppID       string  `json:"app_id"`
	UserIDByApp string  `json:"user_id_by_app,omitempty"`
	EventName   string  `json:"event_name"`
	Timestamp   string  `json:"timestamp"`
	Sender      party   `json:"sender"`
	Recipient   party   `json:"recipient"`
	Message     message `json:"message"`
}

type followEvent struct {
	OAID        string `json:"oa_id"`
	Follower    party  `json:"follower"`
	UserIDByApp string `json:"user_id_by_app"`
	EventName   string `json:"event_name"`
	Source      string `json:"source"`
	AppID       string `json:"app_id"`
	Timestamp   string `json:"timestamp"`
}

type chatNowEvent struct {
	EventName   string `json:"event_name"`
	AppID       string `json:"app_id"`
	OAID        string `json:"oa_id"`
	UserID      string `json:"user_id"`
	UserIDByApp string `json:"user_id_by_app"`
	Timestamp   string `json:"timestamp"`
}

// citizen identifies the simulated citizen and the OA the event goes to.
type citizen struct {
	AppID, OAID, UserID string
}

// appScopedID derives a stable app-scoped id for the citizen (user_id_by_app), which real
// events carry next to the OA-scoped user id.
func (c citizen) appScopedID() string {
	var h uint64 = 1469598103934665603
	for _, b := range []byte(c.AppID + "/" + c.UserID) {
		h = (h ^ uint64(b)) * 1099511628211
	}
	return strconv.FormatUint(h%9e18+1e18, 10)
}

func (c citizen) text(ts, msgID, text string) []byte {
	return mustJSON(messageEvent{
		AppID: c.AppID, UserIDByApp: c.appScopedID(), EventName: "user_send_text", Timestamp: ts,
		Sender: party{ID: c.UserID}, Recipient: party{ID: c.OAID},
		Message: message{MsgID: msgID, Text: text},
	})
}

func (c citizen) attachment(ts, msgID, event string, a attachment) []byte {
	return mustJSON(messageEvent{
		AppID: c.AppID, UserIDByApp: c.appScopedID(), EventName: event, Timestamp: ts,
		Sender: party{ID: c.UserID}, Recipient: party{ID: c.OAID},
		Message: message{MsgID: msgID, Attachments: []attachment{a}},
	})
}

func (c citizen) location(ts, msgID string, lat, lng float64) []byte {
	return c.attachment(ts, msgID, "user_send_location", attachment{
		Type: "location",
		Payload: attachmentPayload{Coordinates: &coordinates{
			Latitude:  strconv.FormatFloat(lat, 'f', -1, 64),
			Longitude: strconv.FormatFloat(lng, 'f', -1, 64),
		}},
	})
}

func (c citizen) sticker(ts, msgID string) []byte {
	return c.attachment(ts, msgID, "user_send_sticker", attachment{
		Type:    "sticker",
		Payload: attachmentPayload{ID: "bd6b9a2c2c69c5379c78", URL: "https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=46991&size=130"},
	})
}

func (c citizen) follow(ts, event string) []byte {
	return mustJSON(followEvent{
		OAID: c.OAID, Follower: party{ID: c.UserID}, UserIDByApp: c.appScopedID(),
		EventName: event, Source: "oa_profile", AppID: c.AppID, Timestamp: ts,
	})
}

func (c citizen) chatNow(ts string) []byte {
	return mustJSON(chatNowEvent{
		EventName: "user_click_chatnow", AppID: c.AppID, OAID: c.OAID, UserID: c.UserID,
		UserIDByApp: c.appScopedID(), Timestamp: ts,
	})
}

// officerText is the echo Zalo sends when an officer types in the OA chat console: the OA is
// the sender and sender.admin_id names the officer (zalo-oa.md §1.6, oa_send_text).
func (c citizen) officerText(ts, msgID, adminID, text string) []byte {
	return mustJSON(messageEvent{
		AppID: c.AppID, EventName: "oa_send_text", Timestamp: ts,
		Sender: party{ID: c.OAID, AdminID: adminID}, Recipient: party{ID: c.UserID},
		Message: message{MsgID: msgID, Text: text},
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("emulator: marshal event: " + err.Error()) // only fixed struct types reach here
	}
	return b
}
