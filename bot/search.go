package bot

import (
	"slices"
	"time"

	"github.com/oabot/oabot/procedures"
)

// IndexSearcher adapts the procedures index to Searcher. index is called for every search
// so that a catalogue reload (procedures.Holder) takes effect at once. examples, when not
// nil, gives the labelled examples an account's searches use (examples.Library.For).
// observe, when not nil, is told each search's confidence and duration (metrics).
func IndexSearcher(index func() *procedures.Index, examples func(account string) procedures.AccountExamples, observe func(confidence string, took time.Duration)) Searcher {
	return indexSearcher{index: index, examples: examples, observe: observe, memo: &foundMemo{}}
}

type indexSearcher struct {
	index    func() *procedures.Index
	examples func(string) procedures.AccountExamples
	observe  func(string, time.Duration)
	memo     *foundMemo
}

// Find maps procedures.Result to the bot's terms: ConfidenceOne → one card, Few → a list,
// Clarify → a question with the options, None → nothing (the query is recorded).
func (s indexSearcher) Find(account, text string, limit int) Found {
	return s.FindIn(account, text, limit, procedures.Scope{})
}

// FindIn is Find for an office handling the procedures of sc (procedures.Index.SearchIn):
// of one procedure's records at several levels or agencies, the office's answers.
func (s indexSearcher) FindIn(account, text string, limit int, sc procedures.Scope) Found {
	start := time.Now()
	var ex procedures.AccountExamples
	if s.examples != nil {
		ex = s.examples(account)
	}
	ix := s.index()
	key := memoKey{account: account, scope: scopeKey(sc), text: text, limit: limit}
	f, confidence, ok := s.memo.get(ix, ex.Snapshot(), key)
	if !ok {
		res := ix.SearchIn(text, limit, ex, sc)
		f, confidence = found(res), string(res.Confidence)
		s.memo.put(ix, ex.Snapshot(), key, f, confidence)
	}
	if s.observe != nil {
		s.observe(confidence, time.Since(start))
	}
	return f.clone()
}

// found maps one search result to the bot's terms.
func found(res procedures.Result) Found {
	f := Found{Aspect: aspectSection(res.Aspect), Intent: res.Intent, Said: res.Said, Lacked: res.Elsewhere}
	hits := make([]*procedures.Record, 0, len(res.Hits))
	scores := make([]float64, 0, len(res.Hits))
	probs := make([]float64, 0, len(res.Hits))
	var first []*procedures.Record // variants of hits[0]
	for _, h := range res.Hits {
		if h.Record != nil {
			if len(hits) == 0 {
				first = h.Variants
			}
			hits, scores = append(hits, h.Record), append(scores, h.Score)
			probs = append(probs, h.Prob)
		}
	}
	f.Scores = scores
	if len(probs) > 0 && !slices.Contains(probs, 0) {
		f.Scores, f.Ranked = probs, true // the learned ranker ordered the list
	}
	switch {
	case res.Abstain || len(hits) == 0 && res.Clarify == nil:
		f.Kind = FoundNothing
	case res.Confidence == procedures.ConfidenceOne:
		f.Kind, f.Hits, f.Variants, f.Others = FoundOne, hits[:1], first, hits[1:]
	case res.Confidence == procedures.ConfidenceClarify && res.Clarify != nil && len(res.Clarify.Options) > 1:
		f.Kind, f.Options, f.Topic = FoundClarify, res.Clarify.Options, res.Clarify.Topic
	case len(hits) == 1 && res.Confidence != procedures.ConfidenceFew:
		f.Kind, f.Hits, f.Variants = FoundOne, hits, first
	case len(hits) >= 1:
		// Not sure enough for a card (procedures' confidence model): a list, even of one,
		// so the citizen confirms with "1" instead of reading a card that may be wrong.
		f.Kind, f.Hits, f.Variants = FoundSeveral, hits, first
	}
	return f
}

// aspectSection maps a search aspect to the section that answers it.
func aspectSection(a procedures.Aspect) Section {
	switch a {
	case procedures.AspectDocuments:
		return SectionDocs
	case procedures.AspectSteps:
		return SectionSteps
	case procedures.AspectFee, procedures.AspectTime:
		return SectionFee
	case procedures.AspectPlace:
		return SectionPlace
	case procedures.AspectForms:
		return SectionForms
	case procedures.AspectOnline:
		return SectionOnline
	}
	return SectionCard
}

// HolderCatalog adapts a procedures.Holder (reloadable catalogue) to Catalog.
func HolderCatalog(h *procedures.Holder) Catalog { return holderCatalog{h} }

type holderCatalog struct{ h *procedures.Holder }

func (c holderCatalog) ByCode(code string) (*procedures.Record, bool) {
	return c.h.Catalog().ByCode(code)
}

func (c holderCatalog) ByShortCode(sc string) (*procedures.Record, bool) {
	return c.h.Catalog().ByShortCode(sc)
}
