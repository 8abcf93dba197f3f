package bot

import (
	"strings"
	"time"

	"github.com/oabot/oabot/zalo"
)

// pageSize is the number of procedures in one numbered list (one button each, Zalo
// accepts five buttons).
const pageSize = 5

// maxListed is how many search hits are kept for "xem thêm".
const maxListed = 4 * pageSize

// contextTTL is how long the last list and the current procedure stay meaningful: "2" or
// "cần giấy tờ gì" the next day should not refer to yesterday's answer.
const contextTTL = 2 * time.Hour

// plan is what the bot will do for one event: the replies, the state changes to store
// once they are sent, and the counters to add.
type plan struct {
	replies []reply
	changes []func(*Conversation)
	stats   StatsDelta
	route   string // for logs: which routing step answered
}

func (p *plan) change(f func(*Conversation)) { p.changes = append(p.changes, f) }

func (p *plan) mutate(c *Conversation) {
	for _, f := range p.changes {
		f(c)
	}
}

func (p *plan) say(rs ...reply) { p.replies = append(p.replies, rs...) }

// unanswered records text among the questions nobody could answer, masked (maskQuery)
// and as typed (maskTyped), for the officers.
func (p *plan) unanswered(text string) {
	p.stats.Unmatched, p.stats.UnmatchedTyped = maskQuery(text), maskTyped(text)
}

// plan decides the answer to ev from the stored conversation. It has no side effects, so
// a retried job plans the same replies (see HandleJob).
func (b *Bot) plan(acc *account, conv Conversation, ev zalo.Event, now time.Time) *plan {
	p := &plan{}
	if _, officer := ev.(*zalo.OASendEvent); officer {
		// An officer typed in the OA console: stay silent for this citizen until the
		// quiet time after the officer's last message has passed.
		p.route = "takeover"
		until := now.Add(acc.quietTime())
		p.change(func(c *Conversation) {
			if until.After(c.MutedUntil) {
				c.MutedUntil = until
			}
		})
		return p
	}
	if !conv.LastInteractionAt.IsZero() && now.Sub(conv.LastInteractionAt) > contextTTL {
		conv.LastList, conv.Page, conv.ListSection, conv.Current = nil, 0, 0, ""
		p.change(func(c *Conversation) { c.LastList, c.Page, c.ListSection, c.Current = nil, 0, 0, "" })
	}
	p.change(func(c *Conversation) { c.LastInteractionAt = now })
	if f, ok := ev.(*zalo.FollowEvent); ok {
		follow := f.Follow
		p.change(func(c *Conversation) { c.Follower, c.FollowerKnown = follow, true })
		if !follow {
			p.route, p.stats.Unfollows = "unfollow", 1
			return p
		}
		p.stats.Follows = 1
	}
	switch ev.(type) {
	case *zalo.TextEvent, *zalo.AttachmentEvent:
		p.stats.Messages = 1
	}
	if now.Before(conv.MutedUntil) {
		p.route = "muted"
		return p
	}
	switch e := ev.(type) {
	case *zalo.FollowEvent:
		p.route = "welcome"
		p.say(b.welcome(acc))
	case *zalo.ChatNowEvent:
		p.route = "chatnow"
		p.say(b.menu(acc))
	case *zalo.SubmitInfoEvent:
		// The info itself is neither stored nor logged here; only the consent time.
		p.route = "submit_info"
		p.change(func(c *Conversation) { c.InfoSubmittedAt = now })
		p.say(reply{Text: acc.texts.InfoThanks})
	case *zalo.TextEvent:
		if b.allow(acc, conv, now, p) {
			b.routeText(acc, conv, e.Text, now, p)
		}
	case *zalo.AttachmentEvent:
		if b.allow(acc, conv, now, p) {
			b.routeAttachment(acc, conv, e, now, p)
		}
	}
	if len(p.replies) > 0 && p.route != "rate_limited" && acc.Notice.activeAt(now) {
		p.replies = withNotice(&acc.texts, acc.Notice.Text, p.replies)
	}
	return p
}

// allow applies the per-citizen rate limit: up to acc.rateLimit() messages a minute, then
// one notice, then silence until the minute is over.
func (b *Bot) allow(acc *account, conv Conversation, now time.Time, p *plan) bool {
	start, count := conv.RateStart, conv.RateCount
	if start.IsZero() || now.Sub(start) >= time.Minute || now.Before(start) {
		start, count = now, 0
	}
	count++
	p.change(func(c *Conversation) { c.RateStart, c.RateCount = start, count })
	limit := acc.rateLimit()
	if count <= limit {
		return true
	}
	p.route = "rate_limited"
	if count == limit+1 {
		p.say(reply{Text: acc.texts.RateLimited})
	}
	return false
}

// withNotice puts the pinned notice in front of the first text reply, or as a message of
// its own when both would not fit in one.
func withNotice(t *Texts, notice string, rs []reply) []reply {
	head := fill(t.NoticeHeading, "text", strings.TrimSpace(notice))
	if rs[0].QRCode == "" && textLen(head)+2+textLen(rs[0].Text) <= maxTextRunes {
		out := append([]reply(nil), rs...)
		out[0].Text = head + "\n\n" + rs[0].Text
		return out
	}
	return append([]reply{{Text: truncate(head, maxTextRunes)}}, rs...)
}

// routeAttachment answers everything but text: a location gets the nearest office, the
// rest a short "the bot reads text" with the menu, at most once per nudge interval.
func (b *Bot) routeAttachment(acc *account, conv Conversation, e *zalo.AttachmentEvent, now time.Time, p *plan) {
	if e.Kind == "location" || e.Location != nil {
		p.route = "location"
		p.say(nearestOffice(acc, e.Location, now))
		return
	}
	if !conv.LastNudgeAt.IsZero() && now.Sub(conv.LastNudgeAt) < acc.nudgeInterval() && !now.Before(conv.LastNudgeAt) {
		p.route = "nudge_quiet"
		return
	}
	p.route = "nudge"
	p.change(func(c *Conversation) { c.LastNudgeAt = now })
	p.say(reply{Text: acc.texts.ReadsTextOnly, Buttons: b.menuButtons(acc)})
}
