package procedures

import (
	"fmt"
	"slices"
	"testing"
)

// builtinIndex indexes the built-in catalogue.
func builtinIndex(t testing.TB) *Index {
	t.Helper()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return NewIndex(c, Options{})
}

// seedIndex is builtinIndex with the seed examples.
func seedIndex(t testing.TB) (*Index, *Examples) {
	t.Helper()
	ix := builtinIndex(t)
	seed, err := SeedExamples()
	if err != nil {
		t.Fatal(err)
	}
	return ix, ix.NewExamples(seed)
}

// The seed examples load, and every code they label is in the built-in catalogue: a
// procedure removed from the catalogue must take its examples with it.
func TestSeedExamplesMatchBuiltinCatalogue(t *testing.T) {
	_, x := seedIndex(t)
	if x.Len() < 1000 {
		t.Errorf("%d seed examples indexed, want ≥ 1000", x.Len())
	}
	for _, e := range x.Stale {
		t.Errorf("seed example %s labels %q, not in the built-in catalogue", e.ID, e.Code)
	}
}

// Every shipped phrasing labels a procedure of the national catalogue (the built-in one
// holds a subset), and every procedure labelled has at least 15 phrasings (issue 16).
func TestSeedExamplesMatchNationalCatalogue(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	c := realCatalog(t)
	seed, err := SeedExamples()
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range seed {
		if _, intent := e.Intent(); intent || e.Code == "" {
			continue
		}
		if _, ok := c.ByCode(e.Code); !ok {
			t.Errorf("seed example %s labels %q, not in the national catalogue", e.ID, e.Code)
		}
		n[e.Code]++
	}
	for code, k := range n {
		if k < 15 {
			t.Errorf("%s has %d seed phrasings, want ≥ 15", code, k)
		}
	}
}

func TestNewExamplesReportsStaleCodes(t *testing.T) {
	ix := builtinIndex(t)
	x := ix.NewExamples([]Example{
		{ID: "a", Query: "làm tạm trú", Code: "1.004194"},
		{ID: "b", Query: "thủ tục cũ", Code: "9.999999"},
		{ID: "c", Query: "mất chó", Code: ""},
		{ID: "d", Query: "mấy giờ mở cửa", Code: "@office_hours"},
	})
	if x.Len() != 3 || len(x.Stale) != 1 || x.Stale[0].ID != "b" {
		t.Errorf("Len %d, Stale %v; want 3 and [b]", x.Len(), x.Stale)
	}
}

// A message close to an example — other diacritics, typos, Telex keystrokes, word order,
// a story around it — finds it first.
func TestNearestToleratesHowPeopleType(t *testing.T) {
	ix := builtinIndex(t)
	x := ix.NewExamples([]Example{
		{ID: "kt3", Query: "xin làm sổ KT3 cho con đi học", Code: "1.004194"},
		{ID: "hon", Query: "làm lại giấy hôn thú bị mất", Code: "1.000894"},
		{ID: "cavet", Query: "bán xe rồi sang tên cà vẹt", Code: "1.013076"},
	})
	for q, want := range map[string]string{
		"xin lam so kt3 cho con di hoc":      "kt3",
		"con đi học xin làm kt3 ở đâu":       "kt3",
		"giay hon thu bi mat lam lai":        "hon",
		"lamf laij giaays hoon thuw bij mat": "hon",
		"Dạ em chào anh chị ạ, nhà em vừa bán chiếc xe máy cho người quen, giờ muốn sang tên cà vẹt cho họ thì làm sao ạ, em cảm ơn": "cavet",
	} {
		nb := x.For("").Nearest(q, 3)
		if len(nb) == 0 || nb[0].Example.ID != want {
			t.Errorf("Nearest(%q) = %v, want %s first", q, nb, want)
		}
	}
}

