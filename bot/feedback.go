package bot

import (
	"slices"
	"strings"
	"time"

	"github.com/oabot/oabot/procedures"
)

// Citizen feedback on a card (issue 16): after a search answered with one card, the
// citizen can say it is not what they need — the "Không phải" button, offered at most once
// an hour per conversation, or a short reply such as "không phải" at any time. The bot then
// lists the other candidates, and officers see the message among the unanswered questions,
// with the procedure the citizen picked from that list as a hint.

// payloadNotThis is the "Không phải" button's payload.
const payloadNotThis = "#KHONGPHAI"

// feedbackEvery is how often, at most, the bot offers the "Không phải" button to one
// citizen.
const feedbackEvery = time.Hour

// maxOthers is how many other candidates the bot keeps to offer.
const maxOthers = 4

// notThisPhrases are whole replies (after words()) that say the last card was wrong.
var notThisPhrases = map[string]bool{
	"khong phai": true, "ko phai": true, "k phai": true, "hok phai": true, "hong phai": true,
	"khong phai a": true, "ko phai a": true, "khong phai roi": true, "sai roi": true, "sai": true,
	"khong dung": true, "ko dung": true, "khong phai thu tuc nay": true, "khong phai cai nay": true,
	"khong phai cai do": true, "nham roi": true, "khong phai dau": true,
}

// isNotThis reports whether text says the last card was not what the citizen needs.
func isNotThis(text string) bool {
	return strings.EqualFold(strings.TrimSpace(text), payloadNotThis) || notThisPhrases[strings.TrimRight(words(text), " ?.!")]
}

// rememberCard keeps a search's card for "không phải" and, at most once an hour and when
// there are other candidates to offer, adds the "Không phải" prompt after it.
func (b *Bot) rememberCard(acc *account, conv Conversation, text string, shown *procedures.Record, others []*procedures.Record, now time.Time, p *plan) {
	fb := Feedback{Query: maskQuery(text), Shown: shown.Code, PromptAt: conv.Feedback.PromptAt}
	for _, r := range others {
		if len(fb.Others) < maxOthers && r.Code != shown.Code {
			fb.Others = append(fb.Others, r.Code)
		}
	}
	if len(fb.Others) > 0 && now.Sub(fb.PromptAt) >= feedbackEvery {
		fb.PromptAt = now
		p.say(reply{Text: acc.texts.FeedbackPrompt, Buttons: []button{query(acc.texts.BtnNotThis, payloadNotThis)}})
	}
	p.change(func(c *Conversation) { c.Feedback = fb })
}

// forget drops the remembered card but keeps when the prompt was last offered (the
// once-an-hour limit outlives the card).
func forget(c *Conversation) { c.Feedback = Feedback{PromptAt: c.Feedback.PromptAt} }

// forgetCard drops the remembered card (another kind of answer followed it).
func forgetCard(conv Conversation, p *plan) {
	if conv.Feedback.Shown != "" || conv.Feedback.Pending {
		p.change(forget)
	}
}

// notThis answers "không phải" after a card: the other candidates as a numbered list (the
// pick is recorded for officers), or, without any, a request to write more with the
// officer button. The message goes to the officers' unanswered questions either way.
func (b *Bot) notThis(acc *account, conv Conversation, p *plan) {
	t := &acc.texts
	fb := conv.Feedback
	p.route = "not_this"
	p.stats.Unmatched = fb.Query
	var recs []*procedures.Record
	for _, code := range fb.Others {
		if r, ok := b.catalog.ByCode(code); ok {
			recs = append(recs, r)
		}
	}
	if len(recs) == 0 {
		askForMore(t, p)
		return
	}
	b.list(acc, recs, SectionCard, t.NotThisIntro, t.ListFooter, p)
	p.change(func(c *Conversation) { c.Feedback.Pending = true })
}

// askForMore answers "không phải" when there is nothing else to offer: a request to write
// more, or to ask an officer; the remembered card is dropped.
func askForMore(t *Texts, p *plan) {
	p.say(reply{Text: t.NotThisNone, Buttons: menuAndOfficer(t)})
	p.change(forget)
}

// recordPick notes, after "không phải", which of the other candidates the citizen chose:
// a hint for the officer who labels the message.
func recordPick(conv Conversation, code string, p *plan) {
	fb := conv.Feedback
	if !fb.Pending {
		return
	}
	if slices.Contains(fb.Others, code) {
		p.stats.Chosen = &Choice{Query: fb.Query, Code: code}
	}
	p.change(forget)
}
