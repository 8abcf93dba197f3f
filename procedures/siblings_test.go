package procedures

import (
	"slices"
	"strings"
	"testing"
)

func siblingCodes(ix *Index, code string) []string {
	var out []string
	for _, r := range ix.Siblings(code) {
		out = append(out, r.Code)
	}
	return out
}

// checkSiblings: code's siblings hold every code of want and none of not.
func checkSiblings(t *testing.T, ix *Index, code string, want, not []string) {
	t.Helper()
	got := siblingCodes(ix, code)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("Siblings(%s) = %v, want it to hold %s", code, got, w)
		}
	}
	for _, n := range not {
		if slices.Contains(got, n) {
			t.Errorf("Siblings(%s) = %v, want it without %s", code, got, n)
		}
	}
}

// Records about the same object are siblings whatever their action (cấp, cấp lại, cấp
// đổi, gia hạn, trình báo mất, sang tên), level or qualifier; records about another
// object sharing words (the international driving licence, the passport's validity) are
// not.
func TestSiblingsBuiltin(t *testing.T) {
	ix := builtinIndex(t)
	// ID card: first issue (two age ranges), replacement after loss, renewal.
	checkSiblings(t, ix, "1.014064", []string{"1.014061", "1.014062", "1.014063"}, []string{"1.014064", "3.000228"})
	// Driving licence: renewal and replacement; not the international one.
	checkSiblings(t, ix, "3.000347", []string{"3.000348"}, []string{"3.000353"})
	// Passport: its issue and the report of its loss; not the restoring of its validity.
	checkSiblings(t, ix, "1.010386", []string{"1.001456"}, []string{"1.010384"})
	// Vehicle registration certificate: renewal, replacement, change of owner, withdrawal.
	checkSiblings(t, ix, "1.013079", []string{"1.013076", "1.013080", "1.013082", "1.013065"}, nil)
	// Temporary residence: registration and its extension.
	checkSiblings(t, ix, "1.002755", []string{"1.004194"}, []string{"1.004222"})
	if got := ix.Siblings("9.999999"); got != nil {
		t.Errorf("Siblings of an unknown code = %v", got)
	}
}

func TestSiblingsNational(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	ix := NewIndex(realCatalog(t), Options{})
	// The ID card at every level (commune, province, central) and with every action; not
	// the certificate of identity (giấy chứng nhận căn cước), another document.
	checkSiblings(t, ix, "1.014064", []string{"2.001194", "1.000757", "1.014063", "2.001195", "2.000200", "1.014062"}, []string{"1.014068", "1.014067"})
	checkSiblings(t, ix, "3.000348", []string{"3.000346", "3.000347"}, []string{"3.000353"})
	// An object held by many names ("thông tin", "giấy phép") makes no family.
	if got := siblingCodes(ix, "1.010098"); len(got) != 0 { // Khai thác thông tin …
		t.Errorf("Siblings(1.010098) = %v, want none (generic object)", got)
	}
}

// familyObject takes the leading actions and the qualifiers at the object's ends away.
func TestFamilyObject(t *testing.T) {
	syn := DefaultSynonyms()
	for name, want := range map[string]string{
		"Cấp lại thẻ căn cước":                                          "the can cuoc",
		"Cấp thẻ căn cước cho người dưới 14 tuổi":                       "the can cuoc",
		"Trình báo mất hộ chiếu phổ thông (thực hiện tại cấp xã)":       "ho chieu pho thong",
		"Thủ tục đăng ký khai sinh có yếu tố nước ngoài":                "khai sinh",
		"Đổi chứng nhận đăng ký xe, biển số xe bằng dịch vụ công":       "chung nhan dang ky xe",
		"Cấp, cấp lại, gia hạn Giấy phép lao động cho người nước ngoài": "giay phep lao dong",
		"Tách hộ": "",
	} {
		if _, got := syn.familyObject(tokenize(Normalize(name))); got != want {
			t.Errorf("familyObject(%q) = %q, want %q", name, got, want)
		}
	}
}

