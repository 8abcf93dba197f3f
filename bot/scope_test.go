package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

// A police OA asked about a procedure only the ward's OA handles answers with a referral
// naming who does it and a button opening that OA — never the card; its own procedures
// are answered as before; a list keeps only its own.
func TestReferralOutsideScope(t *testing.T) {
	h := newHarness(t, func(a *Account) { a.Scope = procedures.Scope{Codes: []string{"1.014061", "1.014062", "1.014063"}} })
	// A second office in the same deployment that handles residence.
	ward := Account{ID: "ubnd", OAID: "5000000000000000005", Name: "UBND phường Bến Thành",
		Scope: procedures.Scope{Codes: []string{"1.004222"}}}
	b, err := New(Deps{Clock: func() time.Time { return h.now }, State: h.state, Stats: h.stats, Catalog: h.cat,
		Search: testSearch(h.cat), Accounts: []Account{h.b.byID["benthanh"].Account, ward},
		Messenger: func(string) (Messenger, bool) { return h.msgr, true }, QR: h.qr, Attachments: h.attach})
	if err != nil {
		t.Fatal(err)
	}
	h.b = b
	msgs := h.text("dang ky thuong tru")
	if len(msgs) != 1 || strings.Contains(msgs[0].Text, "Mã thủ tục") || !strings.Contains(msgs[0].Text, "không thuộc phạm vi của Công an phường Bến Thành") ||
		!strings.Contains(msgs[0].Text, "UBND phường Bến Thành") {
		t.Fatalf("referral = %s", describe(msgs))
	}
	// The search was sure of it: said as a fact.
	if !strings.HasPrefix(msgs[0].Text, "Thủ tục \"Đăng ký thường trú\" do") {
		t.Errorf("a sure referral = %q, want it said as a fact", msgs[0].Text)
	}
	if bt := msgs[0].Buttons[0]; bt.Type != zalo.ButtonOpenURL || bt.URL != "https://zalo.me/5000000000000000005" {
		t.Errorf("first button = %+v, want one opening the ward's OA", bt)
	}
	if last := h.stats.deltas[len(h.stats.deltas)-1]; last.Referrals != 1 || len(last.Views) != 0 {
		t.Errorf("stats = %+v, want one referral and no view", last)
	}
	// Its own procedure: the card.
	if msgs := h.text("lam can cuoc"); !strings.Contains(msgs[0].Text, "Mã thủ tục: 1.014061") {
		t.Errorf("own procedure = %s", describe(msgs))
	}
	// A number with no list on screen is a poster code only of its own procedures (its
	// posters show no other): "10" is the ID card's; another office's code is not one.
	if msgs := h.text("10"); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "Mã thủ tục: 1.014061") {
		t.Errorf("own poster code typed bare = %s", describe(msgs))
	}
	residence, _ := h.cat.ByCode("1.004222")
	if residence.ShortCode == "" {
		t.Fatal("the test catalogue's 1.004222 has no short code")
	}
	acc := h.b.byID["benthanh"]
	_, code := h.b.typeExamples(acc)
	if msgs := h.text(residence.ShortCode); len(msgs) != 1 || msgs[0].Text != withCode(acc.texts.NumberNoList, code) || code == residence.ShortCode || !strings.Contains(msgs[0].Text, "#"+code+")") {
		t.Errorf("another office's poster code typed bare = %s, want what a number means here", describe(msgs))
	}
	// Another office's procedure named by its code (never narrowed): its card, then who
	// does it (the ward showed the police's card as its own).
	msgs = h.text("#" + residence.ShortCode)
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "Mã thủ tục: 1.004222") || !strings.Contains(msgs[1].Text, "không thuộc phạm vi của Công an phường Bến Thành") ||
		msgs[1].Buttons[0].URL != "https://zalo.me/5000000000000000005" {
		t.Errorf("another office's code = %s, want its card and where it is done", describe(msgs))
	}
	if msgs := h.text("#10"); len(msgs) != 1 {
		t.Errorf("own code = %s, want the card alone", describe(msgs))
	}
	// A list keeps only this office's procedures.
	msgs = h.text("can cuoc")
	if strings.Contains(msgs[0].Text, "1.014064") || strings.Contains(msgs[0].Text, "3.000228") || !strings.Contains(msgs[0].Text, "1.014063") {
		t.Errorf("list = %s", describe(msgs))
	}
}

