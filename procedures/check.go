package procedures

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Contradiction is one fact of a catalogue record that disagrees with the portal record of
// the same code. Record and Portal quote the two texts; Message tells an officer, in
// Vietnamese, what to check.
type Contradiction struct {
	Code  string `json:"code"`
	Kind  string `json:"kind"`
	Field string `json:"field"`
	// Fact is, for a marked fact, the kind of contradiction the mark explains ("" when the
	// marked fact does not contradict the portal).
	Fact    string `json:"fact,omitempty"`
	Record  string `json:"record,omitempty"`
	Portal  string `json:"portal,omitempty"`
	Message string `json:"message"`
}

// Contradiction kinds.
const (
	ContraTime      = "time"      // processing time per channel kind
	ContraFee       = "fee"       // amounts in đồng, or "free", per channel kind
	ContraDocument  = "document"  // a paper missing, optional, or not on the portal
	ContraLevel     = "level"     // cấp thực hiện
	ContraChannel   = "channel"   // a channel kind only one side lists
	ContraExemption = "exemption" // "không cần", "chỉ khi"… without a portal counterpart
	ContraMarked    = "marked"    // a fact the record marks as not the portal's (informational)
)

// BlocksVerification reports whether c keeps a record from being marked verified: every
// contradiction does, except facts the record itself marks as coming from elsewhere.
func BlocksVerification(c Contradiction) bool { return c.Kind != ContraMarked }

// Verifiable reports whether none of cs blocks verification. Pass one record's
// contradictions to decide whether that record may be marked verified.
func Verifiable(cs []Contradiction) bool {
	return !slices.ContainsFunc(cs, BlocksVerification)
}

// ContradictionCounts sums contradictions by kind.
func ContradictionCounts(cs []Contradiction) map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		m[c.Kind]++
	}
	return m
}

// CheckAgainstPortal compares each record whose code the portal has with the portal
// record, on the facts that carry meaning (numbers of days, amounts in đồng, channel kinds,
// levels, papers by key words, exemption phrases); the built-in records are rewritten in
// plain Vietnamese, so their texts never match the portal's literally. Records without a
// portal counterpart are skipped. The result is in record order.
func CheckAgainstPortal(records []*Record, portal []*Record) []Contradiction {
	byCode := make(map[string]*Record, len(portal))
	for _, p := range portal {
		byCode[p.Code] = p
	}
	var out []Contradiction
	for _, r := range records {
		if p := byCode[r.Code]; p != nil {
			out = append(out, CheckRecord(r, p)...)
		}
	}
	return out
}

// CheckRecord lists the contradictions of one record with the portal's record p of the
// same code (the console checks one record against a portal catalogue it keeps indexed).
func CheckRecord(r, p *Record) []Contradiction { return checkRecord(r, p) }

// checker collects one record's contradictions; facts the record marks are reported once
// as ContraMarked and never as contradictions.
type checker struct {
	r, p *Record
	out  []Contradiction // the marked entries first, then contradictions
}

func checkRecord(r, p *Record) []Contradiction {
	ck := &checker{r: r, p: p}
	ck.findMarks()
	ck.levels()
	if len(p.Channels) > 0 { // the portal gave no parsable channel table: nothing to compare
		ck.channels()
		for _, kind := range []string{ChannelDirect, ChannelOnline, ChannelPost} {
			ck.times(kind)
			ck.fees(kind)
		}
	}
	ck.documents()
	ck.exemptions()
	return ck.out
}

// markRE finds the record's own marks that a fact does not come from the portal: "cổng
// DVC không ghi", "trang Cổng không ghi …", "cổng DVC chỉ ghi …", "cổng DVC ghi ở thủ tục
// đó" (the fact is on another procedure's page) or a "(theo <legal source>" citation
// (folded text); "(theo mẫu …)" is not a citation.
var markRE = regexp.MustCompile(`cong (?:dvc )?(?:khong|chi) ghi|cong dvc ghi o|\(theo (?:luat|bo luat|thong tu|nghi dinh|nghi quyet|quyet dinh|dieu|cong van|van ban)`)

func (ck *checker) findMarks() {
	for _, t := range recordTexts(ck.r) {
		if markRE.MatchString(Fold(t.text)) {
			ck.out = append(ck.out, Contradiction{Code: ck.r.Code, Kind: ContraMarked, Field: t.field, Record: t.text,
				Message: "Bản ghi ghi chú thông tin này không lấy từ Cổng DVC; kiểm tra nguồn đã dẫn."})
		}
	}
}

