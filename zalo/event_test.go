package zalo

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	fxApp  = "3608465248940903967"
	fxOA   = "388613280878808645"
	fxUser = "2468458835296197922"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestParseEventFixtures(t *testing.T) {
	tests := []struct {
		file             string
		wantType         string
		wantOA, wantUser string
		check            func(t *testing.T, ev Event)
	}{
		{"user_send_text", "*zalo.TextEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			e := ev.(*TextEvent)
			if e.Text != "Thủ tục cấp lại căn cước công dân cần giấy tờ gì?" || e.MsgID != "96d3cdf3af150460909" {
				t.Errorf("text/msg_id = %q/%q", e.Text, e.MsgID)
			}
			if e.AppID != fxApp || e.Timestamp != "1718000000000" || e.UserIDByApp != "552177279717587730" {
				t.Errorf("envelope = %+v", e.Envelope())
			}
		}},
		{"user_send_text_quote", "*zalo.TextEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			if q := ev.(*TextEvent).QuoteMsgID; q != "a4d0243feee163bd3af2" {
				t.Errorf("QuoteMsgID = %q", q)
			}
		}},
		{"user_send_image", "*zalo.AttachmentEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			e := ev.(*AttachmentEvent)
			want := Attachment{Type: "image", URL: "https://cdn.zalo.example/img/1.jpg", Thumbnail: "https://cdn.zalo.example/img/1_t.jpg"}
			if e.Kind != "image" || len(e.Attachments) != 1 {
				t.Fatalf("kind %q, %d attachments", e.Kind, len(e.Attachments))
			}
			got := e.Attachments[0]
			got.Payload = nil
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("attachment (-want +got):\n%s", d)
			}
		}},
		{"user_send_link", "*zalo.AttachmentEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			if u := ev.(*AttachmentEvent).Attachments[0].URL; u != "https://dichvucong.gov.vn" {
				t.Errorf("URL = %q", u)
			}
		}},
		{"user_send_sticker", "*zalo.AttachmentEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			if id := ev.(*AttachmentEvent).Attachments[0].StickerID; id != "bfe458bf64fa8da4d4eb" {
				t.Errorf("StickerID = %q", id)
			}
		}},
		{"user_send_gif", "*zalo.AttachmentEvent", fxOA, fxUser, nil},
		{"user_send_audio", "*zalo.AttachmentEvent", fxOA, fxUser, nil},
		{"user_send_video", "*zalo.AttachmentEvent", fxOA, fxUser, nil},
		{"user_send_file", "*zalo.AttachmentEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			a := ev.(*AttachmentEvent).Attachments[0]
			if a.Name != "don-de-nghi.pdf" || a.Size != "48213" || a.FileType != "pdf" {
				t.Errorf("file = %+v", a)
			}
		}},
		{"user_send_location", "*zalo.AttachmentEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			if l := ev.(*AttachmentEvent).Location; l == nil || *l != (Location{10.7769, 106.7009}) {
				t.Errorf("Location = %v", l)
			}
		}},
		{"user_send_location_flat", "*zalo.AttachmentEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			if l := ev.(*AttachmentEvent).Location; l == nil || *l != (Location{21.0285, 105.8542}) {
				t.Errorf("Location = %v", l)
			}
		}},
		{"user_send_business_card", "*zalo.AttachmentEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			a := ev.(*AttachmentEvent).Attachments[0]
			if a.Phone != "0901234567" || a.QRCodeURL != "https://zalo.me/qr/abc" {
				t.Errorf("card = %+v", a)
			}
		}},
		{"user_submit_info", "*zalo.SubmitInfoEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			want := SubmittedInfo{Name: "Nguyễn Văn An", Phone: "84901234567", Address: "12 Lê Lợi", City: "Hồ Chí Minh", District: "Quận 1", Ward: "Bến Nghé"}
			if d := cmp.Diff(want, ev.(*SubmitInfoEvent).Info); d != "" {
				t.Errorf("info (-want +got):\n%s", d)
			}
		}},
		{"user_submit_info_new", "*zalo.SubmitInfoEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			want := SubmittedInfo{Name: "Trần Thị Bình", Phone: "84912345678", Address: "5 Hàng Bạc", City: "Hà Nội", Ward: "Phường Hàng Bạc", DOB: "01/02/1990", Gender: "female"}
			if d := cmp.Diff(want, ev.(*SubmitInfoEvent).Info); d != "" {
				t.Errorf("info (-want +got):\n%s", d)
			}
		}},
		{"follow", "*zalo.FollowEvent", "140130397183308120", "8890635404729405962", func(t *testing.T, ev Event) {
			if e := ev.(*FollowEvent); !e.Follow || e.Source != "zalo" || e.AppID != "3310500707791294854" {
				t.Errorf("follow = %+v", e)
			}
		}},
		{"unfollow", "*zalo.FollowEvent", "140130397183308120", "8890635404729405962", func(t *testing.T, ev Event) {
			if e := ev.(*FollowEvent); e.Follow || e.Source != "oa_profile" {
				t.Errorf("unfollow = %+v", e)
			}
		}},
		{"user_click_chatnow", "*zalo.ChatNowEvent", fxOA, fxUser, nil},
		{"user_received_message", "*zalo.ReceivedEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			if d := cmp.Diff([]string{"a4d0243feee163bd3af2"}, ev.(*ReceivedEvent).MsgIDs); d != "" {
				t.Errorf("MsgIDs (-want +got):\n%s", d)
			}
		}},
		{"user_seen_message", "*zalo.SeenEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			if d := cmp.Diff([]string{"a4d0243feee163bd3af2", "b5e1354fff0274ce4b03"}, ev.(*SeenEvent).MsgIDs); d != "" {
				t.Errorf("MsgIDs (-want +got):\n%s", d)
			}
		}},
		{"oa_send_text", "*zalo.OASendEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			if e := ev.(*OASendEvent); e.AdminID != "7012345678901234567" || e.Kind != "text" || e.MsgID != "c6f2465a0013850f5c14" {
				t.Errorf("echo = %+v", e)
			}
		}},
		{"oa_send_image", "*zalo.OASendEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			if e := ev.(*OASendEvent); e.AdminID != "" || e.Kind != "image" {
				t.Errorf("echo = %+v", e)
			}
		}},
		{"user_reacted_message", "*zalo.ReactedEvent", fxOA, fxUser, func(t *testing.T, ev Event) {
			if e := ev.(*ReactedEvent); e.ByOA || e.ReactIcon != "/-heart" || e.MsgID != "a4d0243feee163bd3af2" {
				t.Errorf("reaction = %+v", e)
			}
		}},
		{"oa_reacted_message", "*zalo.ReactedEvent", fxOA, fxUser, nil},
		{"add_user_to_tag", "*zalo.UnknownEvent", fxOA, "", nil},
		{"anonymous_send_text", "*zalo.UnknownEvent", fxOA, "", nil},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := readFixture(t, tt.file)
			ev, err := ParseEvent(raw)
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if got := typeName(ev); got != tt.wantType {
				t.Errorf("type = %s, want %s", got, tt.wantType)
			}
			if string(ev.Raw()) != string(raw) {
				t.Error("Raw() differs from input")
			}
			if ev.Name() == "" || ev.Envelope().EventName != ev.Name() {
				t.Errorf("Name() = %q", ev.Name())
			}
			oa, user := Route(ev)
			if oa != tt.wantOA || user != tt.wantUser {
				t.Errorf("Route = (%q, %q), want (%q, %q)", oa, user, tt.wantOA, tt.wantUser)
			}
			key := DedupeKey(ev)
			if key == "" || seen[key] {
				t.Errorf("DedupeKey = %q (empty or duplicate)", key)
			}
			seen[key] = true
			if in, ok := MessageContent(ev); ok && in.Text != "" && strings.Contains(key, in.Text) {
				t.Errorf("DedupeKey contains the message text")
			}
			if tt.check != nil {
				tt.check(t, ev)
			}
		})
	}
	// Every fixture file is covered by a row.
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	rows := map[string]bool{}
	for _, tt := range tests {
		rows[tt.file] = true
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".json"); !rows[name] {
			t.Errorf("fixture %s has no test row", name)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *TextEvent:
		return "*zalo.TextEvent"
	case *AttachmentEvent:
		return "*zalo.AttachmentEvent"
	case *SubmitInfoEvent:
		return "*zalo.SubmitInfoEvent"
	case *FollowEvent:
		return "*zalo.FollowEvent"
	case *ChatNowEvent:
		return "*zalo.ChatNowEvent"
	case *ReceivedEvent:
		return "*zalo.ReceivedEvent"
	case *SeenEvent:
		return "*zalo.SeenEvent"
	case *OASendEvent:
		return "*zalo.OASendEvent"
	case *ReactedEvent:
		return "*zalo.ReactedEvent"
	case *UnknownEvent:
		return "*zalo.UnknownEvent"
	}
	return "?"
}