// An officer's own example that holds the whole message decides it, as a close one does,
// although the rest of the example (a name, a masked phone number) weighs enough to keep
// its score under exOverride: the console's "answer an unanswered question" teaches the
// message as it was asked, and the citizen's next message drops the personal part. The
// ranker does not put a "sơn xe" (a vehicle repainted) seed's procedure before it.
func TestOwnExampleHoldingTheMessageDecides(t *testing.T) {
	ix := builtinIndex(t)
	seed, _ := SeedExamples()
	x := ix.NewExamples(append(seed, Example{ID: "taught", Account: "ward",
		Query: "xin to giay con son cho em em ten lan #### ### ###", Code: "1.004873"}))
	for _, q := range []string{"xin to giay con son", "Dạ cho em xin tờ giấy còn son ạ"} {
		res := ix.SearchWith(q, 5, x.For("ward"))
		if len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.004873" || res.Confidence != ConfidenceOne || res.Example != "taught" {
			t.Errorf("%q: got %+v, want the taught card", q, res)
		}
	}
	// Another account's message is not decided by it.
	if res := ix.SearchWith("xin to giay con son", 5, x.For("police")); res.Example == "taught" {
		t.Errorf("police answered by the ward's example: %+v", res)
	}
}

// An officer's own example that is the clear winner of the vote (exStrong, exMargin
// ahead of the next procedure's example) decides the answer even when the message drops
// more of it than exTaughtCovers allows: over the national catalogue "xin to giay con son"
// covers .89 of the ward's example, whose "sơn xe" rival stands at .46, and the ranker
// put the vehicle's procedure first (December 2026, after the fifth seed batch).
func TestOwnClearWinnerDecides(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	ix := NewIndex(realCatalog(t), Options{})
	seed, _ := SeedExamples()
	x := ix.NewExamples(seed).With(Example{ID: "taught", Account: "ward",
		Query: "xin tờ giấy còn son cho em, em tên Lan #### ### ###", Code: "1.004873"})
	for _, q := range []string{"xin to giay con son", "Dạ cho em xin tờ giấy còn son để làm hồ sơ ạ"} {
		res := ix.SearchWith(q, 5, x.For("ward"))
		if len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.004873" || res.Example != "taught" {
			t.Errorf("%q: got %v (example %q), want the taught procedure first", q, hitCodes(res), res.Example)
		}
	}
}