// add records a contradiction, or folds it into the marked entry that covers its field.
func (ck *checker) add(kind, field, rec, portal, msg string) {
	for i := range ck.out {
		if m := &ck.out[i]; m.Kind == ContraMarked && covers(m.Field, field) {
			if m.Fact == "" {
				m.Fact, m.Portal = kind, portal
				m.Message = "Bản ghi ghi chú không theo Cổng DVC: " + msg
			}
			return
		}
	}
	ck.out = append(ck.out, Contradiction{Code: ck.r.Code, Kind: kind, Field: field, Record: rec, Portal: portal, Message: msg})
}

// covers reports whether a mark in field f explains a contradiction in field c: the same
// field, a field under it (a mark in documents[1].name covers documents[1]), or the
// channel's note, which speaks for the whole channel ("Trang Cổng không ghi phí").
func covers(f, c string) bool {
	if f == c || strings.HasPrefix(f, c+".") {
		return true
	}
	ch, ok := strings.CutSuffix(f, ".note")
	return ok && strings.HasPrefix(c, ch+".")
}

func (ck *checker) levels() {
	a, b := slices.Sorted(slices.Values(ck.r.Levels)), slices.Sorted(slices.Values(ck.p.Levels))
	if len(b) == 0 || slices.Equal(a, b) {
		return
	}
	rec, portal := strings.Join(ck.r.Levels, ", "), strings.Join(ck.p.Levels, ", ")
	ck.add(ContraLevel, "levels", rec, portal, fmt.Sprintf("Cấp thực hiện: bản ghi ghi %q, Cổng ghi %q.", rec, portal))
}

var kindNames = map[string]string{ChannelDirect: "trực tiếp", ChannelOnline: "trực tuyến", ChannelPost: "qua bưu chính"}

func (ck *checker) channels() {
	for _, kind := range []string{ChannelDirect, ChannelOnline, ChannelPost} {
		ri, pi := channelIndex(ck.r, kind), channelIndex(ck.p, kind)
		switch {
		case ri < 0 && pi >= 0:
			ck.add(ContraChannel, "channels", "", kindNames[kind],
				fmt.Sprintf("Cổng có cách nộp %s mà bản ghi không có.", kindNames[kind]))
		case ri >= 0 && pi < 0:
			ck.add(ContraChannel, fmt.Sprintf("channels[%d]", ri), kindNames[kind], "",
				fmt.Sprintf("Bản ghi có cách nộp %s mà Cổng không liệt kê.", kindNames[kind]))
		}
	}
}

func channelIndex(r *Record, kind string) int {
	return slices.IndexFunc(r.Channels, func(c Channel) bool { return c.Kind == kind })
}