// stateCase: a message naming a state of a document, and the start of the name of the
// procedure that fits it.
type stateCase struct{ state, query, want string }

func checkStates(t *testing.T, ix *Index, cases []stateCase) {
	t.Helper()
	seed, err := SeedExamples()
	if err != nil {
		t.Fatal(err)
	}
	x := ix.NewExamples(seed).For("")
	for _, c := range cases {
		res := ix.SearchWith(c.query, 5, x)
		if len(res.Hits) == 0 || !strings.HasPrefix(res.Hits[0].Record.Name, c.want) {
			got := "nothing"
			if len(res.Hits) > 0 {
				got = res.Hits[0].Record.Name
			}
			t.Errorf("[%s] %q: first %q, want %q…", c.state, c.query, got, c.want)
		}
	}
}

// A message naming what happened to a document gets the sibling whose action fits it
// (synonyms.yaml "states"), over the shared examples' vote for another sibling and over
// the ranking's. Each of these failed before the states.
func TestSearchStatesBuiltin(t *testing.T) {
	checkStates(t, builtinIndex(t), []stateCase{
		{"hết hạn", "em ở trọ đăng ký tạm trú được một năm, giờ tạm trú sắp hết hạn", "Gia hạn tạm trú"},
		{"mất", "hộ chiếu bị mất", "Trình báo mất hộ chiếu"},
		{"mất", "hộ chiếu bị trộm khi đi du lịch", "Trình báo mất hộ chiếu"},
		// A shared example about another document lost ("thất lạc") does not override the
		// sibling the search found.
		{"thất lạc", "cà vẹt xe bị thất lạc", "Cấp lại chứng nhận đăng ký xe"},
		{"thất lạc", "hộ chiếu của tôi bị thất lạc", "Trình báo mất hộ chiếu"},
		{"hỏng", "căn cước bị gãy đôi", "Cấp đổi thẻ căn cước"},
		{"sai", "thẻ căn cước in sai ngày sinh", "Cấp đổi thẻ căn cước"},
		{"nhầm", "căn cước ghi nhầm quê quán", "Cấp đổi thẻ căn cước"},
		// A typed action stands beside a state: selling the car, the citizen asks about
		// withdrawing the registration.
		{"bán", "bán xe rồi thì thu hồi đăng ký xe ở đâu", "Thu hồi"},
		// "làm lại" is said of a damaged card as of a lost one: the state decides, unlike
		// a typed "cấp lại".
		{"cong vênh", "thẻ căn cước bị cong vênh, con chip bong ra, làm lại ở đâu", "Cấp đổi thẻ căn cước"},
		{"rách", "cà vẹt xe bị rách nát, muốn xin lại cái mới", "Đổi chứng nhận đăng ký xe"},
		{"mất", "căn cước bị mất thì làm lại ở đâu", "Cấp lại thẻ căn cước"},
		// "không mất" denies the loss: the card is exchanged
		{"không mất", "mẹ tôi đủ 60 tuổi, thẻ căn cước còn nguyên không mất, đổi sang thẻ mới ở đâu", "Cấp đổi thẻ căn cước"},
	})
}

func TestSearchStatesNational(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	checkStates(t, NewIndex(realCatalog(t), Options{}), []stateCase{
		{"hết hạn", "căn cước quá hạn bị phạt không", "Cấp đổi thẻ căn cước"},
		{"mất", "hộ chiếu bị mất", "Trình báo mất hộ chiếu"},
		{"thất lạc", "cà vẹt xe bị thất lạc", "Cấp lại chứng nhận đăng ký xe"},
		{"hỏng", "căn cước bị gãy đôi", "Cấp đổi thẻ căn cước"},
		{"sai", "thẻ căn cước in sai ngày sinh", "Cấp đổi thẻ căn cước"},
		{"sai", "trên căn cước bị sai tên", "Cấp đổi thẻ căn cước"},
		{"sai", "thông tin cư trú bị ghi sai", "Điều chỉnh thông tin về cư trú"},
		{"lần đầu", "chưa có bằng lái xe thì làm sao", "Cấp giấy phép lái xe"},
	})
}