// An aspect question that surely names another office's procedure, after a card of this
// office's, is referred — not answered with the card's own section (it was: "làm hộ chiếu
// ở đâu" after a ward's card got the ward procedure's place), and so is one the search is
// unsure of when the question names its own object. A bare aspect question stays a
// follow-up.
func TestAspectNamingAnotherOfficesProcedure(t *testing.T) {
	h := newHarness(t, func(a *Account) { a.Scope = procedures.Scope{Codes: []string{"1.014061", "1.014062", "1.014063"}} })
	h.text("lam can cuoc")
	msgs := h.text("hộ chiếu cần giấy tờ gì")
	if len(msgs) == 0 || !strings.Contains(msgs[0].Text, "không thuộc phạm vi") || strings.Contains(msgs[0].Text, "Hồ sơ cần chuẩn bị") {
		t.Errorf("another office's procedure with an aspect = %s, want the referral", describe(msgs))
	}
	// After the referral, a bare aspect question is not about the card shown before it.
	if msgs := h.text("lệ phí bao nhiêu"); len(msgs) == 0 || strings.Contains(msgs[0].Text, "1.014061") || strings.Contains(msgs[0].Text, "Lệ phí và thời gian") {
		t.Errorf("bare aspect question after the referral = %s, want no answer about the earlier card", describe(msgs))
	}
	h.text("lam can cuoc")
	if msgs := h.text("cần giấy tờ gì"); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "Hồ sơ cần chuẩn bị") {
		t.Errorf("bare aspect question after the card = %s, want its documents", describe(msgs))
	}
	// An unsure list for a question that names its own object, led by another office's
	// procedure: the referral, not the card's place.
	h.text("lam can cuoc")
	if msgs := h.text("làm sổ hộ nghèo ở đâu"); len(msgs) == 0 || !strings.Contains(msgs[0].Text, "không thuộc phạm vi") || strings.Contains(msgs[0].Text, "1.014061") {
		t.Errorf("an unsure list naming its object after the card = %s, want the referral", describe(msgs))
	}
}

// An account with a scope and no quick topics of its own offers its own common procedures.
func TestScopedDefaultQuickTopics(t *testing.T) {
	h := newHarness(t, func(a *Account) {
		a.QuickTopics = nil
		a.Scope = procedures.Scope{Codes: []string{"1.004194", "1.004222"}}
	})
	got := h.b.byID["benthanh"].QuickTopics
	want := []QuickTopic{{"Đăng ký thường trú", "#TTHC 1.004222"}, {"Đăng ký tạm trú", "#TTHC 1.004194"}, {"Giờ làm việc", payloadOffice}}
	if len(got) != len(want) {
		t.Fatalf("quick topics = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("quick topic %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// A list whose best match is another office's becomes a referral to it; a list led by
// this office's procedure keeps this office's procedures only.
func TestNarrowToScopeLists(t *testing.T) {
	ours := &procedures.Record{Code: "1.1", Name: "Ours", Tags: []string{"police"}, Agency: "Công an cấp xã"}
	theirs := &procedures.Record{Code: "2.2", Name: "Theirs", Tags: []string{"ward"}, Agency: "UBND cấp xã"}
	s := procedures.Scope{Agencies: []string{"Công an cấp xã"}}
	f := NarrowToScope(s, Found{Kind: FoundSeveral, Hits: []*procedures.Record{theirs, ours}})
	if f.Kind != FoundReferral || f.Referral != theirs || len(f.Hits) != 1 || f.Hits[0] != ours {
		t.Errorf("list led by another office's procedure → %+v, want a referral to it, then this office's match", f)
	}
	// This office's match scores close to the leader: the search cannot tell them apart,
	// so this office's list; far behind: the referral.
	f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: []*procedures.Record{theirs, ours}, Scores: []float64{1, 0.85}})
	if f.Kind != FoundSeveral || len(f.Hits) != 1 || f.Hits[0] != ours {
		t.Errorf("close scores → %+v, want this office's list", f)
	}
	if f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: []*procedures.Record{theirs, ours}, Scores: []float64{1, 0.5}}); f.Kind != FoundReferral {
		t.Errorf("far scores → %+v, want the referral", f)
	}
	f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: []*procedures.Record{ours, theirs}})
	if f.Kind != FoundSeveral || len(f.Hits) != 1 || f.Hits[0] != ours {
		t.Errorf("list led by this office's procedure → %+v, want it alone", f)
	}
	// The ranker's probabilities are read with their own margin: 0.4 of the leader's is
	// close, although as search scores it would be far.
	f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: []*procedures.Record{theirs, ours}, Scores: []float64{0.5, 0.2}, Ranked: true})
	if f.Kind != FoundSeveral || len(f.Hits) != 1 || f.Hits[0] != ours {
		t.Errorf("close ranker probabilities → %+v, want this office's list", f)
	}
	if f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: []*procedures.Record{theirs, ours}, Scores: []float64{0.5, 0.2}}); f.Kind != FoundReferral {
		t.Errorf("the same as search scores → %+v, want the referral", f)
	}
	if f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: []*procedures.Record{theirs, ours}, Scores: []float64{0.8, 0.1}, Ranked: true}); f.Kind != FoundReferral {
		t.Errorf("far ranker probabilities → %+v, want the referral", f)
	}
	// An example's vote put the leader first over a higher-scored hit of this office's:
	// the search's scores did not order the list, so they say nothing of closeness.
	if f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: []*procedures.Record{theirs, ours}, Scores: []float64{12, 28}}); f.Kind != FoundReferral {
		t.Errorf("leader promoted over this office's higher score → %+v, want the referral", f)
	}
	// Ranked, a match far below the leader (under ReferralAlsoRanked of its probability)
	// is not listed after the referral; one within it is.
	if f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: []*procedures.Record{theirs, ours}, Scores: []float64{0.8, 0.01}, Ranked: true}); f.Kind != FoundReferral || len(f.Hits) != 0 {
		t.Errorf("ranked, this office's match at 0.01 of 0.8 → %+v, want the referral alone", f)
	}
	if f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: []*procedures.Record{theirs, ours}, Scores: []float64{0.8, 0.05}, Ranked: true}); f.Kind != FoundReferral || len(f.Hits) != 1 {
		t.Errorf("ranked, this office's match at 0.05 of 0.8 → %+v, want the referral, then it", f)
	}
	// After the referral, this office's matches on the list's first page only: further
	// down (the bot searches four pages deep) they are noise.
	deep := []*procedures.Record{theirs}
	for i := 1; i < pageSize; i++ {
		deep = append(deep, &procedures.Record{Code: fmt.Sprint("2.", i), Name: "Theirs too", Agency: "UBND cấp xã"})
	}
	if f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: append(deep, ours)}); f.Kind != FoundReferral || len(f.Hits) != 0 {
		t.Errorf("this office's match sixth → %+v, want the referral alone", f)
	}
	if f = NarrowToScope(s, Found{Kind: FoundSeveral, Hits: append(deep[:pageSize-1:pageSize-1], ours)}); f.Kind != FoundReferral || len(f.Hits) != 1 || f.Hits[0] != ours {
		t.Errorf("this office's match fifth → %+v, want the referral, then it", f)
	}
}

