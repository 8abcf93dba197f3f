package broadcast

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/oabot/oabot/zalo"
)

// DefaultPlanTTL is how long an officer has to confirm a plan.
const DefaultPlanTTL = time.Hour

// Deps are what a Service needs.
type Deps struct {
	Store     Store
	Followers Followers
	// Accounts by config slug.
	Accounts map[string]Account
	// Lookup, when set, is used instead of Accounts, so accounts added or disabled at run
	// time apply without a restart (it must be safe for concurrent use).
	Lookup func(id string) (Account, bool)
	// RenderCard renders a procedure card; nil disables ProcedureCode.
	RenderCard RenderCard
	// RatePerSecond is the per-OA send rate used for estimates (the Limiter enforces it).
	RatePerSecond float64
	PlanTTL       time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
}

// Service plans, creates and controls campaigns. Delivery is the Runner's job.
type Service struct {
	d Deps
}

// account returns the account id from Deps.Lookup, else from Deps.Accounts.
func (s *Service) account(id string) (Account, bool) {
	return lookupAccount(s.d.Lookup, s.d.Accounts, id)
}

// lookupAccount asks lookup when set, else reads m.
func lookupAccount(lookup func(string) (Account, bool), m map[string]Account, id string) (Account, bool) {
	if lookup != nil {
		return lookup(id)
	}
	a, ok := m[id]
	return a, ok
}

// New checks deps and returns a Service.
func New(d Deps) (*Service, error) {
	if d.Store == nil || d.Followers == nil {
		return nil, errors.New("broadcast: store and followers are required")
	}
	if d.PlanTTL <= 0 {
		d.PlanTTL = DefaultPlanTTL
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}, nil
}

// Validate checks a Spec against the accounts and Zalo's limits, reporting every problem.
func (s *Service) Validate(spec Spec) error {
	var probs []string
	add := func(format string, a ...any) { probs = append(probs, fmt.Sprintf(format, a...)) }
	if len(spec.Accounts) == 0 {
		add("accounts: at least one account is required")
	}
	for _, a := range spec.Accounts {
		if _, ok := s.account(a); !ok {
			add("accounts: unknown account %q", a)
		}
	}
	switch spec.Channel {
	case "", ChannelConsultation:
		probs = append(probs, validateConsultation(spec, s.d.RenderCard != nil)...)
	case ChannelArticle:
		probs = append(probs, s.validateArticle(spec)...)
	default:
		add("channel: must be %q or %q", ChannelConsultation, ChannelArticle)
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(probs, "; "))
	}
	return nil
}

func validateConsultation(spec Spec, canRender bool) []string {
	var probs []string
	add := func(format string, a ...any) { probs = append(probs, fmt.Sprintf(format, a...)) }
	switch spec.Segment.Kind {
	case SegmentAll:
	case SegmentInteracted:
		if spec.Segment.Days <= 0 {
			add("segment.days: must be positive")
		}
	case SegmentTag:
		if spec.Segment.Tag == "" {
			add("segment.tag: required")
		}
	case SegmentLabel:
		if spec.Segment.Label == "" {
			add("segment.label: required")
		}
	default:
		add("segment.kind: must be all, interacted, tag or label")
	}
	text := norm.NFC.String(spec.Text)
	if strings.TrimSpace(text) == "" && spec.ImageURL == "" && spec.ImageAttachmentID == "" {
		add("text: required (or an image)")
	}
	if n := utf8.RuneCountInString(text); n > MaxTextRunes {
		add("text: %d characters, at most %d", n, MaxTextRunes)
	}
	if spec.ImageURL != "" && spec.ImageAttachmentID != "" {
		add("image: give image_url or image_attachment_id, not both")
	}
	if spec.ImageURL != "" && !strings.HasPrefix(spec.ImageURL, "https://") {
		add("image_url: must be https")
	}
	if len(spec.Buttons) > MaxButtons {
		add("buttons: %d, at most %d", len(spec.Buttons), MaxButtons)
	}
	for i, b := range spec.Buttons {
		probs = append(probs, validateButton(i, b)...)
	}
	if spec.ProcedureCode != "" && !canRender {
		add("procedure_code: cards are not available")
	}
	if spec.ArticleID != "" {
		add("article_id: only for the article channel")
	}
	return probs
}

func validateButton(i int, b Button) []string {
	var probs []string
	title := norm.NFC.String(b.Title)
	if title == "" || utf8.RuneCountInString(title) > MaxButtonTitleRunes {
		probs = append(probs, fmt.Sprintf("buttons[%d].title: 1 to %d characters", i, MaxButtonTitleRunes))
	}
	switch b.Type {
	case "oa.open.url":
		if !strings.HasPrefix(b.Payload, "https://") {
			probs = append(probs, fmt.Sprintf("buttons[%d].payload: an https URL", i))
		}
	case "oa.query.show", "oa.query.hide", "oa.open.phone":
		if b.Payload == "" {
			probs = append(probs, fmt.Sprintf("buttons[%d].payload: required", i))
		}
	default:
		probs = append(probs, fmt.Sprintf("buttons[%d].type: oa.open.url, oa.query.show, oa.query.hide or oa.open.phone", i))
	}
	return probs
}