// States are read from what was typed, with diacritics agreeing for one word: "mo" is
// as often "mở" as "mờ".
func TestNamedState(t *testing.T) {
	ix := builtinIndex(t)
	name := func(q string) string {
		a := ix.analyse(q)
		st := ix.syn.namedState(a.seqTok[:a.typedLen])
		if st < 0 {
			return ""
		}
		return ix.syn.states[st].fits[0][0]
	}
	for q, want := range map[string]string{
		"căn cước bị mất":                  "cap",  // cấp lại
		"bằng lái hết hạn":                 "gia",  // gia hạn
		"thẻ bị gãy":                       "cap",  // cấp đổi
		"giấy khai sinh ghi sai":           "cai",  // cải chính
		"xe đổi chủ":                       "sang", // sang tên
		"mo quan karaoke":                  "",
		"ban sao giay khai sinh":           "",
		"cắt khẩu cho người đã mất":        "cap",
		"đổi bằng lái mất bao lâu":         "", // "mất bao lâu" asks the time
		"hôm qua tôi làm mất căn cước rồi": "cap",
		// "mất" before a cost or a duration asks what it takes, whatever the words after
		"làm hộ chiếu mất mấy ngày":   "",
		"đăng ký tạm trú có mất phí":  "",
		"làm căn cước mất tiền không": "",
		"cấp lại bằng lái mất 7 ngày": "",
		"em bị mất hộ chiếu mấy hôm":  "cap",
		// a state denied is not named; the next one is
		"thẻ vẫn còn, không mất, chỉ bị gãy": "cap", // cấp đổi, of "gãy"
		"căn cước chưa hết hạn":              "",
		"the ko mat ma bi gay":               "cap",
	} {
		if got := name(q); got != want {
			t.Errorf("state of %q: fits %q, want %q", q, got, want)
		}
	}
}

// An office's search answers with the record of a procedure it handles among the
// procedure's records at several levels (the same name) or differing only by level or
// agency (siblings with the same actions), before the confidence decision, which does not
// change: the procedure is the same.
func TestSearchInScope(t *testing.T) {
	ix := builtinIndex(t)
	q := "mất cà vẹt xe làm lại ở đâu"
	plain := ix.SearchWith(q, 5, AccountExamples{})
	if len(plain.Hits) == 0 || !strings.HasPrefix(plain.Hits[0].Record.Name, "Cấp lại chứng nhận đăng ký xe") {
		t.Fatalf("SearchWith(%q) = %+v", q, plain.Hits)
	}
	top := plain.Hits[0].Record.Code
	other := "1.013080"
	if top == other {
		other = "1.013082"
	}
	s := Scope{Codes: []string{other}}
	res := ix.SearchIn(q, 5, AccountExamples{}, s)
	if len(res.Hits) == 0 || res.Hits[0].Record.Code != other {
		t.Fatalf("SearchIn(%q, %v): first %+v, want %s", q, s.Codes, res.Hits, other)
	}
	if !slices.ContainsFunc(res.Hits[0].Variants, func(r *Record) bool { return r.Code == top }) {
		t.Errorf("SearchIn: %s not kept as a variant: %v", top, res.Hits[0].Variants)
	}
	if res.Confidence != plain.Confidence || res.Hits[0].Score != plain.Hits[0].Score {
		t.Errorf("SearchIn changed the decision: %s %.3f, was %s %.3f", res.Confidence, res.Hits[0].Score, plain.Confidence, plain.Hits[0].Score)
	}
	if got := ix.SearchIn(q, 5, AccountExamples{}, Scope{}); got.Hits[0].Record.Code != top {
		t.Errorf("SearchIn with the zero Scope: first %s, want %s", got.Hits[0].Record.Code, top)
	}
}