// The best match at another level than this office's, with a variant this office does:
// the variant, not a referral.
func TestNarrowToScopePicksTheOfficesVariant(t *testing.T) {
	province := &procedures.Record{Code: "1.9", Name: "Cấp giấy X (cấp tỉnh)", Levels: []string{"Cấp tỉnh"}}
	commune := &procedures.Record{Code: "1.8", Name: "Cấp giấy X (cấp xã)", Levels: []string{"Cấp xã"}}
	s := procedures.Scope{Levels: []string{"Cấp xã"}}
	f := NarrowToScope(s, Found{Kind: FoundOne, Hits: []*procedures.Record{province}, Variants: []*procedures.Record{commune}})
	if f.Kind != FoundOne || f.Hits[0] != commune {
		t.Errorf("→ %+v, want the commune-level variant's card", f)
	}
}

type fixedSearch struct{ f Found }

func (s fixedSearch) Find(string, string, int) Found { return s.f }

// An unsure list led by another office's procedure: the referral, said as a guess (it
// only led a list), then this office's matches as a numbered list the citizen can pick
// from.
func TestReferralThenOwnMatches(t *testing.T) {
	h := newHarness(t, func(a *Account) { a.Scope = procedures.Scope{Codes: []string{"1.014061"}} })
	residence, _ := h.cat.ByCode("1.004222")
	idcard, _ := h.cat.ByCode("1.014061")
	b, err := New(Deps{Clock: func() time.Time { return h.now }, State: h.state, Stats: h.stats, Catalog: h.cat,
		Search: fixedSearch{Found{Kind: FoundSeveral, Hits: []*procedures.Record{residence, idcard}}}, Accounts: []Account{h.b.byID["benthanh"].Account},
		Messenger: func(string) (Messenger, bool) { return h.msgr, true }, QR: h.qr, Attachments: h.attach})
	if err != nil {
		t.Fatal(err)
	}
	h.b = b
	msgs := h.text("mot cau hoi mo ho")
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0].Text, "Có thể bạn hỏi về thủ tục \"Đăng ký thường trú\". Thủ tục này do") ||
		!strings.Contains(msgs[0].Text, "không thuộc phạm vi") || !strings.Contains(msgs[1].Text, "Nếu bạn hỏi việc do") ||
		!strings.Contains(msgs[1].Text, idcard.Name) || strings.Contains(msgs[1].Text, residence.Name) {
		t.Fatalf("replies = %s", describe(msgs))
	}
	if msgs := h.text("1"); !strings.Contains(msgs[0].Text, "Mã thủ tục: 1.014061") {
		t.Errorf("picking 1 after the referral = %s", describe(msgs))
	}
}

// scopedSearch records the scope the bot searched with.
type scopedSearch struct {
	fixedSearch
	got *procedures.Scope
}