func TestParseEventDefensive(t *testing.T) {
	t.Run("numeric ids keep their digits", func(t *testing.T) {
		raw := []byte(`{"event_name":"user_send_text","app_id":3608465248940903967,"timestamp":1718000000000,` +
			`"sender":{"id":2468458835296197922},"recipient":{"id":388613280878808645},"message":{"msg_id":"x","text":"hi"}}`)
		ev, err := ParseEvent(raw)
		if err != nil {
			t.Fatal(err)
		}
		oa, user := Route(ev)
		if oa != fxOA || user != fxUser || ev.Envelope().AppID != fxApp || ev.Envelope().Timestamp != "1718000000000" {
			t.Errorf("Route = %q %q, env %+v", oa, user, ev.Envelope())
		}
	})
	t.Run("odd field types read as empty", func(t *testing.T) {
		raw := []byte(`{"event_name":"user_send_image","sender":"nope","recipient":{"id":["x"]},"message":{"attachments":{"type":"image"},"text":{}}}`)
		ev, err := ParseEvent(raw)
		if err != nil {
			t.Fatal(err)
		}
		e := ev.(*AttachmentEvent)
		if e.Sender.ID != "" || e.Recipient.ID != "" || len(e.Attachments) != 0 || e.Text != "" {
			t.Errorf("got %+v", e)
		}
	})
	t.Run("bad location rejected", func(t *testing.T) {
		raw := []byte(`{"event_name":"user_send_location","message":{"attachments":[{"type":"location","payload":{"coordinates":{"latitude":"NaN","longitude":"1"}}},{"type":"location","payload":{"coordinates":{"latitude":"91","longitude":"1"}}}]}}`)
		ev, err := ParseEvent(raw)
		if err != nil {
			t.Fatal(err)
		}
		if l := ev.(*AttachmentEvent).Location; l != nil {
			t.Errorf("Location = %v, want nil", l)
		}
	})
	t.Run("unknown event keeps raw", func(t *testing.T) {
		raw := []byte(`{"event_name":"shop_has_order","oa_id":"1","x":{"y":[1,2]}}`)
		ev, err := ParseEvent(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ev.(*UnknownEvent); !ok || string(ev.Raw()) != string(raw) {
			t.Errorf("got %T %s", ev, ev.Raw())
		}
	})
	for _, bad := range []string{``, `null`, `[]`, `"x"`, `{`, `{"event_name":""}`, `{"event_name":5}`, `{"app_id":"1"}`, `{"event_name":"follow"} x`} {
		t.Run("malformed "+bad, func(t *testing.T) {
			ev, err := ParseEvent([]byte(bad))
			if err == nil || !errors.Is(err, ErrMalformedEvent) {
				t.Errorf("ParseEvent(%q) = %v, %v; want ErrMalformedEvent", bad, ev, err)
			}
		})
	}
}

func TestDedupeKey(t *testing.T) {
	a := mustParse(t, `{"event_name":"follow","oa_id":"1","follower":{"id":"2"},"timestamp":"10"}`)
	b := mustParse(t, `{"event_name":"follow","timestamp":"10","follower":{"id":"2"},"oa_id":"1","source":"zalo"}`)
	c := mustParse(t, `{"event_name":"unfollow","oa_id":"1","follower":{"id":"2"},"timestamp":"10"}`)
	if DedupeKey(a) != DedupeKey(b) {
		t.Error("same event (re-ordered fields) gives different keys")
	}
	if DedupeKey(a) == DedupeKey(c) {
		t.Error("follow and unfollow share a key")
	}
	m1 := mustParse(t, `{"event_name":"user_send_text","recipient":{"id":"1"},"sender":{"id":"2"},"timestamp":"10","message":{"msg_id":"m1","text":"a"}}`)
	m2 := mustParse(t, `{"event_name":"user_send_text","recipient":{"id":"1"},"sender":{"id":"2"},"timestamp":"99","message":{"msg_id":"m1","text":"a"}}`)
	if DedupeKey(m1) != "m:1:m1" || DedupeKey(m1) != DedupeKey(m2) {
		t.Errorf("message keys %q %q, want m:1:m1", DedupeKey(m1), DedupeKey(m2))
	}
	n1 := mustParse(t, `{"event_name":"x_no_ts","oa_id":"1","a":1}`)
	n2 := mustParse(t, `{"event_name":"x_no_ts","oa_id":"1","a":2}`)
	if DedupeKey(n1) == DedupeKey(n2) {
		t.Error("different timestamp-less events share a key")
	}
}

func mustParse(t *testing.T, s string) Event {
	t.Helper()
	ev, err := ParseEvent([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func FuzzParseEvent(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	for _, fn := range files {
		raw, err := os.ReadFile(fn)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"event_name":"user_send_location","message":{"location":{"latitude":1e400,"longitude":"-0"}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := ParseEvent(raw)
		if err != nil {
			if ev != nil {
				t.Fatal("event with error")
			}
			return
		}
		if ev.Name() == "" {
			t.Fatal("event without name")
		}
		Route(ev)
		if DedupeKey(ev) == "" {
			t.Fatal("empty dedupe key")
		}
		MessageContent(ev)
	})
}

func BenchmarkParseEvent(b *testing.B) {
	raw := readFixture(b, "user_send_text")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		ev, err := ParseEvent(raw)
		if err != nil {
			b.Fatal(err)
		}
		DedupeKey(ev)
	}
}
