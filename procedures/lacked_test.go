package procedures

import (
	"slices"
	"testing"
)

// Over the built-in catalogue, a question about a national procedure it lacks names
// that procedure (the seed examples written for it decided) beside what the search found,
// which stays as it was; questions about what the catalogue holds are answered as before.
func TestSearchLackedProcedure(t *testing.T) {
	ix, x := seedIndex(t)
	for q, code := range map[string]string{
		"e muốn đăng ký giám hộ cho em trai bị tâm thần": "1.004837", // was "Đăng ký tạm trú" first
		"xin giay phep xay nha o dau":                    "1.013225", // was a list of land and business procedures
		"e muốn nhận nuôi đứa cháu mồ côi làm con nuôi":  "2.001263",
	} {
		res := ix.SearchWith(q, 5, x.For(""))
		if res.Elsewhere.Code != code || res.Elsewhere.Name == "" || res.Confidence == ConfidenceOne {
			t.Errorf("SearchWith(%q) = %v (%s, elsewhere %+v), want %s named", q, hitCodes(res), res.Confidence, res.Elsewhere, code)
		}
		// What the search found is kept: the same as with the seeds of the catalogue
		// alone, where nothing is named.
		alone := x.With()
		alone.lacked = nil
		if want := hitCodes(ix.SearchWith(q, 5, alone.For(""))); !slices.Equal(hitCodes(res), want) {
			t.Errorf("SearchWith(%q) = %v, want what the search found, %v", q, hitCodes(res), want)
		}
	}
	for q, code := range map[string]string{
		"làm lại cà vẹt xe bị mất":   "1.013080",
		"đăng ký tạm trú cho con":    "1.004194",
		"xin giấy xác nhận độc thân": "1.004873",
		// The plain marriage by its whole name, asked its fee: not its foreign-element
		// sibling, whose seeds ask fees in the same words (namesPlainSibling).
		"lệ phí đăng ký kết hôn bao nhiêu": "1.000894",
	} {
		res := ix.SearchWith(q, 5, x.For(""))
		if got := hitCodes(res); res.Elsewhere.Code != "" || len(got) == 0 || got[0] != code {
			t.Errorf("SearchWith(%q) = %v (elsewhere %+v), want %s first", q, got, res.Elsewhere, code)
		}
	}
	// … while a message naming the foreign element in its own words still names it.
	if res := ix.SearchWith("lay chong han quoc thi dang ky ket hon o dau", 5, x.For("")); res.Elsewhere.Code != "2.000806" {
		t.Errorf("a marriage to a Korean = elsewhere %+v, want 2.000806 named", res.Elsewhere)
	}
	// Only procedures the catalogue lacks are indexed so.
	if x.lacked == nil || len(x.lacked.about) < 1000 {
		t.Fatalf("the lacked index holds %d examples, want the national seeds the built-in catalogue lacks", len(x.lacked.about))
	}
	for _, e := range x.lacked.about {
		if _, ok := ix.cat.ByCode(e.Code); ok {
			t.Errorf("%s is in the catalogue but indexed as lacked", e.Code)
		}
	}
}

// An officer's example does not rebuild the index of lacked procedures: the seeds in it
// are the same, and analysing them again tripled a rebuild over the built-in catalogue.
func TestLackedIndexReused(t *testing.T) {
	ix, x := seedIndex(t)
	taught := x.With(Example{ID: "o1", Account: "office-a", Query: "xin tờ giấy còn son", Code: "1.004873"})
	if x.lacked == nil || taught.lacked != x.lacked {
		t.Errorf("the lacked index was rebuilt for an officer's example")
	}
	// Other seeds: another index.
	seed, _ := SeedExamples()
	// Without the last 20 seeds about procedures the catalogue lacks: 20 fewer.
	var kept []Example
	dropped := 0
	for i := len(seed) - 1; i >= 0; i-- {
		e := seed[i]
		if ix.lacks(e) && dropped < 20 {
			dropped++
			continue
		}
		kept = append(kept, e)
	}
	slices.Reverse(kept)
	fewer := ix.NewExamples(kept)
	if fewer.lacked == nil || fewer.lacked == x.lacked || len(fewer.lacked.about) != len(x.lacked.about)-20 {
		t.Errorf("fewer lacked seeds: %d examples (same index %v), want %d", len(fewer.lacked.about), fewer.lacked == x.lacked, len(x.lacked.about)-20)
	}
}

// A card for what the catalogue holds, for a message that asks for what it lacks, gives
// way to the naming, the card's procedure kept first in the list below it: "nuôi con
// nuôi" was the permanent residence's card over the built-in catalogue (since the sixth
// seed batch it is a list there even without the naming); "làm thẻ bhyt" is a card for the
// identity card's update of its information.
func TestLackedNamedInsteadOfACard(t *testing.T) {
	ix, x := seedIndex(t)
	alone := x.With()
	alone.lacked = nil
	for _, q := range []string{"làm thẻ bhyt", "đăng ký chấm dứt giám hộ"} {
		was := ix.SearchWith(q, 5, alone.For(""))
		if was.Confidence != ConfidenceOne {
			t.Fatalf("without the lacked index SearchWith(%q) = %s %v, want the (wrong) card this test is about", q, was.Confidence, hitCodes(was))
		}
		res := ix.SearchWith(q, 5, x.For(""))
		if res.Elsewhere.Code == "" || res.Confidence == ConfidenceOne {
			t.Errorf("SearchWith(%q) = %s %v (elsewhere %+v), want a procedure the catalogue lacks named, and no card", q, res.Confidence, hitCodes(res), res.Elsewhere)
		}
		if got := hitCodes(res); len(got) == 0 || got[0] != hitCodes(was)[0] {
			t.Errorf("SearchWith(%q) = %v, want the card's procedure first in the list kept", q, got)
		}
	}
}