func TestSearchInScopeNational(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	ix := NewIndex(realCatalog(t), Options{})
	q := "cấp lại thẻ căn cước"
	plain := ix.SearchWith(q, 5, AccountExamples{})
	// A province's police department (the portal names it "Phòng cảnh sát quản lý hành
	// chính về trật tự xã hội").
	s := Scope{Agencies: []string{"Cảnh sát quản lý hành chính"}, Levels: []string{"Cấp tỉnh"}}
	res := ix.SearchIn(q, 5, AccountExamples{}, s)
	if len(plain.Hits) == 0 || len(res.Hits) == 0 {
		t.Fatalf("no hits: %+v / %+v", plain, res)
	}
	if s.Contains(plain.Hits[0].Record) {
		t.Fatalf("the commune-level record was expected first without a scope: %s", plain.Hits[0].Record.Name)
	}
	if r := res.Hits[0].Record; !s.Contains(r) || !strings.HasPrefix(r.Name, "Cấp lại thẻ căn cước") {
		t.Errorf("SearchIn: first %s %q, want the province's Cấp lại thẻ căn cước", r.Code, r.Name)
	}
	if res.Confidence != plain.Confidence {
		t.Errorf("SearchIn changed the confidence: %s, was %s", res.Confidence, plain.Confidence)
	}
}

// A shared example about the plain act speaks, for a message naming a variant's
// qualifier ("người Hàn Quốc": a foreign element), for that variant with the same action;
// not for one with another action (đăng ký lại), and an office's own example stands.
func TestFitQualified(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	ix := NewIndex(realCatalog(t), Options{})
	shared := exVote{code: "1.001193", ex: Example{Query: "làm khai sinh cho bé mới sinh ở đâu ạ", Code: "1.001193"}}
	for _, c := range []struct {
		vote  exVote
		query string
		want  string
	}{
		{shared, "chồng em là người Hàn Quốc, bé sinh ở Việt Nam thì làm khai sinh ở đâu", "2.000528"},
		{shared, "làm khai sinh lưu động cho bé", "1.003583"},
		{shared, "làm khai sinh cho bé ở đâu", "1.001193"},
		{exVote{code: "1.001193", ex: Example{Account: "ward", Code: "1.001193"}}, "chồng em là người Hàn Quốc, làm khai sinh cho bé", "1.001193"},
	} {
		if got := ix.fitQualified(c.vote, ix.analyse(c.query).mentioned); got != c.want {
			t.Errorf("%q: the vote for %s stands for %s, want %s", c.query, c.vote.code, got, c.want)
		}
	}
}

// The ranker reads the examples near a message as the vote does: a shared example about
// the plain act speaks for the variant the message names. Before, its example_sim went to
// the plain birth registration, and the ranker put it back first for "chồng em người
// Nhật … làm giấy khai sinh cho bé", although the vote had chosen the foreign-element one.
func TestRankerReadsNeighboursAsTheVote(t *testing.T) {
	ix, x := nationalSeeded(t)
	q := "Chồng em người Nhật, bé sinh ở Việt Nam tháng trước, muốn làm giấy khai sinh cho bé ở phường"
	a := ix.analyse(q)
	plain := Neighbour{Example: Example{Query: "làm giấy khai sinh cho con cần gì", Code: "1.001193"}, Score: 0.8}
	if got := ix.speaksFor(&a, exVote{code: plain.Example.Code, score: plain.Score, ex: plain.Example}); got != "2.000528" {
		t.Errorf("the plain example near %q speaks for %s, want 2.000528", q, got)
	}
	if r := ix.SearchWith(q, 5, x); topCode(r) != "2.000528" {
		t.Errorf("%q: first %v, want 2.000528", q, hitCodes(r))
	}
}

