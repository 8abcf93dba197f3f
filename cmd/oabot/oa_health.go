package main

import (
	"context"
	"sync"
	"time"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/zalo"
)

// healthWindow is how far back the failed sends are counted, in hourly buckets.
const healthWindow = 24

// healthTracker records per account, in this replica's memory, what the console's
// "Tình trạng kết nối OA" shows beside the shared token store: the last webhook event
// received, the last message Zalo accepted, the failed sends by class over the last 24
// hours (hourly buckets) and the last token refresh seen here. Nothing is shared between
// replicas and it starts empty at every start (since); the page says so. It is a
// webhook observer (initOps) and wraps the conversation's Zalo clients (messenger).
type healthTracker struct {
	now   func() time.Time
	since time.Time

	mu   sync.Mutex
	accs map[string]*accountHealth // by account id: the registry's accounts, so bounded
}

type accountHealth struct {
	lastEvent, lastSend time.Time
	errs                map[zalo.Class]*classCount
	refreshAt           time.Time // last refresh seen by this replica
	refreshErr          string    // its error ("" = success)
	refreshFailures     int
}

// classCount counts one class's failures per hour: hours[i] holds hour hourOf[i].
type classCount struct {
	hours  [healthWindow]int
	hourOf [healthWindow]int64
	last   time.Time
}

func newHealthTracker(now func() time.Time) *healthTracker {
	return &healthTracker{now: now, since: now(), accs: map[string]*accountHealth{}}
}

var _ httpapi.Observer = (*healthTracker)(nil)

// WebhookHandled records an event received for a known account: queued, or already
// queued (Zalo's retry) or too old to handle — Zalo reached us either way.
func (t *healthTracker) WebhookHandled(account string, o httpapi.Outcome, _ time.Duration) {
	if t == nil || account == "" {
		return
	}
	switch o {
	case httpapi.OutcomeQueued, httpapi.OutcomeDuplicate, httpapi.OutcomeStale:
		t.update(account, func(a *accountHealth, now time.Time) { a.lastEvent = now })
	}
}

// sent records the result of one call to Zalo on behalf of the account; delivered is
// true for a message Zalo accepted (an upload is not a message).
func (t *healthTracker) sent(ctx context.Context, account string, delivered bool, err error) {
	if err == nil && !delivered {
		return
	}
	if err != nil && ctx.Err() != nil {
		return // our own deadline or shutdown, not Zalo's answer
	}
	t.update(account, func(a *accountHealth, now time.Time) {
		if err == nil {
			a.lastSend = now
			return
		}
		c := zalo.ClassOf(err)
		cc := a.errs[c]
		if cc == nil {
			cc = &classCount{}
			a.errs[c] = cc
		}
		hour := now.Unix() / 3600
		i := hour % healthWindow
		if cc.hourOf[i] != hour {
			cc.hourOf[i], cc.hours[i] = hour, 0
		}
		cc.hours[i]++
		cc.last = now
	})
}

// refreshed records a token refresh (or code exchange) seen by this replica.
func (t *healthTracker) refreshed(account string, err error) {
	if t == nil {
		return
	}
	t.update(account, func(a *accountHealth, now time.Time) {
		a.refreshAt = now
		if err == nil {
			a.refreshErr, a.refreshFailures = "", 0
			return
		}
		a.refreshErr = err.Error() // zalo errors never hold a token
		a.refreshFailures++
	})
}

func (t *healthTracker) update(account string, f func(*accountHealth, time.Time)) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.accs[account]
	if a == nil {
		a = &accountHealth{errs: map[zalo.Class]*classCount{}}
		t.accs[account] = a
	}
	f(a, now)
}

// trackedFigures is one account's figures as recorded here.
type trackedFigures struct {
	lastEvent, lastSend time.Time
	errs                map[string]classFigure // by zalo.Class name
	refreshAt           time.Time
	refreshErr          string
	refreshFailures     int
}

type classFigure struct {
	count int
	last  time.Time
}

// figures reads an account's figures, the failures of the last 24 hours only.
func (t *healthTracker) figures(account string) trackedFigures {
	if t == nil {
		return trackedFigures{}
	}
	hour := t.now().Unix() / 3600
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.accs[account]
	if a == nil {
		return trackedFigures{}
	}
	f := trackedFigures{lastEvent: a.lastEvent, lastSend: a.lastSend, errs: map[string]classFigure{},
		refreshAt: a.refreshAt, refreshErr: a.refreshErr, refreshFailures: a.refreshFailures}
	for c, cc := range a.errs {
		n := 0
		for i, h := range cc.hourOf {
			if hour-h < healthWindow && h <= hour {
				n += cc.hours[i]
			}
		}
		if n > 0 {
			f.errs[c.String()] = classFigure{count: n, last: cc.last}
		}
	}
	return f
}

// messenger wraps an account's Zalo client so its sends are recorded.
func (t *healthTracker) messenger(account string, m bot.Messenger) bot.Messenger {
	if t == nil {
		return m
	}
	return trackedMessenger{Messenger: m, t: t, account: account}
}

// trackedMessenger is a bot.Messenger that tells the tracker how each call went.
type trackedMessenger struct {
	bot.Messenger
	t       *healthTracker
	account string
}

func (m trackedMessenger) Send(ctx context.Context, userID string, msg zalo.Message) (zalo.SendResult, error) {
	r, err := m.Messenger.Send(ctx, userID, msg)
	m.t.sent(ctx, m.account, true, err)
	return r, err
}

func (m trackedMessenger) UploadImage(ctx context.Context, filename string, data []byte) (string, error) {
	id, err := m.Messenger.UploadImage(ctx, filename, data)
	m.t.sent(ctx, m.account, false, err)
	return id, err
}