// Plan works out who a campaign would reach and stores the result for Create. Nothing is
// sent.
func (s *Service) Plan(ctx context.Context, spec Spec, officer string) (Plan, error) {
	if spec.Channel == "" {
		spec.Channel = ChannelConsultation
	}
	spec.Text = norm.NFC.String(spec.Text)
	if err := s.Validate(spec); err != nil {
		return Plan{}, err
	}
	now := s.d.Now()
	if spec.Channel == ChannelArticle {
		if err := s.checkArticleQuota(ctx, spec, now); err != nil {
			return Plan{}, err
		}
	}
	p := Plan{
		ID: newID(), Spec: spec, CreatedBy: officer, CreatedAt: now,
		ExpiresAt: now.Add(s.d.PlanTTL), Unreachable: map[Reason]int{},
		Messages: map[string][]Message{},
	}
	var all []Recipient
	for _, acct := range spec.Accounts {
		a, ok := s.account(acct)
		if !ok {
			return Plan{}, fmt.Errorf("%w: %s", ErrUnknownAccount, acct)
		}
		ap, rs, msgs, err := s.planAccount(ctx, spec, a, now)
		if err != nil {
			return Plan{}, err
		}
		p.Accounts = append(p.Accounts, ap)
		p.Messages[acct] = msgs
		p.Recipients += ap.Recipients
		p.Reachable += ap.Reachable
		for r, n := range ap.Unreachable {
			p.Unreachable[r] += n
		}
		all = append(all, rs...)
	}
	p.Rules = s.rules(spec)
	if err := s.d.Store.SavePlan(ctx, p, all, s.d.PlanTTL); err != nil {
		return Plan{}, fmt.Errorf("save plan: %w", err)
	}
	return p, nil
}

func (s *Service) planAccount(ctx context.Context, spec Spec, a Account, now time.Time) (AccountPlan, []Recipient, []Message, error) {
	ap := AccountPlan{Account: a.ID, OAID: a.OAID, Unreachable: map[Reason]int{}}
	if spec.Channel == ChannelArticle {
		// Zalo picks the recipients of an article broadcast; we send one request per OA.
		ap.Recipients, ap.Reachable, ap.MessagesPerRecipient = 1, 1, 1
		return ap, []Recipient{{Account: a.ID, UserID: articleRecipient}}, nil, nil
	}
	msgs, err := s.messages(ctx, spec, a.ID)
	if err != nil {
		return ap, nil, nil, err
	}
	ids, err := s.d.Followers.Segment(ctx, a.OAID, spec.Segment, now)
	if err != nil {
		return ap, nil, nil, fmt.Errorf("segment of %s: %w", a.ID, err)
	}
	infos, err := s.d.Followers.Lookup(ctx, a.OAID, ids)
	if err != nil {
		return ap, nil, nil, fmt.Errorf("look up followers of %s: %w", a.ID, err)
	}
	rs := make([]Recipient, 0, len(infos))
	for _, fi := range infos {
		r := Recipient{Account: a.ID, UserID: fi.UserID, Skip: Reachability(fi, now)}
		if r.Skip == "" {
			ap.Reachable++
		} else {
			ap.Unreachable[r.Skip]++
		}
		rs = append(rs, r)
	}
	ap.Recipients = len(rs)
	ap.MessagesPerRecipient = len(msgs)
	if s.d.RatePerSecond > 0 {
		secs := float64(ap.Reachable*len(msgs)) / s.d.RatePerSecond
		ap.EstimatedDuration = time.Duration(secs * float64(time.Second))
	}
	return ap, rs, msgs, nil
}

// Reachability says why a consultation message cannot reach the citizen now, or "" when it
// can: known unfollowers, citizens never seen interacting, and those whose last interaction is
// older than ConsultationWindow are out.
func Reachability(fi FollowerInfo, now time.Time) Reason {
	switch {
	case fi.FollowerKnown && !fi.Follower:
		return ReasonUnfollowed
	case fi.LastInteractionAt.IsZero():
		return ReasonNoInteraction
	case now.Sub(fi.LastInteractionAt) > ConsultationWindow:
		return ReasonOutsideWindow
	}
	return ""
}

// messages renders what each recipient of account gets, in order: the announcement (with
// its image as a separate message when it also has buttons), then the procedure card.
func (s *Service) messages(ctx context.Context, spec Spec, account string) ([]Message, error) {
	hasImage := spec.ImageURL != "" || spec.ImageAttachmentID != ""
	var msgs []Message
	switch {
	case hasImage && len(spec.Buttons) > 0:
		msgs = append(msgs,
			Message{ImageURL: spec.ImageURL, ImageAttachmentID: spec.ImageAttachmentID},
			Message{Text: spec.Text, Buttons: spec.Buttons})
	case hasImage:
		msgs = append(msgs, Message{Text: spec.Text, ImageURL: spec.ImageURL, ImageAttachmentID: spec.ImageAttachmentID})
	default:
		msgs = append(msgs, Message{Text: spec.Text, Buttons: spec.Buttons})
	}
	if spec.ProcedureCode != "" {
		card, err := s.d.RenderCard(ctx, account, spec.ProcedureCode)
		if err != nil {
			return nil, fmt.Errorf("%w: procedure_code: %v", ErrInvalid, err)
		}
		msgs = append(msgs, card...)
	}
	return msgs, nil
}