// A change to a civil-status record is filed under "hộ tịch" (synonyms.yaml umbrellas):
// a wrong birth or marriage certificate is corrected by "Thay đổi, cải chính, bổ sung
// thông tin hộ tịch", whose name does not say "khai sinh"; registering, or a lost
// certificate, is not.
func TestSearchUmbrellaChange(t *testing.T) {
	recs := []*Record{
		{Code: "1.001193", Name: "Thủ tục đăng ký khai sinh"},
		{Code: "1.004884", Name: "Thủ tục đăng ký lại khai sinh"},
		{Code: "2.000528", Name: "Thủ tục đăng ký khai sinh có yếu tố nước ngoài"},
		{Code: "1.000894", Name: "Thủ tục đăng ký kết hôn"},
		{Code: "1.000593", Name: "Thủ tục đăng ký kết hôn lưu động"},
		{Code: "1.004859", Name: "Thủ tục thay đổi, cải chính, bổ sung thông tin hộ tịch, xác định lại dân tộc"},
		{Code: "2.000748", Name: "Thủ tục thay đổi, cải chính, bổ sung thông tin hộ tịch, xác định lại dân tộc có yếu tố nước ngoài"},
		{Code: "2.000635", Name: "Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh"},
		{Code: "1.000001", Name: "Cấp lại giấy phép kinh doanh do bị mất"},
		{Code: "1.009443", Name: "Đổi tên cảng, bến thủy nội địa, khu neo đậu"},
		{Code: "1.001591", Name: "Thủ tục đề nghị chấp thuận thay đổi tên của tổ chức tài chính vi mô"},
	}
	ix := recordsIndex(t, recs)
	for q, want := range map[string]string{
		"giấy khai sinh bị sai ngày sinh":       "1.004859",
		"cải chính họ tên trong giấy khai sinh": "1.004859",
		"sửa ngày sinh trong giấy khai sinh":    "1.004859",
		"giay ket hon ghi sai ten vo":           "1.004859",
		"làm giấy khai sinh cho con":            "1.001193",
		"đăng ký kết hôn cần gì":                "1.000894",
	} {
		if got := ix.Search(q, 5); topCode(got) != want {
			t.Errorf("%q: first %v, want %s", q, hitCodes(got), want)
		}
	}
	// A person's name as the records hold it is a member too; a company's is not.
	for q, want := range map[string]bool{"muốn đổi tên cho con": true, "đổi họ cho bé": true, "đổi tên công ty": false} {
		if a := ix.analyse(q); slices.Contains(a.seq, "tich") != want {
			t.Errorf("%q analysed as %q: 'hộ tịch' added %v, want %v", q, strings.Join(a.seq, " "), !want, want)
		}
	}
	// Lost or torn is no wrong record: "đổi" fits a torn document and is one of the
	// umbrella's acts, but the correction fits only a wrong-record state.
	for _, q := range []string{"giấy khai sinh bị mất", "giấy khai sinh bị rách nát", "giấy đăng ký kết hôn bị hư hỏng"} {
		if got := ix.Search(q, 5); topCode(got) == "1.004859" {
			t.Errorf("%q answered by the correction of civil status: %v", q, hitCodes(got))
		}
	}
}