// portalRows returns the portal's channels of one kind: the portal often has several rows
// per kind (one per case, with different times or fees).
func portalRows(p *Record, kind string) []Channel {
	var out []Channel
	for _, c := range p.Channels {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// times flags a record whose longest time for a kind is shorter than the portal's longest
// (a citizen told 2 days where the portal allows 7), or whose shortest is longer than the
// portal's longest. Extra conditional times in the record ("30 ngày nếu cần xác minh") are
// fine as long as one of its times reaches the portal's.
func (ck *checker) times(kind string) {
	ri := channelIndex(ck.r, kind)
	if ri < 0 {
		return
	}
	rt := ck.r.Channels[ri].Time
	rec := durations(rt, false)
	var texts []string
	pmax, longest := 0.0, ""
	for _, c := range portalRows(ck.p, kind) {
		d := durations(c.Time, true)
		if len(d) == 0 {
			continue
		}
		t := c.Time
		if bareNumRE.MatchString(t) {
			t += " (không ghi đơn vị; coi là ngày)"
		}
		texts = append(texts, t)
		if m := slices.Max(d); m > pmax {
			pmax, longest = m, t
		}
	}
	if len(rec) == 0 || len(texts) == 0 {
		return
	}
	field, ptext := fmt.Sprintf("channels[%d].time", ri), strings.Join(texts, "; ")
	switch {
	case slices.Max(rec) < pmax:
		ck.add(ContraTime, field, rt, ptext, fmt.Sprintf("Thời hạn nộp %s: bản ghi ngắn hơn Cổng (Cổng ghi đến %s).", kindNames[kind], longest))
	case slices.Min(rec) > pmax:
		ck.add(ContraTime, field, rt, ptext, fmt.Sprintf("Thời hạn nộp %s: bản ghi dài hơn Cổng (Cổng ghi %s).", kindNames[kind], ptext))
	}
}

var (
	durationRE = regexp.MustCompile(`(\d+(?:[.,]\d+)?)\s*(ngày|giờ|tháng|năm|tuần|phút)`)
	sameDayRE  = regexp.MustCompile(`(?:^|[^\pL])(?:trong ngày|trong giờ hành chính|ngay trong ngày)`)
	bareNumRE  = regexp.MustCompile(`^\d+(?:[.,]\d+)?$`)
)

// hoursPer converts a time unit into working hours. The rates are coarse (working days and
// calendar days alike count as 8 hours), enough to order "8 giờ" < "2 ngày" < "1 tháng".
var hoursPer = map[string]float64{"phút": 1.0 / 60, "giờ": 1, "ngày": 8, "tuần": 7 * 8, "tháng": 30 * 8, "năm": 365 * 8}

// durations returns every duration s mentions, in working hours. "Trong ngày" counts as
// one day. A bare number is a number of days when bareDays is set (the portal's table
// sometimes loses the unit).
func durations(s string, bareDays bool) []float64 {
	s = Normalize(s)
	if bareDays && bareNumRE.MatchString(strings.TrimSpace(s)) {
		n, _ := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", "."), 64)
		return []float64{n * hoursPer["ngày"]}
	}
	var out []float64
	for _, m := range durationRE.FindAllStringSubmatch(s, -1) {
		n, err := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", "."), 64)
		if err == nil {
			out = append(out, n*hoursPer[m[2]])
		}
	}
	if sameDayRE.MatchString(s) {
		out = append(out, hoursPer["ngày"])
	}
	return out
}

// fees compares amounts in đồng. Every amount the record states must appear somewhere in
// the portal's rows of that kind (column or description: the portal's fee column often
// says "Miễn phí" while its description gives the price). A record saying "free" must not
// face a portal amount, nor a portal that says nothing about the fee.
func (ck *checker) fees(kind string) {
	ri, rows := channelIndex(ck.r, kind), portalRows(ck.p, kind)
	if ri < 0 || len(rows) == 0 {
		return
	}
	rf := ck.r.Channels[ri].Fee
	var portal []int64
	var texts []string
	portalFree := false
	for _, c := range rows {
		row := append(amounts(c.Fee), amounts(c.Note)...)
		portal = append(portal, row...)
		portal = append(portal, discounted(row, c.Note)...)
		texts = append(texts, feeText(c))
		portalFree = portalFree || isFree(c.Fee) || freeRE.MatchString(Fold(c.Note))
	}
	field, ptext, name := fmt.Sprintf("channels[%d].fee", ri), strings.Join(slices.Compact(texts), "; "), kindNames[kind]
	rec := amounts(rf)
	switch {
	case len(rec) > 0:
		var unknown []int64
		for _, a := range rec {
			if !slices.Contains(portal, a) {
				unknown = append(unknown, a)
			}
		}
		if len(unknown) > 0 {
			ck.add(ContraFee, field, rf, ptext, fmt.Sprintf("Phí nộp %s: bản ghi ghi %s, Cổng không có mức này (Cổng: %s).", name, formatDong(unknown), formatDongOr(portal)))
		}
	case isFree(rf) && len(portal) > 0:
		ck.add(ContraFee, field, rf, ptext, fmt.Sprintf("Phí nộp %s: bản ghi ghi miễn phí, Cổng ghi %s.", name, formatDong(portal)))
	case isFree(rf) && !portalFree:
		ck.add(ContraFee, field, rf, ptext, fmt.Sprintf("Phí nộp %s: bản ghi ghi miễn phí, Cổng không ghi mức phí.", name))
	}
}

// feeText quotes a portal row's fee, with the start of its description when that is
// where the amount is.
func feeText(c Channel) string {
	t := c.Fee
	if len(amounts(c.Note)) > 0 {
		t = strings.TrimSpace(t + " — " + shorten(c.Note, 160))
	}
	if t == "" {
		return "(không ghi)"
	}
	return t
}

var (
	amountRE = regexp.MustCompile(`(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(nghìn|ngàn|triệu)?\s*(?:đồng|vnđ|vnd|đ)(?:[^\pL]|$)`)
	freeRE   = regexp.MustCompile(`mien (?:le )?phi|khong (?:thu|mat) (?:le )?phi`)
	multiple = map[string]int64{"": 1, "nghìn": 1000, "ngàn": 1000, "triệu": 1000000}
)

// amounts returns the amounts in đồng that s states, in order ("20.000 đồng", "160,000
// đồng", "320.000đ", "1 triệu đồng"); amounts in other currencies are left out.
func amounts(s string) []int64 {
	var out []int64
	for _, m := range amountRE.FindAllStringSubmatch(Normalize(s), -1) {
		n, err := strconv.ParseInt(strings.NewReplacer(".", "", ",", "").Replace(m[1]), 10, 64)
		if err == nil {
			out = append(out, n*multiple[m[2]])
		}
	}
	return out
}

var percentRE = regexp.MustCompile(`(giảm|bằng)\s*(\d{1,2})\s*%`)

// discounted returns the amounts a portal note implies by a temporary rate ("bằng 50% mức
// thu", "giảm 50%"), so a record that states the reduced fee agrees with the portal.
func discounted(as []int64, note string) []int64 {
	var out []int64
	for _, m := range percentRE.FindAllStringSubmatch(Normalize(note), -1) {
		pct, _ := strconv.ParseInt(m[2], 10, 64)
		if m[1] == "giảm" {
			pct = 100 - pct
		}
		for _, a := range as {
			out = append(out, a*pct/100)
		}
	}
	return out
}

// isFree reports whether a fee text starts by saying there is no fee. Only the start
// counts: "Theo Thông tư 60 (cột phí của Cổng ghi "Miễn phí")" is not a claim of "free".
func isFree(fee string) bool {
	f := Fold(fee)
	for _, p := range []string{"mien phi", "mien le phi", "khong thu phi", "khong thu le phi", "khong mat phi", "khong phai nop phi"} {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
}

func formatDong(as []int64) string {
	var parts []string
	for _, a := range slices.Compact(slices.Sorted(slices.Values(as))) {
		s := strconv.FormatInt(a, 10)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "." + s[i:]
		}
		parts = append(parts, s+" đồng")
	}
	return strings.Join(parts, ", ")
}

func formatDongOr(as []int64) string {
	if len(as) == 0 {
		return "không ghi số tiền"
	}
	return formatDong(as)
}

// Document matching thresholds: the share of a paper's head words found in the other
// side's paper. Set low on purpose (rewritten names share few words); a paper is only
// reported when well below them.
const (
	docMatch  = 0.6 // a portal paper is in the record when one record paper has this share
	docListed = 0.5 // a record paper is on the portal when the portal's dossier text has this share
)

// documents reports papers the portal requires in every case that the record omits or
// marks optional, and papers the record requires in every case that the portal's dossier
// and steps never mention. Conditional papers on either side are left alone: the portal's
// case headings are too irregular to pair cases reliably.
func (ck *checker) documents() {
	universal := caseCount(ck.p.Documents) <= 1
	for _, pd := range ck.p.Documents {
		if !requiredAlways(pd, universal) {
			continue
		}
		i, score := bestDocument(ck.r.Documents, pd)
		switch {
		case score < docMatch:
			ck.add(ContraDocument, "documents", "", pd.Name, "Cổng yêu cầu giấy tờ này mà bản ghi không có: "+shorten(pd.Name, 120))
		case ck.r.Documents[i].Optional:
			ck.add(ContraDocument, fmt.Sprintf("documents[%d]", i), ck.r.Documents[i].Name, pd.Name,
				"Cổng yêu cầu giấy tờ này trong mọi trường hợp mà bản ghi ghi là không bắt buộc.")
		}
	}
	if !slices.ContainsFunc(ck.p.Documents, func(d Document) bool { return d.Originals+d.Copies > 0 }) {
		return // a dossier without quantities was not split into papers: too rough to compare
	}
	portal := portalDossierWords(ck.p)
	for i, rd := range ck.r.Documents {
		if rd.Optional || rd.Case != "" || hasFormCode(formCodes(rd.Name+" "+rd.Form), portal) {
			continue
		}
		// The head or the whole name may match: "Giấy tờ tùy thân (căn cước, hộ chiếu)" is on
		// the portal by its examples.
		if head := headWords(rd.Name); len(head) > 0 && max(share(head, portal), share(setWords(keyWords(rd.Name)), portal)) < docListed {
			ck.add(ContraDocument, fmt.Sprintf("documents[%d]", i), rd.Name, "",
				"Bản ghi yêu cầu giấy tờ này mà thành phần hồ sơ của Cổng không nhắc tới.")
		}
	}
}

// caseCount counts the portal's distinct case headings. One heading is usually the
// dossier's own title ("…nộp 01 bộ hồ sơ, gồm các giấy tờ sau đây"), not a case.
func caseCount(docs []Document) int {
	seen := map[string]bool{}
	for _, d := range docs {
		if d.Case != "" {
			seen[d.Case] = true
		}
	}
	return len(seen)
}

// conditionalRE finds portal "papers" that are not required in every case: conditions,
// notes, catch-alls ("các giấy tờ khác"), and the interactive e-form, which only online
// applicants fill in.
var conditionalRE = regexp.MustCompile(`\b(?:neu|truong hop|doi voi|luu y|khi|giay to khac|tuong tac)\b`)

func requiredAlways(d Document, universal bool) bool {
	return !d.Optional && d.Originals+d.Copies > 0 && (d.Case == "" || universal) &&
		!conditionalRE.MatchString(Fold(d.Name))
}

// bestDocument returns the record paper that best matches the portal paper, and the
// match: the share of one paper's head words found in the other's name, either way (the
// portal's long names hold the record's short ones and the reverse), or 1 for a shared
// form code such as CT01.
func bestDocument(docs []Document, pd Document) (int, float64) {
	head, codes, pwords := headWords(pd.Name), formCodes(pd.Name+" "+pd.Form), keyWords(pd.Name+" "+pd.Form)
	best, bestScore := -1, 0.0
	for i, d := range docs {
		words := keyWords(d.Name + " " + d.Form + " " + d.Case)
		s := max(share(head, words), share(headWords(d.Name), pwords))
		if hasFormCode(codes, words) {
			s = 1
		}
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	return best, bestScore
}

// portalDossierWords is every key word of the portal's dossier, case headings, steps and
// conditions: papers to show ("xuất trình căn cước") are often only in the steps.
func portalDossierWords(p *Record) map[string]bool {
	var b strings.Builder
	for _, d := range p.Documents {
		b.WriteString(d.Name + " " + d.Form + " " + d.Case + " ")
	}
	for _, s := range slices.Concat(p.Steps, p.Conditions) {
		b.WriteString(s + " ")
	}
	words := keyWords(b.String())
	if words["cuoc"] || words["chieu"] { // records say "giấy tờ tùy thân" for the ID papers the portal lists
		words["tuy"], words["than"] = true, true
	}
	return words
}

var formCodeRE = regexp.MustCompile(`\b[A-Z]{1,4}\d{1,3}[a-z]?\b`)

func formCodes(s string) []string { return formCodeRE.FindAllString(s, -1) }

func hasFormCode(codes []string, words map[string]bool) bool {
	return slices.ContainsFunc(codes, func(c string) bool { return words[strings.ToLower(c)] })
}

// qualifiers are phrases that say how a paper is given (original, copy, certified,
// electronic), not which paper it is; they are removed before comparing papers.
var qualifiers = strings.NewReplacer("ban chinh", " ", "ban sao", " ", "co chung thuc", " ", "duoc chung thuc", " ",
	"dien tu", " ", "ban chup", " ", "ban goc", " ")

// stopWords are folded syllables too common to tell papers or sentences apart.
var stopWords = map[string]bool{"va": true, "cua": true, "cac": true, "co": true, "duoc": true, "thi": true, "la": true,
	"cho": true, "hoac": true, "voi": true, "trong": true, "tren": true, "khi": true, "neu": true, "da": true,
	"theo": true, "ve": true, "tai": true, "mot": true, "nhung": true, "nay": true, "do": true, "giay": true, "to": true,
	"tu": true, "ma": true, "quy": true, "dinh": true, "phap": true, "luat": true, "01": true, "02": true, "1": true, "2": true}

// words splits folded text into syllables and numbers.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

func keyWords(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words(qualifiers.Replace(Fold(s))) {
		if !stopWords[w] {
			m[w] = true
		}
	}
	return m
}

// headWords are the first key words of a paper's name before any bracket or clause: what
// the paper is, not the conditions attached to it. Eight are enough to name a paper; long
// legal names add conditions after them.
func headWords(name string) []string {
	if i := strings.IndexAny(name, "(;:"); i > 0 && len(keyWords(name[:i])) >= 2 {
		name = name[:i]
	}
	var out []string
	for _, w := range words(qualifiers.Replace(Fold(name))) {
		if !stopWords[w] && !slices.Contains(out, w) {
			out = append(out, w)
		}
		if len(out) == 8 {
			break
		}
	}
	return out
}

func setWords(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }

func share(ws []string, in map[string]bool) float64 {
	if len(ws) == 0 {
		return 0
	}
	n := 0
	for _, w := range ws {
		if in[w] {
			n++
		}
	}
	return float64(n) / float64(len(ws))
}

// exemptionRE finds the record's exemptions and conditions (folded text). Each must have a
// counterpart on the portal: a text with a negation or condition word that holds most of
// the word pairs of the record's clause. Portal texts are compared whole, not by sentence:
// the portal often names a paper in one sentence and its exemption in the next.
var (
	exemptionRE = regexp.MustCompile(`\b(?:khong phai nop|khong can|chi khi|tru truong hop)\b`)
	limitRE     = regexp.MustCompile(`\b(?:khong|mien|tru|chi|neu|truong hop|khi)\b`)
	sentenceRE  = regexp.MustCompile(`[.;!?]\s|[.;]$|\n| — `)
)

// exemptionShare is the share of the clause's word pairs a portal text must hold to count
// as its counterpart.
const exemptionShare = 0.5

func (ck *checker) exemptions() {
	var portal [][]string
	for _, t := range recordTexts(ck.p) {
		if f := Fold(t.text); limitRE.MatchString(f) {
			portal = append(portal, wordPairs(f))
		}
	}
	for _, t := range recordTexts(ck.r) {
		for _, s := range sentenceRE.Split(t.text, -1) {
			f := Fold(s)
			loc := exemptionRE.FindStringIndex(f)
			if loc == nil {
				continue
			}
			pairs := wordPairs(exemptionClause(f, loc))
			if len(pairs) == 0 || hasCounterpart(pairs, portal) {
				continue
			}
			s = strings.TrimSpace(s)
			ck.add(ContraExemption, t.field, s, "", fmt.Sprintf("Bản ghi ghi ngoại lệ «%s» mà Cổng không có câu tương ứng.", shorten(s, 100)))
		}
	}
}

// exemptionClause is what an exemption is about: the bracket it sits in ("Giấy báo tử
// (không phải nộp nếu đã có bản điện tử)"), else its whole sentence; without the phrase.
func exemptionClause(f string, loc []int) string {
	before, after := f[:loc[0]], f[loc[1]:]
	if open := strings.LastIndexByte(before, '('); open >= 0 && !strings.Contains(before[open:], ")") {
		before = before[open+1:]
		if end := strings.IndexByte(after, ')'); end >= 0 {
			after = after[:end]
		}
	}
	return before + " | " + after
}

func hasCounterpart(pairs []string, portal [][]string) bool {
	for _, ps := range portal {
		have := map[string]bool{}
		for _, p := range ps {
			have[p] = true
		}
		if share(pairs, have) >= exemptionShare {
			return true
		}
	}
	return false
}

// wordPairs returns the distinct pairs of adjacent syllables of folded text, leaving out
// pairs of two stop words; "|" (or any punctuation) breaks a run.
func wordPairs(folded string) []string {
	var out []string
	for _, run := range strings.FieldsFunc(folded, func(r rune) bool { return strings.ContainsRune(",()|:\"'“”«»", r) }) {
		ws := words(run)
		for i := 1; i < len(ws); i++ {
			if stopWords[ws[i-1]] && stopWords[ws[i]] {
				continue
			}
			if p := ws[i-1] + " " + ws[i]; !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// fieldText is one free-text field of a record, named by its path in the catalogue file.
type fieldText struct{ field, text string }

// recordTexts lists the texts a citizen reads: where exemptions and marks can be.
func recordTexts(r *Record) []fieldText {
	out := []fieldText{{"where", r.Where}, {"applicants", r.Applicants}}
	list := func(name string, xs []string) {
		for i, x := range xs {
			out = append(out, fieldText{fmt.Sprintf("%s[%d]", name, i), x})
		}
	}
	list("steps", r.Steps)
	for i, c := range r.Channels {
		p := fmt.Sprintf("channels[%d].", i)
		out = append(out, fieldText{p + "time", c.Time}, fieldText{p + "fee", c.Fee}, fieldText{p + "note", c.Note})
	}
	for i, d := range r.Documents {
		p := fmt.Sprintf("documents[%d].", i)
		out = append(out, fieldText{p + "name", d.Name}, fieldText{p + "case", d.Case})
	}
	list("conditions", r.Conditions)
	list("results", r.Results)
	return slices.DeleteFunc(out, func(t fieldText) bool { return strings.TrimSpace(t.text) == "" })
}