// rules lists the platform rules that apply to spec, for the officer to read before
// confirming.
func (s *Service) rules(spec Spec) []string {
	if spec.Channel == ChannelArticle {
		return []string{ruleArticleVerified, ruleArticleDaily, ruleArticleMonthly, ruleArticleZalo}
	}
	r := []string{
		fmt.Sprintf(ruleWindowFmt, int(ConsultationWindow.Hours()/24)),
		ruleRecheck,
		ruleOnce,
		fmt.Sprintf(ruleLimitsFmt, MaxTextRunes, MaxButtons),
	}
	if !spec.SendAt.IsZero() {
		r = append(r, fmt.Sprintf(ruleSendAtFmt, spec.SendAt.In(zalo.Vietnam).Format("15:04 02/01/2006")))
	}
	if s.d.RatePerSecond > 0 {
		r = append(r, fmt.Sprintf(ruleRateFmt, s.d.RatePerSecond))
	}
	return r
}

// GetPlan returns a stored plan (ErrPlanExpired once it is gone).
func (s *Service) GetPlan(ctx context.Context, id string) (Plan, error) {
	p, _, err := s.d.Store.LoadPlan(ctx, id)
	return p, err
}

// Create turns a stored plan into a campaign. The campaign id is the plan id, so confirming
// twice creates one campaign.
func (s *Service) Create(ctx context.Context, planID, officer string) (Campaign, Progress, error) {
	p, rs, err := s.d.Store.LoadPlan(ctx, planID)
	if err != nil {
		return Campaign{}, Progress{}, err
	}
	c := Campaign{
		ID: p.ID, PlanID: p.ID, Spec: p.Spec, CreatedBy: officer, CreatedAt: s.d.Now(),
		Messages: p.Messages, OAIDs: map[string]string{},
	}
	for _, a := range p.Spec.Accounts {
		acct, ok := s.account(a)
		if !ok {
			return Campaign{}, Progress{}, fmt.Errorf("%w: %s", ErrUnknownAccount, a)
		}
		c.OAIDs[a] = acct.OAID
	}
	status := StatusRunning
	if p.Spec.SendAt.After(s.d.Now()) {
		status = StatusScheduled
	}
	if _, err := s.d.Store.CreateCampaign(ctx, c, rs, status, p.Spec.SendAt); err != nil {
		return Campaign{}, Progress{}, fmt.Errorf("create campaign: %w", err)
	}
	return s.Status(ctx, c.ID)
}

// Status returns a campaign and its live progress, with an ETA.
func (s *Service) Status(ctx context.Context, id string) (Campaign, Progress, error) {
	c, p, err := s.d.Store.Campaign(ctx, id)
	if err != nil {
		return c, p, err
	}
	return c, withETA(p, s.d.Now(), s.d.RatePerSecond), nil
}

// List returns the most recent campaigns.
func (s *Service) List(ctx context.Context, limit int) ([]Campaign, []Progress, error) {
	ids, err := s.d.Store.Campaigns(ctx, limit)
	if err != nil {
		return nil, nil, err
	}
	var cs []Campaign
	var ps []Progress
	for _, id := range ids {
		c, p, err := s.d.Store.Campaign(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		cs, ps = append(cs, c), append(ps, withETA(p, s.d.Now(), s.d.RatePerSecond))
	}
	return cs, ps, nil
}

// Pause stops handing out recipients; sends already under way finish.
func (s *Service) Pause(ctx context.Context, id string) (Progress, error) {
	return s.d.Store.SetStatus(ctx, id, StatusPaused, "paused by an officer")
}

// Resume continues a paused campaign (or makes it wait for its time if it has not come).
func (s *Service) Resume(ctx context.Context, id string) (Progress, error) {
	return s.d.Store.SetStatus(ctx, id, StatusRunning, "")
}

// Cancel stops a campaign for good; recipients not yet sent are reported as cancelled.
func (s *Service) Cancel(ctx context.Context, id string) (Progress, error) {
	return s.d.Store.SetStatus(ctx, id, StatusCancelled, "cancelled by an officer")
}

// Accounts returns the account ids a campaign touches, sorted (for authorisation).
func (c Campaign) AccountIDs() []string {
	ids := slices.Clone(c.Spec.Accounts)
	slices.Sort(ids)
	return ids
}

// articleRecipient stands for "the OA's followers, as Zalo picks them" in an article
// campaign, which has one send per account.
const articleRecipient = "*article*"

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102") + "-" + hex.EncodeToString(b[:])
}
