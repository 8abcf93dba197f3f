package procedures

import (
	"fmt"
	"sort"
)

// The learning trial of issue 16: an office teaches one wording of half the needs of a
// labelled set as its own examples; the other wordings of the taught needs should then be
// answered first, and the needs not taught no worse. It is a test (TestLearningTrial) and
// a column of the ranker's cross-validation (oabot procedures rank-fit --cv), where each
// set is answered by a ranker fitted without it.

// trialAccount is the office the trial teaches.
const trialAccount = "trial"

// LearningTrial is the trial's split of one labelled set. Needs (the first expected
// code) with two wordings or more are sorted by code; every other one is taught.
type LearningTrial struct {
	Teach    []Example   // the first wording of each taught need, as the office's example
	Taught   []EvalQuery // the other wordings of the taught needs
	Untaught []EvalQuery // every wording of the needs not taught
}

// NewLearningTrial splits qs for the trial.
func NewLearningTrial(qs []EvalQuery) LearningTrial {
	byCode := map[string][]EvalQuery{}
	for _, q := range qs {
		if len(q.Expect) > 0 {
			byCode[q.Expect[0]] = append(byCode[q.Expect[0]], q)
		}
	}
	codes := make([]string, 0, len(byCode))
	for code, g := range byCode {
		if len(g) >= 2 {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	var tr LearningTrial
	for i, code := range codes {
		g := byCode[code]
		if i%2 == 0 {
			tr.Teach = append(tr.Teach, Example{ID: fmt.Sprint("trial-", i), Account: trialAccount, Query: g[0].Query, Code: code})
			tr.Taught = append(tr.Taught, g[1:]...)
		} else {
			tr.Untaught = append(tr.Untaught, g...)
		}
	}
	return tr
}

// TrialResult counts the trial's messages answered right first before and after the
// teaching.
type TrialResult struct {
	Taught         int `json:"taught"`
	TaughtBefore   int `json:"taught_before"`
	TaughtAfter    int `json:"taught_after"`
	Untaught       int `json:"untaught"`
	UntaughtBefore int `json:"untaught_before"`
	UntaughtAfter  int `json:"untaught_after"`
}

// Add adds o's counts to t's (a total over several sets).
func (t *TrialResult) Add(o TrialResult) {
	t.Taught += o.Taught
	t.TaughtBefore += o.TaughtBefore
	t.TaughtAfter += o.TaughtAfter
	t.Untaught += o.Untaught
	t.UntaughtBefore += o.UntaughtBefore
	t.UntaughtAfter += o.UntaughtAfter
}

// RunTrial runs the trial over shared examples x with ranker r (nil: the search's order).
func (ix *Index) RunTrial(tr LearningTrial, x *Examples, r *RankerModel) TrialResult {
	after := x.With(tr.Teach...)
	var res TrialResult
	_, res.TaughtBefore, _ = ix.RankHits(tr.Taught, x.For(trialAccount), r)
	res.Taught, res.TaughtAfter, _ = ix.RankHits(tr.Taught, after.For(trialAccount), r)
	_, res.UntaughtBefore, _ = ix.RankHits(tr.Untaught, x.For(trialAccount), r)
	res.Untaught, res.UntaughtAfter, _ = ix.RankHits(tr.Untaught, after.For(trialAccount), r)
	return res
}