func (s scopedSearch) FindIn(_, _ string, _ int, sc procedures.Scope) Found {
	*s.got = sc
	return s.f
}

// The bot searches with the office's scope when the searcher can (ScopedSearcher), so
// the search answers with the office's variant of a procedure before it decides how sure
// it is; an office without a scope searches as before.
func TestSearchWithTheOfficesScope(t *testing.T) {
	sc := procedures.Scope{Codes: []string{"1.014061"}}
	h := newHarness(t, func(a *Account) { a.Scope = sc })
	idcard, _ := h.cat.ByCode("1.014061")
	var got procedures.Scope
	b, err := New(Deps{Clock: func() time.Time { return h.now }, State: h.state, Stats: h.stats, Catalog: h.cat,
		Search:    scopedSearch{fixedSearch{Found{Kind: FoundOne, Hits: []*procedures.Record{idcard}}}, &got},
		Accounts:  []Account{h.b.byID["benthanh"].Account},
		Messenger: func(string) (Messenger, bool) { return h.msgr, true }, QR: h.qr, Attachments: h.attach})
	if err != nil {
		t.Fatal(err)
	}
	h.b = b
	if msgs := h.text("lam can cuoc"); !strings.Contains(msgs[0].Text, "Mã thủ tục: 1.014061") {
		t.Errorf("reply = %s", describe(msgs))
	}
	if len(got.Codes) != 1 || got.Codes[0] != "1.014061" {
		t.Errorf("searched with scope %+v, want the office's %+v", got, sc)
	}
}

// The portal's agency ends in a full stop more often than not; the referral's sentence
// goes on after it.
func TestReferralAgencyFullStop(t *testing.T) {
	h := newHarness(t)
	r := &procedures.Record{Code: "2.001263", Name: "Đăng ký việc nuôi con nuôi trong nước", Agency: "Ủy ban Nhân dân xã, phường, thị trấn. "}
	got := h.b.referral(h.b.byID["benthanh"], r, false).Text
	if !strings.Contains(got, "do Ủy ban Nhân dân xã, phường, thị trấn giải quyết") {
		t.Errorf("referral = %q", got)
	}
}

// A procedure of the office's own scope whose record names no place (222 national records
// name neither an address nor an agency) gets the office's main address as where to
// submit, on the card and in the place section; a record that names its place keeps it,
// and an office without a scope (every procedure) or outside it says to ask an officer.
func TestOwnPlace(t *testing.T) {
	ward := &account{Account: Account{ID: "ubnd", Name: "UBND phường Demo",
		Offices: []Office{{Name: "Bộ phận một cửa UBND phường Demo", Address: "12 Lê Lợi"}},
		Scope:   procedures.Scope{Levels: []string{"Cấp xã"}}}, texts: DefaultTexts()}
	will := &procedures.Record{Code: "2.001019", Name: "Chứng thực di chúc", Levels: []string{"Cấp xã"}}
	got := ownPlace(ward, will)
	if got.Where != "Bộ phận một cửa UBND phường Demo, 12 Lê Lợi" || will.Where != "" {
		t.Errorf("own record without a place: where %q (shared record's %q)", got.Where, will.Where)
	}
	if card := renderCard(&ward.texts, got).Text; !strings.Contains(card, "Nơi nộp: Bộ phận một cửa UBND phường Demo, 12 Lê Lợi") {
		t.Errorf("card = %q", card)
	}
	named := &procedures.Record{Code: "x", Levels: []string{"Cấp xã"}, Agency: "UBND cấp xã"}
	province := &procedures.Record{Code: "y", Levels: []string{"Cấp tỉnh"}}
	everything := &account{Account: Account{Offices: ward.Offices}, texts: DefaultTexts()}
	// A scope by field alone: the commune's procedure is the office's, a province's
	// procedure of the same field may not be done here.
	fields := &account{Account: Account{Offices: ward.Offices, Scope: procedures.Scope{Fields: []string{"Chứng thực"}}}, texts: DefaultTexts()}
	will.Field, province.Field = "Chứng thực", "Chứng thực"
	if got := ownPlace(fields, will); got.Where == "" {
		t.Error("a field scope: the commune's procedure without a place kept no place")
	}
	for _, c := range []struct {
		acc *account
		r   *procedures.Record
	}{{ward, named}, {ward, province}, {everything, will}, {fields, province}} {
		if got := ownPlace(c.acc, c.r); got != c.r {
			t.Errorf("%s at scope %+v: where %q, want the record as it is", c.r.Code, c.acc.Scope, got.Where)
		}
	}
	if card := renderCard(&ward.texts, province).Text; !strings.Contains(card, ward.texts.PlaceUnknown) {
		t.Errorf("another level's record without a place: card = %q", card)
	}
}