// A shared example that names its procedure's qualifier ("với người nước ngoài") speaks,
// for a message that does not name it, for the sibling without that qualifier: the two
// share the act, and what made the example the variant's is not in the message. Before,
// "thủ tục nhận cha mẹ con" got the foreign-element registration first, through the
// example "thủ tục nhận cha mẹ con với người nước ngoài mất bao lâu". A message that
// names the qualifier, and an office's own example, keep the variant.
func TestUnsaidQualifier(t *testing.T) {
	ix := recordsIndex(t, []*Record{
		{Code: "1.001022", Name: "Thủ tục đăng ký nhận cha, mẹ, con", Field: "Hộ tịch"},
		{Code: "2.000779", Name: "Thủ tục đăng ký nhận cha, mẹ, con có yếu tố nước ngoài", Field: "Hộ tịch"},
		{Code: "1.000894", Name: "Thủ tục đăng ký kết hôn", Field: "Hộ tịch"},
	})
	foreign := "thủ tục nhận cha mẹ con với người nước ngoài mất bao lâu ạ"
	x := ix.NewExamples([]Example{
		{ID: "s1", Query: foreign, Code: "2.000779", Source: "seed"},
		{ID: "s2", Query: "đăng ký kết hôn cần giấy gì", Code: "1.000894", Source: "seed"},
	})
	own := ix.NewExamples([]Example{{ID: "o1", Account: "ward", Query: foreign, Code: "2.000779"}})
	for _, c := range []struct {
		x     AccountExamples
		query string
		want  string
	}{
		{x.For(""), "thủ tục nhận cha mẹ con mất bao lâu", "1.001022"},
		{x.For(""), "thủ tục nhận cha mẹ con với người hàn quốc mất bao lâu", "2.000779"},
		{own.For("ward"), "thủ tục nhận cha mẹ con mất bao lâu", "2.000779"},
	} {
		a := ix.analyse(c.query)
		nb := c.x.nearestTo(c.x.x.vector(ix.features(&a)), exNeighbours)
		if len(nb) == 0 || nb[0].Example.Code != "2.000779" {
			t.Fatalf("%q: the foreign-element example is not the nearest: %+v", c.query, nb)
		}
		v := exVote{code: nb[0].Example.Code, score: nb[0].Score, ex: nb[0].Example, said: nb[0].said}
		if got := ix.speaksFor(&a, v); got != c.want {
			t.Errorf("%q: the example speaks for %s, want %s", c.query, got, c.want)
		}
		if st := ix.queryState(c.query, 5, c.x, true); st.best.code != c.want {
			t.Errorf("%q: the examples' vote is for %s, want %s", c.query, st.best.code, c.want)
		}
	}
	// On the national catalogue with the seed examples, the search answers it.
	if testing.Short() {
		return
	}
	nix, nx := nationalSeeded(t)
	if r := nix.SearchWith("thủ tục nhận cha mẹ con", 5, nx); topCode(r) != "1.001022" {
		t.Errorf("national: first %v, want 1.001022", hitCodes(r))
	}
}

// A hit whose name carries a qualifier the message mentions reads qual_typed, and the
// examples of its siblings with the same action (the plain act, which has the
// examples) through protoRecords, as a hit fitting a named state does. Before, "đổi bằng
// lái nước ngoài sang bằng việt nam" got the plain licence exchange first: only it had
// examples, and the classifier put .91 on it.
func TestQualifierTyped(t *testing.T) {
	ix := recordsIndex(t, []*Record{
		{Code: "3.000347", Name: "Đổi giấy phép lái xe"},
		{Code: "3.000351", Name: "Đổi giấy phép lái xe hoặc bằng lái xe của người nước ngoài"},
		{Code: "3.000346", Name: "Cấp giấy phép lái xe"},
	})
	a := ix.analyse("đổi bằng lái nước ngoài sang bằng việt nam")
	plain, _ := ix.cat.ByCode("3.000347")
	foreign, _ := ix.cat.ByCode("3.000351")
	var got []string
	for r := range ix.protoRecords(Hit{Record: foreign}, false, a.mentioned) {
		got = append(got, r.Code)
	}
	if !slices.Equal(got, []string{"3.000351", "3.000347"}) {
		t.Errorf("the foreign licence's prototypes: %v, want itself and the plain exchange", got)
	}
	// "đổi" is a qualifier too (cấp đổi); the foreign one's name carries one more the
	// message types.
	st := ix.queryState("đổi bằng lái nước ngoài sang bằng việt nam", 5, AccountExamples{}, true)
	fs := ix.rankFeatures(&st)
	q := slices.Index(rankFeatureNames, "qual_typed")
	typed := map[*Record]float64{}
	for i, h := range st.res.Hits {
		typed[h.Record] = fs[i][q]
	}
	if typed[foreign] <= typed[plain] {
		t.Errorf("qual_typed: foreign %v, plain %v; want the foreign one higher", typed[foreign], typed[plain])
	}
	if testing.Short() {
		return
	}
	nix, nx := nationalSeeded(t)
	for _, q := range []string{"doi bang lai nuoc ngoai sang bang vn o dau", "đổi bằng lái nước ngoài sang bằng việt nam"} {
		if r := nix.SearchWith(q, 5, nx); topCode(r) != "3.000351" {
			t.Errorf("national %q: first %v, want 3.000351", q, hitCodes(r))
		}
	}
}

