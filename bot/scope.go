package bot

import (
	"slices"
	"strings"

	"github.com/oabot/oabot/procedures"
)

// inScope narrows a search outcome to the procedures the office handles (Account.Scope).
// Codes and deep links the citizen sent are not searched and not narrowed: the citizen
// named the procedure.
func inScope(acc *account, f Found) Found { return NarrowToScope(acc.Scope, f) }

// find searches for acc: with its scope when the searcher can (ScopedSearcher).
func (b *Bot) find(acc *account, text string, limit int) Found {
	if ss, ok := b.search.(ScopedSearcher); ok && !acc.Scope.Empty() {
		return ss.FindIn(acc.ID, text, limit, acc.Scope)
	}
	return b.search.Find(acc.ID, text, limit)
}

// NarrowToScope narrows a search outcome to the procedures of scope s: when the best
// match is another office's, a referral replaces the card; a list led by another
// office's procedure becomes that referral followed by this office's matches (a list of
// this office's lesser matches alone turned 8–13 % of other offices' questions on the
// unsealed labelled sets into lists of procedures nobody asked for, while an unsure
// national list's top is often wrong and the citizen's procedure is further down);
// otherwise a list keeps only this office's procedures. (Exported for the
// evaluation of referrals, `oabot procedures eval --office`.)
func NarrowToScope(s procedures.Scope, f Found) Found {
	if s.Empty() {
		return f
	}
	keep := func(rs []*procedures.Record) []*procedures.Record {
		return slices.DeleteFunc(slices.Clone(rs), func(r *procedures.Record) bool { return !s.Contains(r) })
	}
	// The best match at another level or agency than this office's: the same procedure
	// as this office does it (a variant), when there is one, is what the citizen means.
	if (f.Kind == FoundOne || f.Kind == FoundSeveral) && !s.Contains(f.Hits[0]) {
		if i := slices.IndexFunc(f.Variants, s.Contains); i >= 0 {
			v := f.Variants[i]
			f.Hits = append([]*procedures.Record{v}, slices.DeleteFunc(slices.Clone(f.Hits[1:]), func(r *procedures.Record) bool { return r == v })...)
			f.Variants = nil
		}
	}
	switch f.Kind {
	case FoundOne:
		if !s.Contains(f.Hits[0]) {
			return Found{Kind: FoundReferral, Referral: f.Hits[0], Aspect: f.Aspect}
		}
		f.Others = keep(f.Others)
		f.Variants = keep(f.Variants)
	case FoundSeveral:
		hits := keep(f.Hits)
		if f.Lacked.Code != "" {
			// Named as a procedure the catalogue lacks: no office of it to refer to; this
			// office's matches stay, in case the citizen meant one.
			if len(hits) == 0 {
				return Found{Kind: FoundNothing, Lacked: f.Lacked, Aspect: f.Aspect, Said: f.Said}
			}
			f.Hits = hits
			return f
		}
		if len(hits) == 0 || !s.Contains(f.Hits[0]) && !ownIsClose(s, f) {
			// The search was unsure: the referral first, then this office's likely
			// matches (alsoListed). The bot searches maxListed deep (for "xem thêm"), and
			// this office's procedures far down that list share a word with the question
			// at most: a birth registration asked of the police listed five police
			// procedures nobody asked for after the referral.
			return Found{Kind: FoundReferral, Referral: f.Hits[0], Guess: true, Hits: alsoListed(s, f), Aspect: f.Aspect}
		}
		f.Hits = hits
	case FoundClarify:
		opts := keep(f.Options)
		switch len(opts) {
		case 0:
			return Found{Kind: FoundReferral, Referral: f.Options[0], Aspect: f.Aspect}
		case 1:
			return Found{Kind: FoundOne, Hits: opts, Aspect: f.Aspect}
		}
		f.Options = opts
	}
	return f
}

