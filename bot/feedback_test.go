package bot

import (
	"strings"
	"testing"
	"time"
)

// After a card, "không phải" lists the other candidates; the pick is recorded for the
// officers beside the message (masked), which goes to the unanswered questions. The
// "Không phải" button is offered at most once an hour.
func TestFeedbackNotThis(t *testing.T) {
	h := newHarness(t)
	msgs := h.text("làm tạm trú")
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "tạm trú") {
		t.Fatalf("card + prompt expected, got %d messages:\n%s", len(msgs), describe(msgs))
	}
	if p := msgs[1]; !strings.Contains(p.Text, "Không phải") || len(p.Buttons) != 1 || p.Buttons[0].Payload != payloadNotThis {
		t.Fatalf("prompt = %s", describe(msgs[1:]))
	}
	if fb := h.conv().Feedback; fb.Shown != "1.004194" || fb.Query != "lam tam tru" || len(fb.Others) != 2 {
		t.Fatalf("feedback kept = %+v", fb)
	}
	// The button: the other candidates, numbered; the message goes to the officers.
	msgs = h.text(payloadNotThis)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Xin lỗi bạn") || !strings.Contains(msgs[0].Text, "1. Gia hạn tạm trú") {
		t.Fatalf("not this = %s", describe(msgs))
	}
	last := h.stats.deltas[len(h.stats.deltas)-1]
	if last.Unmatched != "lam tam tru" {
		t.Errorf("stats after 'không phải' = %+v, want the masked message as unanswered", last)
	}
	// "1" picks the first other one; the pick is the officers' hint.
	msgs = h.text("1")
	if len(msgs) == 0 || !strings.Contains(msgs[0].Text, "Gia hạn tạm trú") {
		t.Fatalf("pick = %s", describe(msgs))
	}
	last = h.stats.deltas[len(h.stats.deltas)-1]
	if last.Chosen == nil || *last.Chosen != (Choice{Query: "lam tam tru", Code: "1.002755"}) {
		t.Errorf("pick recorded = %+v", last.Chosen)
	}
	if fb := h.conv().Feedback; fb.Pending || fb.Shown != "" {
		t.Errorf("feedback after the pick = %+v, want cleared", fb)
	}
	// Within the hour: the card again, without the prompt; typed "ko phải" still works.
	h.now = h.now.Add(10 * time.Minute)
	if msgs := h.text("lam tam tru lan 2"); len(msgs) != 1 {
		t.Fatalf("second card within the hour: %d messages, want the card alone:\n%s", len(msgs), describe(msgs))
	}
	if msgs := h.text("ko phải"); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Gia hạn tạm trú") {
		t.Fatalf("typed 'ko phải' = %s", describe(msgs))
	}
	// An hour later the prompt comes back.
	h.now = h.now.Add(time.Hour)
	if msgs := h.text("làm tạm trú"); len(msgs) != 2 {
		t.Errorf("after an hour: %d messages, want card + prompt", len(msgs))
	}
}

// "không phải" with no card before it, after a list, or after the other candidates were
// offered asks the citizen to say more (or ask an officer): it is not searched, so it
// never reaches the officers' unanswered questions as "khong phai".
func TestFeedbackWithoutCard(t *testing.T) {
	h := newHarness(t)
	more := h.b.byID["benthanh"].texts.NotThisNone
	msgs := h.text("không phải")
	if h.conv().Feedback.Pending || len(msgs) != 1 || msgs[0].Text != more {
		t.Errorf("'không phải' without a card = %s, want to be asked for more", describe(msgs))
	}
	h.text("lam tam tru")
	h.text("can cuoc") // a list replaces the card
	if fb := h.conv().Feedback; fb.Shown != "" {
		t.Errorf("feedback after a list = %+v, want the card forgotten", fb)
	}
	if msgs := h.text("không phải"); len(msgs) != 1 || msgs[0].Text != more {
		t.Errorf("'không phải' after a list = %s, want to be asked for more", describe(msgs))
	}
	// After the other candidates: not the same list again.
	h.now = h.now.Add(2 * time.Hour)
	h.text("lam tam tru")
	h.text("không phải")
	if msgs := h.text("không phải"); len(msgs) != 1 || msgs[0].Text != more {
		t.Errorf("a second 'không phải' = %s, want to be asked for more", describe(msgs))
	}
	for _, d := range h.stats.deltas {
		if d.Unmatched == "khong phai" {
			t.Errorf("'không phải' recorded as an unanswered question")
		}
	}
}
