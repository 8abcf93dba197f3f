package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot/queue"
	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

// Deps are the Bot's collaborators. Logger, Clock, Texts, QR and Attachments are optional.
type Deps struct {
	Logger *zap.Logger
	// Clock returns the current time; tests inject a fake one. Default time.Now.
	Clock func() time.Time
	State StateStore
	Stats Stats
	// Catalog and Search are the procedure catalogue and its search.
	Catalog Catalog
	Search  Searcher
	// Accounts are the OAs the bot answers for.
	Accounts []Account
	// Messenger returns the Zalo client of an account (by Account.ID).
	Messenger func(account string) (Messenger, bool)
	// Texts is the default wording; zero value means DefaultTexts(). Accounts override
	// entries with Account.Texts.
	Texts *Texts
	// QR draws procedure QR codes for the "Mã QR" button; nil means the bot answers that
	// the QR is unavailable.
	QR QRImages
	// Attachments caches uploaded QR images; nil means upload every time.
	Attachments AttachmentCache
	// Local gives a record as an account tells it — its own address, times and fees over
	// the shared record (catalog.Library.Local); nil: the shared record as it is.
	Local func(account string, r *procedures.Record) *procedures.Record
}

// Bot is the citizen conversation. It implements Handler; it is safe for concurrent use.
type Bot struct {
	log       *zap.Logger
	now       func() time.Time
	state     StateStore
	stats     Stats
	catalog   Catalog
	search    Searcher
	messenger func(string) (Messenger, bool)
	qr        QRImages
	attach    AttachmentCache
	local     func(string, *procedures.Record) *procedures.Record
	texts     Texts // the wording accounts override
	byID      map[string]*account
	byOA      map[string]*account
	order     []*account // as configured: the first other office handling a procedure is named in referrals
}

// account is an Account with its wording resolved.
type account struct {
	Account
	texts Texts
}

var _ queue.Handler = (*Bot)(nil)

// New checks deps and returns a Bot. It does no I/O.
func New(d Deps) (*Bot, error) {
	var missing []error
	if d.State == nil {
		missing = append(missing, errors.New("State"))
	}
	if d.Stats == nil {
		missing = append(missing, errors.New("Stats"))
	}
	if d.Catalog == nil {
		missing = append(missing, errors.New("Catalog"))
	}
	if d.Search == nil {
		missing = append(missing, errors.New("Search"))
	}
	if d.Messenger == nil {
		missing = append(missing, errors.New("Messenger"))
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("bot: missing dependencies: %w", errors.Join(missing...))
	}
	b := &Bot{
		log: d.Logger, now: d.Clock, state: d.State, stats: d.Stats, catalog: d.Catalog,
		search: d.Search, messenger: d.Messenger, qr: d.QR, attach: d.Attachments, local: d.Local,
		byID: map[string]*account{}, byOA: map[string]*account{},
	}
	if b.log == nil {
		b.log = zap.NewNop()
	}
	b.log = b.log.Named("bot")
	if b.now == nil {
		b.now = time.Now
	}
	base := DefaultTexts()
	if d.Texts != nil {
		base = *d.Texts
	}
	b.texts = base
	for _, a := range d.Accounts {
		if a.ID == "" {
			return nil, errors.New("bot: account without ID")
		}
		if _, dup := b.byID[a.ID]; dup {
			return nil, fmt.Errorf("bot: duplicate account %q", a.ID)
		}
		acc, err := newAccount(base, a, d.Catalog)
		if err != nil {
			return nil, err
		}
		b.order = append(b.order, acc)
		b.byID[a.ID] = acc
		if a.OAID != "" {
			b.byOA[a.OAID] = acc
		}
	}
	return b, nil
}

// HandleJob answers the job's event (parsed by queue.Pipeline, or here when called alone).
//
// Idempotency (the queue delivers at least once): the reply is planned from the stored
// conversation, which is not changed until every message of the job has been sent. After
// each message but the last, the conversation's Job field records how many were sent; the
// final update stores the planned state changes and marks the job done. A retried job
// therefore plans the same replies from the same state and skips the ones already sent,
// and a job already done is skipped whole. What can still repeat: one message, when the
// process dies between a send and the store write that follows it.
func (b *Bot) HandleJob(ctx context.Context, job queue.Job) error {
	ev := job.Event // parsed once by queue.Pipeline
	if ev == nil {
		var err error
		if ev, err = zalo.ParseEvent(job.Raw); err != nil {
			// A body that does not parse will not parse on retry either.
			b.log.Warn("undecodable event", zap.String("event_name", job.EventName), zap.Error(err))
			return nil
		}
	}
	oaID, userID := zalo.Route(ev)
	acc := b.byID[job.Account]
	if acc == nil {
		acc = b.byOA[oaID]
	}
	if acc == nil {
		b.log.Warn("event for unknown account", zap.String("account", job.Account), zap.String("oa_id", oaID))
		return nil
	}
	if userID == "" {
		return nil
	}
	if !relevant(ev) {
		return nil
	}
	key := job.DedupeKey
	if key == "" {
		key = zalo.DedupeKey(ev)
	}
	return b.handle(ctx, acc, oaID, userID, key, ev)
}