func TestSearchWithExamples(t *testing.T) {
	ix := builtinIndex(t)
	seed, _ := SeedExamples()
	x := ix.NewExamples(append(seed, []Example{
		// The search alone answers neither right ("ế vợ", still single, is slang the
		// lexicon lacks: a land title; a passport).
		{ID: "single", Account: "ward", Query: "xin giấy chứng nhận ế vợ", Code: "1.004873"},
		{ID: "dog", Query: "nhà em bị mất con chó", Code: ""},
	}...))
	t.Run("example answers", func(t *testing.T) {
		res := ix.SearchWith("xin giay chung nhan e vo a", 5, x.For("ward"))
		// An officer's label matched closely: one card, whatever the confidence model says.
		if res.Abstain || len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.004873" || res.Example != "single" || res.Confidence != ConfidenceOne {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("another account's example is not seen", func(t *testing.T) {
		res := ix.SearchWith("xin giay chung nhan e vo a", 5, x.For("police"))
		if res.Example == "single" {
			t.Errorf("account police answered by ward's example: %+v", res)
		}
	})
	t.Run("explicit code wins", func(t *testing.T) {
		res := ix.SearchWith("1.004194 xin giay chung nhan e vo", 5, x.For("ward"))
		if len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.004194" || res.Example != "" {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("out of scope", func(t *testing.T) {
		res := ix.SearchWith("bị mất con chó", 5, x.For("ward"))
		if !res.Abstain || res.Intent != "" || res.Example != "dog" {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("intent", func(t *testing.T) {
		res := ix.SearchWith("ubnd phuong lam viec thu 7 ko", 5, x.For("ward"))
		if !res.Abstain || res.Intent != IntentOfficeHours {
			t.Errorf("got %+v", res)
		}
	})
	t.Run("nil examples", func(t *testing.T) {
		// Without examples, the learned ranker and the confidence model, SearchWith is Search.
		a := ix.Search("dang ky tam tru", 5)
		b, _, _ := ix.searchRanked("dang ky tam tru", 5, AccountExamples{}, nil, nil)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("SearchWith(nil) = %+v, Search = %+v", b, a)
		}
	})
}

// A fair example vote puts its procedure beside the search's best; a second vote for that
// same best procedure must not list it again (it did: "chứng thực hợp đồng bán đất … ghi
// lộn số thửa" showed 2.001035 first and second).
func TestExamplesVoteListsEachProcedureOnce(t *testing.T) {
	ix := builtinIndex(t)
	recs := ix.cat.All()
	a, b, c := recs[0].Code, recs[1].Code, recs[2].Code
	res := Result{Hits: []Hit{ix.hitFor(a, nil), ix.hitFor(b, nil)}, Confidence: ConfidenceFew}
	fair := (exWeak + exStrong) / 2
	out := ix.applyExamples(res, exVote{code: c, score: fair}, exVote{code: a, score: exWeak}, 5)
	if got := hitCodes(out); !slices.Equal(got, []string{a, c, b}) {
		t.Errorf("hits %v, want %v: the search's best, the example's, then the rest, each once", got, []string{a, c, b})
	}
}

// No answer lists one procedure twice, whatever path built it (search, examples' vote,
// prototypes, ranker), over every open labelled set, on the built-in catalogue and, when
// present, the national one.
func TestAnswersListEachProcedureOnce(t *testing.T) {
	var qs []string
	for _, set := range []string{"extra", "holdout", "holdout2", "holdout-blind", "blind2", "blind3", "blind4", "blind6", "blind9", "blind11", "blind14", "train16", "train17", "train18"} {
		for _, q := range readQueries(t, "testdata/queries-"+set+".jsonl") {
			qs = append(qs, q.Query)
		}
	}
	check := func(name string, ix *Index, x AccountExamples) {
		for _, q := range qs {
			res := ix.SearchWith(q, 5, x)
			seen := map[*Record]bool{}
			for _, h := range res.Hits {
				if seen[h.Record] {
					t.Errorf("%s: %q lists %s twice: %v", name, q, h.Record.Code, hitCodes(res))
					break
				}
				seen[h.Record] = true
			}
		}
	}
	ix, x := seedIndex(t)
	check("built-in", ix, x.For(""))
	if testing.Short() || nationalCatalogue(t) == nil {
		return
	}
	nix, nx := nationalSeeded(t)
	check("national", nix, nx)
}

func TestValidateExample(t *testing.T) {
	c, _ := Builtin()
	for _, tc := range []struct {
		e  Example
		ok bool
	}{
		{Example{Query: "làm tạm trú", Code: "1.004194"}, true},
		{Example{Query: "mất chó", Code: ""}, true},
		{Example{Query: "mấy giờ mở cửa", Code: "@office_hours"}, true},
		{Example{Query: "x", Code: "1.004194"}, false},
		{Example{Query: "?? !!", Code: "1.004194"}, false},
		{Example{Query: "làm tạm trú", Code: "9.999999"}, false},
		{Example{Query: "làm tạm trú", Code: "@weather"}, false},
	} {
		if err := ValidateExample(c, tc.e); (err == nil) != tc.ok {
			t.Errorf("ValidateExample(%+v) = %v, want ok %v", tc.e, err, tc.ok)
		}
	}
}

// TestLearningTrial runs issue 16's learning trial (trial.go) over the national catalogue
// with the shipped ranker on three unsealed sets: blind6, the long messages of blind9,
// blind4. rank-fit --cv runs it on every labelled set with rankers fitted without it.
func TestLearningTrial(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	ix := NewIndex(realCatalog(t), Options{})
	seed, _ := SeedExamples()
	x := ix.NewExamples(seed)
	for _, set := range []string{"blind6", "blind9", "blind4"} {
		tr := NewLearningTrial(readQueries(t, "testdata/queries-"+set+".jsonl"))
		if len(tr.Teach) < 5 || len(tr.Taught) == 0 || len(tr.Untaught) == 0 {
			t.Fatalf("%s: a trial of %d needs taught, %d and %d messages", set, len(tr.Teach), len(tr.Taught), len(tr.Untaught))
		}
		r := ix.RunTrial(tr, x, activeRanker())
		t.Logf("%s: taught needs, other wordings (%d): first %d → %d; untaught (%d): %d → %d",
			set, r.Taught, r.TaughtBefore, r.TaughtAfter, r.Untaught, r.UntaughtBefore, r.UntaughtAfter)
		// Issue 16 asks ≥ 0.95 for the taught needs; measured (December 2026) blind6 18/19,
		// blind9 27/33, blind4 11/11, before and after: most of these needs already have
		// seed examples, and the other wordings share little with the one taught (the
		// misses are search misses). Guarded here: teaching must not make either worse.
		if r.TaughtAfter < r.TaughtBefore || r.UntaughtAfter < r.UntaughtBefore {
			t.Errorf("%s: teaching made things worse", set)
		}
	}
	// The office's own example answers the very wording it taught.
	tr := NewLearningTrial(readQueries(t, "testdata/queries-blind9.jsonl"))
	after := x.With(tr.Teach...)
	right := 0
	for _, e := range tr.Teach {
		if got := hitCodes(ix.SearchWith(e.Query, 5, after.For(trialAccount))); len(got) > 0 && got[0] == e.Code {
			right++
		}
	}
	if right < len(tr.Teach) {
		t.Errorf("blind9: %d of %d taught wordings answered as taught", right, len(tr.Teach))
	}
}

func TestCandidatesEvenWhenAbstaining(t *testing.T) {
	ix := builtinIndex(t)
	got := ix.Candidates("xin giấy độc thân để cưới", 5)
	if len(got) == 0 || len(got) > 5 {
		t.Fatalf("Candidates = %d records", len(got))
	}
	found := false
	for _, r := range got {
		found = found || r.Code == "1.004873"
	}
	if !found {
		t.Errorf("the marital-status certificate is not among %d candidates", len(got))
	}
	if got := ix.Candidates("1.004194", 5); len(got) != 1 || got[0].Code != "1.004194" {
		t.Errorf("Candidates(code) = %v", got)
	}
	if got := ix.Candidates("ạ ạ ạ", 5); len(got) != 0 {
		t.Errorf("Candidates(no words) = %v", got)
	}
}

// "Not ours" overrules a search sure of a procedure only when very close (exOverride), as
// a procedure's example does; a search not sure of it yields to a strong one that covers
// at least half of the message (exNotOursCovers).
func TestNotOursYieldsToASureSearch(t *testing.T) {
	ix := builtinIndex(t)
	r, _ := ix.cat.ByCode("1.010041")
	sure := Result{Hits: []Hit{{Record: r, Score: 100}}, Confidence: ConfidenceOne}
	unsure := Result{Hits: []Hit{{Record: r, Score: 10}}, Confidence: ConfidenceFew}
	none := Result{Abstain: true}
	notOurs := func(score, covers float64) exVote {
		return exVote{code: "", score: score, covers: covers, ex: Example{ID: "kindergarten", Query: "trường mầm non còn nhận trẻ không"}}
	}
	for _, c := range []struct {
		name    string
		res     Result
		vote    exVote
		abstain bool
	}{
		{"sure search, strong not-ours", sure, notOurs(exStrong+0.1, 1), false},
		{"sure search, very close not-ours", sure, notOurs(exOverride+0.05, 1), true},
		{"unsure search, strong not-ours", unsure, notOurs(exStrong+0.1, 0.8), true},
		{"unsure search, strong not-ours covering little of a story", unsure, notOurs(exStrong+0.1, 0.4), false},
		{"nothing found, strong not-ours covering little", none, notOurs(exStrong+0.1, 0.4), true},
		{"sure search, weak not-ours", sure, notOurs(exWeak+0.05, 1), false},
	} {
		got := ix.applyExamples(c.res, c.vote, exVote{}, 5)
		if got.Abstain != c.abstain {
			t.Errorf("%s: abstain = %v, want %v (%+v)", c.name, got.Abstain, c.abstain, got)
		}
	}
}

// A short "not ours" question inside a story does not refuse what the story asks, and it
// still refuses itself.
func TestNotOursInsideAStory(t *testing.T) {
	ix, x := nationalSeeded(t)
	story := "hòa giải đất với hàng xóm không thành, giờ nộp đơn lên chủ tịch phường giải quyết được không"
	if got := ix.SearchWith(story, 5, x); got.Abstain || !slices.Contains(hitCodes(got), "1.013967") {
		t.Errorf("%q: abstain %v, hits %v; want the land dispute settled by the chairman (1.013967) listed", story, got.Abstain, hitCodes(got))
	}
	if got := ix.SearchWith("ai là chủ tịch phường vậy ạ", 5, x); !got.Abstain {
		t.Errorf("who the chairman is: hits %v, want a refusal", hitCodes(got))
	}
}

// What one office teaches never moves another office's answers: feature weights come from
// the shared examples, and a word only another office taught weighs like a word no
// example has.
func TestTeachingIsolatedPerAccount(t *testing.T) {
	ix, _ := seedIndex(t)
	seed, _ := SeedExamples()
	before := ix.NewExamples(seed)
	after := ix.NewExamples(append(slices.Clone(seed),
		Example{ID: "a1", Account: "office-a", Query: "xin giấy chứng tử cho bà nội ở quê", Code: "1.000656"},
		Example{ID: "a2", Account: "office-a", Query: "khách trọ ở qua đêm báo công an xã", Code: "2.001159"},
		Example{ID: "a3", Account: "office-a", Query: "quán karaoke hát hò ồn ào", Code: ""},
	))
	qs := readQueries(t, "testdata/queries-blind4.jsonl")
	qs = append(qs, EvalQuery{Query: "bà nội mất xin giấy chứng tử ở đâu"}, EvalQuery{Query: "khách ở qua đêm có phải báo không"},
		EvalQuery{Query: "quán karaoke hát hò ồn ào quá"})
	changed := 0
	for _, q := range qs {
		b := ix.SearchWith(q.Query, 5, before.For("office-b"))
		a := ix.SearchWith(q.Query, 5, after.For("office-b"))
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%q: office-b's answer moved when office-a taught:\n before %+v\n after  %+v", q.Query, b, a)
		}
		// Not even the similarities move (answers at a knife edge would).
		nb, na := before.For("office-b").Nearest(q.Query, 5), after.For("office-b").Nearest(q.Query, 5)
		if fmt.Sprint(nb) != fmt.Sprint(na) {
			t.Errorf("%q: office-b's neighbours moved when office-a taught:\n before %v\n after  %v", q.Query, nb, na)
		}
		if fmt.Sprint(ix.SearchWith(q.Query, 5, after.For("office-a"))) != fmt.Sprint(a) {
			changed++
		}
	}
	if changed == 0 {
		t.Error("office-a's own answers did not change either: the trial teaches nothing")
	}
}

// A message that is, but for a word, a shared example keeps the example's answer first:
// the ranker, fitted on messages never that close to one, put "Cấp lại tem AB … do hết
// hạn" before the passport for "hộ chiếu hết hạn làm lại" although a seed example says
// "hộ chiếu hết hạn làm lại cần mang gì".
func TestVerbatimExampleStands(t *testing.T) {
	ix, x := nationalSeeded(t)
	res := ix.SearchWith("hộ chiếu hết hạn làm lại", 5, x)
	if len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.001456" {
		t.Errorf("got %v, want Cấp hộ chiếu (1.001456) first", hitCodes(res))
	}
}

// A plain request for a card is its first issue, not its re-issue: the re-issue's seeds
// ("mat cccd lam lai o dau") share "làm" and "cccd" with it. "lam cccd o dau" is the
// developers' guide's own example of what citizens type.
func TestPlainRequestIsTheFirstIssue(t *testing.T) {
	ix, x := seedIndex(t)
	for _, q := range []string{"lam cccd o dau", "làm cccd cần giấy tờ gì"} {
		if got := hitCodes(ix.SearchWith(q, 5, x.For(""))); len(got) == 0 || got[0] != "1.014061" {
			t.Errorf("%q: %v, want the first issue (1.014061) first", q, got)
		}
	}
	if got := hitCodes(ix.SearchWith("mat cccd lam lai o dau", 5, x.For(""))); len(got) == 0 || got[0] != "1.014064" {
		t.Errorf("lost card: %v, want the re-issue (1.014064) first", got)
	}
}