// referral tells the citizen which office does r and, when another OA of this deployment
// handles it, offers a button that opens that OA in Zalo. A guess (the first of a list the
// search was unsure of) is said as one: "Tách hộ" led the list for "làm sổ hộ nghèo ở
// đâu" at a ward, and the citizen was told, as a fact, that what they asked for was the
// police's.
func (b *Bot) referral(acc *account, r *procedures.Record, guess bool) reply {
	t := &acc.texts
	// The portal's agency often ends in a full stop ("Ủy ban Nhân dân xã, phường, thị
	// trấn."), which the sentence goes on after.
	agency := strings.TrimRight(strings.TrimSpace(r.Agency), ".;, ")
	if agency == "" {
		agency = t.ReferralAgencyUnknown
	}
	say := t.Referral
	if guess {
		say = t.ReferralMaybe
	}
	lines := []string{fill(say, "procedure", nameInText(r.Name, 200), "agency", truncate(oneLine(agency), 150), "office", acc.Name)}
	var bs []button
	if other := b.handledBy(acc, r); other != nil {
		lines = append(lines, fill(t.ReferralOther, "other", other.Name))
		bs = append(bs, link(truncate(fill(t.BtnOpenOA, "other", other.Name), maxButtonTitleRunes), "https://zalo.me/"+other.OAID))
	} else {
		lines = append(lines, t.ReferralNone)
	}
	bs = append(bs, query(t.BtnMenu, payloadMenu))
	return reply{Text: truncate(strings.Join(lines, "\n"), maxTextRunes), Buttons: bs}
}

// handledBy is the first other account of this deployment whose scope holds r (nil: none).
func (b *Bot) handledBy(acc *account, r *procedures.Record) *account {
	for _, o := range b.order {
		if o != acc && o.OAID != "" && !o.Scope.Empty() && o.Scope.Contains(r) {
			return o
		}
	}
	return nil
}

// ReferralMargin: an unsure list led by another office's procedure still answers with
// this office's matches when its best one scores at least this share of the leader's.
// Chosen on the unsealed labelled sets (`oabot procedures eval --office`): over the
// national catalogue 0.8 keeps other offices' questions referred ≥ 0.9 for both demo
// offices while halving the own questions referred by mistake (0.6–0.9 tried).
// ReferralMarginRanked is the same share of the learned ranker's probabilities, read
// when the ranker ordered the list: its order and the search's scores often disagree
// (the leader may score below the office's own), its probabilities do not. On the
// unsealed sets (December 2026), against the scores at 0.8: at 0.3 the ward's own
// questions answered first 484 → 493 of 579 and the police's 712 → 717 of 808, while
// other offices' questions referred rose 1092 → 1098 of 1194 (ward) and 858 → 880 of 965
// (police); 0.15 answered one more own question per office and referred 13–19 fewer,
// 0.5 answered 3–4 fewer and referred 14–20 more.
const (
	ReferralMargin       = 0.8
	ReferralMarginRanked = 0.3
)

// ReferralAlsoRanked: after a referral, this office's matches are listed when the
// learned ranker gives them at least this share of the leader's probability. On the
// unsealed sets over the national catalogue (December 2026) the own procedures listed
// after other offices' questions had a median share of 0.004 (three in four under 0.03),
// while the six own questions referred by mistake whose procedure the list held had
// 0.024–0.25.
const ReferralAlsoRanked = 0.02

// alsoListed is this office's matches listed after a referral: those on the list's first
// page (as `procedures eval --office`, which searches one page deep, reads them) and, when
// the ranker ordered it, not far below the leader (ReferralAlsoRanked).
func alsoListed(s procedures.Scope, f Found) []*procedures.Record {
	var out []*procedures.Record
	for i, r := range f.Hits[:min(len(f.Hits), pageSize)] {
		if !s.Contains(r) || f.Ranked && len(f.Scores) == len(f.Hits) && f.Scores[i] < ReferralAlsoRanked*f.Scores[0] {
			continue
		}
		out = append(out, r)
	}
	return out
}

// ownIsClose reports whether the best of s's procedures in an unsure list scores close
// to the list's leader (another office's): then the search cannot tell them apart and
// this office's own list serves the citizen better than a referral.
func ownIsClose(s procedures.Scope, f Found) bool {
	if len(f.Scores) != len(f.Hits) || len(f.Scores) == 0 || f.Scores[0] <= 0 {
		return false
	}
	for i, r := range f.Hits {
		if s.Contains(r) {
			if !f.Ranked && slices.ContainsFunc(f.Scores[1:i+1], func(sc float64) bool { return sc > f.Scores[0] }) {
				// The search's scores did not order the list: an example's vote put the
				// leader first over a higher-scored hit ("mất giấy khai sinh … xin lại"
				// over re-issues of vehicle papers), and said which office it is.
				return false
			}
			m := ReferralMargin
			if f.Ranked {
				m = ReferralMarginRanked
			}
			return f.Scores[i] >= m*f.Scores[0]
		}
	}
	return false
}