// relevant drops receipts, reactions, unknown events and the OA's own API echoes before
// any store access.
func relevant(ev zalo.Event) bool {
	switch e := ev.(type) {
	case *zalo.TextEvent, *zalo.AttachmentEvent, *zalo.SubmitInfoEvent, *zalo.FollowEvent, *zalo.ChatNowEvent:
		return true
	case *zalo.OASendEvent:
		return e.AdminID != "" || e.Sender.AdminID != ""
	}
	return false
}

func (b *Bot) handle(ctx context.Context, acc *account, oaID, userID, key string, ev zalo.Event) error {
	conv, err := b.state.Get(ctx, oaKey(acc, oaID), userID)
	if err != nil && !errors.Is(err, ErrNoConversation) {
		return fmt.Errorf("load conversation: %w", err)
	}
	if conv.Job.Key == key && conv.Job.Done {
		return nil
	}
	now := b.now()
	p := b.plan(acc, conv, ev, now)
	skip := 0
	if conv.Job.Key == key {
		skip = conv.Job.Sent
	}
	if len(p.replies) > 0 {
		if err := b.sendAll(ctx, acc, oaID, userID, key, p.replies, skip); err != nil {
			return err
		}
	}
	_, err = b.state.Update(ctx, oaKey(acc, oaID), userID, func(c *Conversation) error {
		if c.Job.Key == key && c.Job.Done {
			return nil
		}
		p.mutate(c)
		c.Job = JobProgress{Key: key, Sent: len(p.replies), Done: true}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store conversation: %w", err)
	}
	if !p.stats.Empty() {
		if err := b.stats.Record(ctx, acc.ID, p.stats, now); err != nil {
			b.log.Warn("record stats", zap.String("account", acc.ID), zap.Error(err))
		}
	}
	b.log.Debug("event handled", zap.String("account", acc.ID), zap.String("event_name", ev.Name()),
		zap.String("route", p.route), zap.Int("replies", len(p.replies)))
	return nil
}

// oaKey is the OA id the conversation is stored under: the event's, else the account's.
func oaKey(acc *account, oaID string) string {
	if oaID != "" {
		return oaID
	}
	return acc.OAID
}

// sendAll sends replies[skip:], recording progress after each message but the last.
func (b *Bot) sendAll(ctx context.Context, acc *account, oaID, userID, key string, replies []reply, skip int) error {
	m, ok := b.messenger(acc.ID)
	if !ok {
		return fmt.Errorf("no messenger for account %q", acc.ID)
	}
	for i := skip; i < len(replies); i++ {
		err := b.send(ctx, m, acc, userID, replies[i])
		switch {
		case err == nil:
		case permanent(err):
			// Zalo will refuse this message whatever we do (a bug in the message, the
			// citizen outside the window, blocked OA): log it and go on with the rest.
			b.log.Error("reply refused", zap.String("account", acc.ID), zap.Int("message", i+1), zap.Error(err))
		default:
			return fmt.Errorf("send reply %d/%d: %w", i+1, len(replies), err)
		}
		if i == len(replies)-1 {
			break
		}
		sent := i + 1
		_, err = b.state.Update(ctx, oaKey(acc, oaID), userID, func(c *Conversation) error {
			c.Job = JobProgress{Key: key, Sent: sent}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store progress: %w", err)
		}
	}
	return nil
}

// newAccount resolves a's wording over base and its quick topics (the office's own, else
// its scope's common procedures, else the built-in topics).
func newAccount(base Texts, a Account, cat Catalog) (*account, error) {
	t, err := base.Override(a.Texts)
	if err != nil {
		return nil, fmt.Errorf("bot: account %q: %w", a.ID, err)
	}
	switch {
	case len(a.QuickTopics) > 0:
	case !a.Scope.Empty():
		a.QuickTopics = scopedQuickTopics(a.Scope, cat)
	default:
		a.QuickTopics = DefaultQuickTopics()
	}
	return &account{Account: a, texts: t}, nil
}

// PreviewWelcome renders the welcome a citizen who follows a would get — a as an office
// is about to save it (console settings), not yet served. It does no I/O.
func (b *Bot) PreviewWelcome(a Account) (zalo.Message, error) {
	acc, err := newAccount(b.texts, a, b.catalog)
	if err != nil {
		return zalo.Message{}, err
	}
	return b.welcome(acc).message(), nil
}