// The classifier reads a variant's qualifier as the vote does (clfMatch.unsaid): the
// foreign-element recognition's examples name the foreign father, and their other words
// ("giấy khai sinh … để trống tên cha … muốn nhận con") are the plain recognition's too.
// A message that names no foreigner gives their probability to the plain recognition.
func TestClassifierUnsaidQualifier(t *testing.T) {
	ix, x := nationalSeeded(t)
	const q = "giấy khai sinh của bé để trống tên cha, nay ba bé muốn nhận con thì làm thủ tục gì"
	if res := ix.SearchWith(q, 5, x); len(res.Hits) == 0 || res.Hits[0].Record.Code != "1.001022" {
		t.Errorf("got %v, want 1.001022 (nhận cha, mẹ, con) first", hitCodes(res))
	}
	a := ix.analyse(q)
	qv := x.x.vector(ix.features(&a))
	raw := x.x.classify(qv)
	moved := x.x.classify(qv)
	moved.unsaid(ix, a.mentioned)
	if raw.prob("2.000779") < 0.05 {
		t.Skipf("the seeds no longer make the foreign-element recognition likely (%.3f)", raw.prob("2.000779"))
	}
	if moved.prob("2.000779") != 0 || moved.prob("1.001022") < raw.prob("1.001022")+raw.prob("2.000779")-1e-9 {
		t.Errorf("foreign %.3f → %.3f, plain %.3f → %.3f: want the foreign one's moved to the plain one",
			raw.prob("2.000779"), moved.prob("2.000779"), raw.prob("1.001022"), moved.prob("1.001022"))
	}
	// Naming the foreigner keeps the variant's probability (other variants' may join it).
	b := ix.analyse("chồng em người Pháp muốn nhận con, giấy khai sinh của bé để trống tên cha")
	m := x.x.classify(x.x.vector(ix.features(&b)))
	before := m.prob("2.000779")
	m.unsaid(ix, b.mentioned)
	if m.prob("2.000779") < before {
		t.Errorf("a message naming the foreigner: foreign %.3f → %.3f", before, m.prob("2.000779"))
	}
}

// A qualifier denied by a word before it is not mentioned ("nhà tôi không ở vùng biên
// giới"), unless the denial is of knowing ("không biết … nước ngoài").
func TestQualifierDenied(t *testing.T) {
	ix := recordsIndex(t, []*Record{
		{Code: "2.000806", Name: "Thủ tục đăng ký kết hôn có yếu tố nước ngoài"},
		{Code: "1.000094", Name: "Thủ tục đăng ký kết hôn có yếu tố nước ngoài tại khu vực biên giới"},
	})
	core := func(words ...string) int {
		return slices.IndexFunc(ix.syn.qualCore, func(c []string) bool { return slices.Equal(c, words) })
	}
	border, foreign := core("bien", "gioi"), core("nuoc", "ngoai")
	if border < 0 || foreign < 0 {
		t.Fatalf("qualifier cores: border %d, foreign %d", border, foreign)
	}
	for q, want := range map[string][2]bool{ // border, foreign mentioned
		"kết hôn với người nước ngoài ở khu vực biên giới":      {true, true},
		"kết hôn với người hàn, nhà tôi không ở vùng biên giới": {false, true},
		"cả nhà ở trong nước, không dính gì nước ngoài":         {false, false},
		// an expansion follows the typed words: the question's "không" before it is no denial
		"ck e ng nhật, làm khai sinh cho bé ở xã đc hok":           {false, true},
		"em không biết lấy chồng nước ngoài thì đăng ký ở đâu":     {false, true},
		"chồng tôi không phải người nước ngoài":                    {false, false},
		"ko o bien gioi, lay chong nguoi trung quoc dang ky o dau": {false, true},
	} {
		a := ix.analyse(q)
		if got := [2]bool{a.mentioned.has(int16(border)), a.mentioned.has(int16(foreign))}; got != want {
			t.Errorf("%q: border, foreign mentioned %v, want %v", q, got, want)
		}
	}
}
