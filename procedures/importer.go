package procedures

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Warning is one thing the importer could not take over cleanly.
type Warning struct {
	Line int    // line of the input file (1-based)
	Code string // procedure code, when known
	Kind string // one of the Warn* kinds
	Msg  string
}

func (w Warning) String() string {
	return fmt.Sprintf("line %d %s: %s: %s", w.Line, w.Code, w.Kind, w.Msg)
}

// Warning kinds of ImportDVC.
const (
	WarnBadLine          = "bad_line"          // a line is not a JSON object; skipped
	WarnMissingCode      = "missing_code"      // no ma_thu_tuc; skipped
	WarnDuplicateCode    = "duplicate_code"    // code seen before; skipped
	WarnMissingName      = "missing_name"      // no name; skipped
	WarnNameNotNFC       = "name_not_nfc"      // name was not NFC (normalised)
	WarnNameNewline      = "name_newline"      // stray line breaks / spaces in the name (cleaned)
	WarnNameTooLong      = "name_too_long"     // name over MaxNameRunes (cut)
	WarnLevelDistrict    = "level_district"    // "Cấp huyện": mapped to Cấp xã (2025 reform)
	WarnLevelUnknown     = "level_unknown"     // unknown cấp thực hiện; dropped
	WarnAgencyMissing    = "agency_missing"    // no executing agency ("Không có thông tin")
	WarnAgencyDistrict   = "agency_district"   // agency still says "cấp huyện"
	WarnStepsMissing     = "steps_missing"     // no steps; a pointer to the portal is used
	WarnStepSplit        = "step_split"        // a step over MaxStepRunes was split
	WarnChannelsMissing  = "channels_missing"  // no submission channel could be parsed
	WarnChannelUnparsed  = "channel_unparsed"  // a channel whose time/fee could not be separated
	WarnTimeNoUnit       = "time_no_unit"      // time given as a bare number ("1")
	WarnTimeMissing      = "time_missing"      // channel without time ("Không có thông tin")
	WarnFeeContradiction = "fee_contradiction" // fee column "Miễn phí" but the note gives a price
	WarnDocumentsMissing = "documents_missing" // no dossier items parsed
	WarnDocumentNoQty    = "document_no_qty"   // dossier text without "N bản chính/sao" markers
	WarnDocumentCut      = "document_cut"      // a dossier item over MaxDocumentRunes was cut
	WarnTextCut          = "text_cut"          // another text field was cut to fit a card
	WarnResultsMissing   = "results_missing"   // no result documents
	WarnFieldMissing     = "field_missing"     // no lĩnh vực
	WarnBadURL           = "bad_url"           // detail_url not an absolute URL; dropped
)

var importHeaders = []string{"Hình thức nộpThời gianPhí, lệ phíMô tả", "Tên giấy tờMẫu đơn, tờ khaiSố lượng", "Tên văn bản pháp lýMã văn bản"}

const noInfo = "Không có thông tin"

// ImportDVC reads the portal crawl (JSON lines, optionally gzip-compressed; see
// ../shared/data/README.md) and converts every record into the catalogue format as well as
// the flattened text allows. Records it must skip (no code, no name, duplicate, not JSON)
// are reported as warnings; the error is only for I/O failures. The output passes
// validation. It never panics on bad input.
func ImportDVC(r io.Reader) ([]*Record, []Warning, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("import: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	var recs []*Record
	var warns []Warning
	seen := map[string]bool{}
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(raw)) > 0 {
			rec, ws := importLine(line, raw)
			if rec != nil && seen[rec.Code] {
				ws = append(ws, Warning{Line: line, Code: rec.Code, Kind: WarnDuplicateCode, Msg: "code already imported; record skipped"})
				rec = nil
			}
			if rec != nil {
				seen[rec.Code] = true
				recs = append(recs, rec)
			}
			warns = append(warns, ws...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return recs, warns, fmt.Errorf("import: line %d: %w", line, err)
		}
	}
	return recs, warns, nil
}

// WarningCounts sums warnings by kind.
func WarningCounts(ws []Warning) map[string]int {
	m := map[string]int{}
	for _, w := range ws {
		m[w.Kind]++
	}
	return m
}

func importLine(line int, raw []byte) (rec *Record, warns []Warning) {
	defer func() {
		if p := recover(); p != nil { // defensive: a parser bug must not stop the import
			rec = nil
			warns = append(warns, Warning{Line: line, Kind: WarnBadLine, Msg: fmt.Sprintf("internal error while parsing: %v", p)})
		}
	}()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, []Warning{{Line: line, Kind: WarnBadLine, Msg: "not a JSON object: " + shorten(err.Error(), 80)}}
	}
	get := func(k string) string {
		switch v := m[k].(type) {
		case string:
			return strings.ToValidUTF8(v, "")
		case nil:
			return ""
		default:
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	code := strings.TrimSpace(get("ma_thu_tuc"))
	warn := func(kind, msg string, args ...any) {
		warns = append(warns, Warning{Line: line, Code: code, Kind: kind, Msg: fmt.Sprintf(msg, args...)})
	}
	// The catalogue's own rule (validateRecord): a code must work in /q and /qr URLs.
	if !codeRE.MatchString(code) || len(code) > MaxCodeLen {
		warn(WarnMissingCode, "no usable ma_thu_tuc; record skipped")
		return nil, warns
	}
	r := &Record{Code: code}

	name := get("ten_thu_tuc")
	if !norm.NFC.IsNormalString(name) {
		warn(WarnNameNotNFC, "name normalised to NFC")
		name = norm.NFC.String(name)
	}
	clean := cleanSpaces(name)
	if clean != strings.TrimSpace(name) && strings.ContainsAny(name, "\n\r\t") {
		warn(WarnNameNewline, "line breaks removed from the name")
	}
	// A title: the portal ends 75 names with a full stop ("Tách thửa hoặc hợp thửa đất."),
	// which the card's heading and the sentences that quote the name go on after.
	clean = strings.TrimRight(clean, ". ")
	if clean == "" {
		warn(WarnMissingName, "no name; record skipped")
		return nil, warns
	}
	r.Name = cutRunes(clean, MaxNameRunes, func() { warn(WarnNameTooLong, "name cut to %d characters", MaxNameRunes) })

	r.Field = cleanSpaces(nfc(get("linh_vuc")))
	if r.Field == "" || r.Field == noInfo {
		r.Field = ""
		warn(WarnFieldMissing, "no lĩnh vực")
	}
	r.Field = cutRunes(r.Field, MaxAliasRunes, func() { warn(WarnTextCut, "field cut") })
	r.Levels = importLevels(get("cap_thuc_hien"), warn)

	agency := infoOrEmpty(get("co_quan_thuc_hien"))
	if agency == "" {
		agency = infoOrEmpty(get("co_quan_co_tham_quyen"))
	}
	if agency == "" {
		warn(WarnAgencyMissing, "no executing agency")
	} else if strings.Contains(strings.ToLower(agency), "cấp huyện") {
		warn(WarnAgencyDistrict, "agency mentions the district level, abolished on 1 July 2025")
	}
	r.Agency = cutRunes(levelCase(agency), MaxShortText, func() { warn(WarnTextCut, "agency cut") })
	r.Where = cutRunes(levelCase(infoOrEmpty(get("dia_chi_tiep_nhan"))), MaxShortText, func() { warn(WarnTextCut, "where cut") })
	r.Applicants = cutRunes(infoOrEmpty(get("doi_tuong_thuc_hien")), MaxShortText, func() { warn(WarnTextCut, "applicants cut") })
	r.Decision = cutRunes(infoOrEmpty(get("so_quyet_dinh")), MaxAliasRunes, func() { warn(WarnTextCut, "decision cut") })

	r.Steps = importSteps(get("trinh_tu_thuc_hien"), warn)
	if len(r.Steps) == 0 {
		warn(WarnStepsMissing, "no steps; pointing to the portal")
		r.Steps = []string{"Xem trình tự thực hiện trên Cổng Dịch vụ công quốc gia (dichvucong.gov.vn)."}
	}
	r.Channels = importChannels(get("cach_thuc_thuc_hien"), warn)
	r.Documents = importDocuments(get("thanh_phan_ho_so"), warn)
	for _, c := range splitLines(get("yeu_cau_dieu_kien")) {
		r.Conditions = append(r.Conditions, splitLong(c, MaxShortText)...)
	}
	r.Results, r.Keywords = importResults(get("ket_qua_xu_ly"))
	if len(r.Results) == 0 {
		warn(WarnResultsMissing, "no result documents")
	}
	r.LegalBasis = importLegal(get("can_cu_phap_ly"))
	r.Related = relatedCodes(get("thu_tuc_lien_quan"), code)
	if u := strings.TrimSpace(get("detail_url")); u != "" {
		if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			if !strings.ContainsAny(u, " \t\n") {
				r.PortalURL = u
			}
		}
		if r.PortalURL == "" {
			warn(WarnBadURL, "detail_url is not an absolute URL")
		}
	}
	if bo := strings.TrimSpace(get("bo")); bo != "" && !strings.ContainsAny(bo, " \t\n") {
		r.Tags = []string{bo}
	}
	// Whatever the parsers produced must pass validation.
	validateRecord(r, func(field, msg string, args ...any) {
		warn(WarnTextCut, "%s: %s (field dropped)", field, fmt.Sprintf(msg, args...))
		dropField(r, field)
	})
	return r, warns
}

// dropField clears a field that failed validation after import (last-resort safety net).
func dropField(r *Record, field string) {
	base := field
	if i := strings.IndexAny(base, "[."); i > 0 {
		base = base[:i]
	}
	switch base {
	case "aliases":
		r.Aliases = nil
	case "keywords":
		r.Keywords = nil
	case "documents":
		r.Documents = nil
	case "channels":
		r.Channels = nil
	case "conditions":
		r.Conditions = nil
	case "results":
		r.Results = nil
	case "legal_basis":
		r.LegalBasis = nil
	case "related":
		r.Related = nil
	case "tags":
		r.Tags = nil
	case "portal_url":
		r.PortalURL = ""
	case "steps":
		r.Steps = []string{"Xem trình tự thực hiện trên Cổng Dịch vụ công quốc gia (dichvucong.gov.vn)."}
	}
}

func nfc(s string) string { return norm.NFC.String(s) }

// cleanSpaces collapses all white space (including line breaks) into single spaces.
func cleanSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

func infoOrEmpty(s string) string {
	s = cleanSpaces(nfc(s))
	if s == noInfo || s == "--" || s == "-" {
		return ""
	}
	return s
}

// levelCase writes a level as Vietnamese does, in lower case after "cấp": the portal has
// "Công an cấp Xã" and "Công an cấp Tỉnh" on about a hundred records.
func levelCase(s string) string {
	return levelCaseRe.ReplaceAllStringFunc(s, func(m string) string {
		cap, level, _ := strings.Cut(m, " ")
		return cap + " " + strings.ToLower(level)
	})
}

var levelCaseRe = regexp.MustCompile(`[Cc]ấp (?:Xã|Tỉnh|Huyện|Trung ương|Trung Ương)`)

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// cutRunes cuts s to max runes (ending with "…") and calls onCut when it did.
func cutRunes(s string, max int, onCut func()) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	onCut()
	return string([]rune(s)[:max-1]) + "…"
}

func importLevels(s string, warn func(kind, msg string, args ...any)) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(nfc(s), ",") {
		p = cleanSpaces(p)
		if p == "" {
			continue
		}
		var l string
		switch strings.ToLower(p) {
		case "cấp bộ", "cấp trung ương":
			l = "Cấp bộ"
		case "cấp tỉnh":
			l = "Cấp tỉnh"
		case "cấp xã":
			l = "Cấp xã"
		case "cơ quan khác":
			l = "Cơ quan khác"
		case "cấp huyện":
			l = "Cấp xã"
			warn(WarnLevelDistrict, "Cấp huyện mapped to Cấp xã")
		default:
			warn(WarnLevelUnknown, "unknown level %q dropped", shorten(p, 40))
			continue
		}
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

var stepStart = regexp.MustCompile(`(?i)^\s*(?:-\s*)?bước\s*\d+\s*[:.\-–)]?`)

// importSteps splits the steps text: "Bước N" lines start a step and following lines join
// it; without such markers every non-empty line is a step. Long steps are split at
// sentence ends.
func importSteps(s string, warn func(kind, msg string, args ...any)) []string {
	lines := splitLines(s)
	marked := false
	for _, l := range lines {
		if stepStart.MatchString(l) {
			marked = true
			break
		}
	}
	var steps []string
	for _, l := range lines {
		if marked && !stepStart.MatchString(l) && len(steps) > 0 {
			steps[len(steps)-1] += " " + l
			continue
		}
		steps = append(steps, l)
	}
	var out []string
	split := false
	for _, st := range steps {
		parts := splitLong(st, MaxStepRunes)
		if len(parts) > 1 {
			split = true
		}
		out = append(out, parts...)
	}
	if split {
		warn(WarnStepSplit, "a long step was split at sentence ends")
	}
	return out
}

// splitLines returns the cleaned non-empty lines of s, without "Không có thông tin".
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(nfc(s), "\n") {
		l = cleanSpaces(l)
		if l == "" || l == noInfo {
			continue
		}
		out = append(out, l)
	}
	return out
}

// splitLong splits s into pieces of at most max runes, preferring sentence ends, then
// spaces.
func splitLong(s string, max int) []string {
	var out []string
	for utf8.RuneCountInString(s) > max {
		rs := []rune(s)
		cut := -1
		for i := max - 1; i > max/3; i-- {
			if (rs[i] == '.' || rs[i] == ';') && i+1 < len(rs) && rs[i+1] == ' ' {
				cut = i + 1
				break
			}
		}
		if cut < 0 {
			for i := max - 1; i > max/3; i-- {
				if rs[i] == ' ' {
					cut = i
					break
				}
			}
		}
		if cut < 0 {
			cut = max
		}
		out = append(out, strings.TrimSpace(string(rs[:cut])))
		s = strings.TrimSpace(string(rs[cut:]))
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// Channel table parsing. Each row is "<kind><time><fee><description>" glued together.
var (
	channelStart = regexp.MustCompile(`(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(` + noInfo + `|\d)`)
	timeRe       = regexp.MustCompile(`^(?:` + noInfo + `|(\d+(?:[.,]\d+)?)\s*(Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Tuần|Phút)?)`)
	feeRe        = regexp.MustCompile(`^(?:Miễn phí|` + noInfo + `|(\d[\d.,]*)\s*(Việt Nam Đồng|VNĐ|Đồng|đồng|USD)(\s*\(/[^)]{1,20}\))?)`)
	priceInText  = regexp.MustCompile(`\d[\d.,]*\s*(?:đồng|Đồng|VNĐ|vnđ)`)
)

func importChannels(s string, warn func(kind, msg string, args ...any)) []Channel {
	s = nfc(s)
	if i := strings.Index(s, importHeaders[0]); i >= 0 {
		s = s[i+len(importHeaders[0]):]
	}
	locs := channelStart.FindAllStringSubmatchIndex(s, -1)
	var out []Channel
	noUnit, noTime, contra, unparsed := false, false, false, false
	for i, loc := range locs {
		end := len(s)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		kindText := s[loc[2]:loc[3]]
		rest := s[loc[3]:end]
		ch := Channel{}
		switch kindText {
		case "Trực tiếp":
			ch.Kind = ChannelDirect
		case "Trực tuyến":
			ch.Kind = ChannelOnline
		default:
			ch.Kind = ChannelPost
		}
		// A number glued to a currency ("120 VNĐ") cannot be split into time and fee.
		if m := feeRe.FindStringSubmatch(rest); m != nil && m[1] != "" && !strings.HasPrefix(rest, "Miễn") {
			unparsed = true
			ch.Note = cutRunes(cleanSpaces(rest), MaxShortText, func() {})
			out = append(out, ch)
			continue
		}
		tm := timeRe.FindStringSubmatch(rest)
		if tm == nil {
			unparsed = true
			ch.Note = cutRunes(cleanSpaces(rest), MaxShortText, func() {})
			out = append(out, ch)
			continue
		}
		rest = rest[len(tm[0]):]
		switch {
		case tm[1] == "":
			noTime = true
		case tm[2] == "":
			noUnit = true
			ch.Time = tm[1]
		default:
			ch.Time = tm[1] + " " + strings.ToLower(tm[2])
		}
		if fm := feeRe.FindStringSubmatch(rest); fm != nil {
			rest = rest[len(fm[0]):]
			switch {
			case fm[0] == "Miễn phí":
				ch.Fee = "Miễn phí"
			case fm[0] == noInfo:
			default:
				ch.Fee = feeAmount(fm[1], fm[2]) + " " + currency(fm[2]) + strings.Trim(strings.TrimSpace(fm[3]), "()")
			}
		}
		note := cleanSpaces(strings.Trim(strings.TrimSpace(rest), "()"))
		if ch.Fee == "Miễn phí" && priceInText.MatchString(note) {
			contra = true
		}
		ch.Note = cutRunes(note, MaxShortText, func() { warn(WarnTextCut, "channel note cut") })
		out = append(out, ch)
	}
	if len(out) == 0 {
		warn(WarnChannelsMissing, "no submission channel parsed")
	}
	if unparsed {
		warn(WarnChannelUnparsed, "time and fee glued together; kept as note")
	}
	if noUnit {
		warn(WarnTimeNoUnit, "time without unit")
	}
	if noTime {
		warn(WarnTimeMissing, "a channel has no processing time")
	}
	if contra {
		warn(WarnFeeContradiction, `fee column says "Miễn phí" but the note gives a price`)
	}
	return out
}

// thousandsRe is an amount grouped by thousands with commas, as the portal writes most
// of its fees ("70,000", "1,200,000").
var thousandsRe = regexp.MustCompile(`^\d{1,3}(,\d{3})+$`)

// feeAmount is an amount in đồng as Vietnamese writes it: thousands grouped by dots
// ("70,000" → "70.000"; the citizen reads "70,000" as seventy). Dollars keep theirs.
func feeAmount(amount, unit string) string {
	if unit == "USD" || !thousandsRe.MatchString(amount) {
		return amount
	}
	return strings.ReplaceAll(amount, ",", ".")
}

func currency(c string) string {
	switch c {
	case "USD":
		return "USD"
	default:
		return "đồng"
	}
}

var (
	qtyRe = regexp.MustCompile(`(\d+) bản chính(?:\s*,\s*(\d+) bản sao)?|(\d+) bản (?:sao|chụp|gốc)`)
)

// importDocuments parses the dossier table: optional case headings followed by the header
// "Tên giấy tờMẫu đơn, tờ khaiSố lượng" and rows "<name>[<form file>]<N bản chính[,N bản sao]>".
func importDocuments(s string, warn func(kind, msg string, args ...any)) []Document {
	s = nfc(s)
	hdr := importHeaders[1]
	if strings.TrimSpace(s) == "" || strings.TrimSpace(s) == "--" {
		warn(WarnDocumentsMissing, "empty dossier")
		return nil
	}
	var out []Document
	cut := false
	sections := strings.Split(s, hdr)
	caseName := ""
	if len(sections) > 1 {
		caseName = docCase(sections[0])
		sections = sections[1:]
	}
	for si, sec := range sections {
		locs := qtyRe.FindAllStringSubmatchIndex(sec, -1)
		prev := 0
		for _, loc := range locs {
			text := cleanSpaces(sec[prev:loc[0]])
			prev = loc[1]
			if text == "" {
				continue
			}
			d := Document{Case: caseName}
			if hasFormExt(text) {
				d.Name, d.Form = splitFormFile(text)
				text = d.Name
			}
			// An item of a list, without the list's punctuation: the card goes on after
			// it ("Đề nghị khai báo tạm vắng; – 1 bản chính").
			d.Name = strings.TrimRight(strings.TrimSpace(strings.TrimLeft(text, listMarks)), ";,. ")
			if d.Name == "" {
				d.Name, d.Form = d.Form, ""
			}
			if d.Name == "" {
				continue
			}
			d.Name = cutRunes(d.Name, MaxDocumentRunes, func() { cut = true })
			d.Form = cutRunes(d.Form, MaxAliasRunes, func() { cut = true })
			d.Case = cutRunes(d.Case, MaxShortText, func() { cut = true })
			q := sec[loc[0]:loc[1]]
			d.Originals = atoiMax(sec, loc[2], loc[3])
			d.Copies = atoiMax(sec, loc[4], loc[5])
			if loc[6] >= 0 {
				d.Copies = atoiMax(sec, loc[6], loc[7])
			}
			if d.Originals == 0 && d.Copies == 0 && strings.HasPrefix(q, "0") {
				d.Optional = true
			}
			out = append(out, d)
		}
		tail := cleanSpaces(sec[prev:])
		if len(locs) == 0 && tail != "" {
			warn(WarnDocumentNoQty, "dossier text without quantities kept as one item")
			out = append(out, Document{Name: cutRunes(tail, MaxDocumentRunes, func() { cut = true }), Case: caseName})
			continue
		}
		// Text after the last item is the heading of the next section.
		if si+1 < len(sections) {
			caseName = docCase(tail)
		}
	}
	if cut {
		warn(WarnDocumentCut, "a dossier item was cut to fit a card")
	}
	if len(out) == 0 {
		warn(WarnDocumentsMissing, "no dossier items parsed")
	}
	return out
}

// splitFormFile splits "<paper name><form file name>" glued together, e.g. "Văn bản đề
// nghị (NA20).Mau NA20-BCA.docx", "…(Mẫu CT01 …);1.MuCT01.doc", "…của Bộ Công
// an.NA5 (1).doc" or "…thẻ bảo hiểm y tếMau01-ĐN(BHYT) (1).doc". The file name starts at
// the last glue point that leaves a file name of its own (formFileName, at most 80
// letters); the paper's name loses its closing full stop or semicolon. Glue points,
// tried in turn:
//   - after ";", after a ")" with no space behind, or after a sentence's full stop: a
//     small letter or ")" before it and a letter or digit after it, or a capital or
//     digit before it and a capitalised word after it ("NĐ-CP.Mẫu"); file names hold
//     dots of their own ("Mẫu I.1.8.a.docx", "Phụ lục V.VI.docx");
//   - where a capitalised word is glued to the word before ("tếMau01", "BNNMTMẫu",
//     "2026Mẫu");
//   - else the file name is the last word.
//
// A copy counter the portal's uploads carry (" (1)" before the extension) is dropped
// from the file name.
func splitFormFile(text string) (name, form string) {
	text = strings.TrimSpace(text)
	file := func(i int) (string, bool) {
		tail := strings.TrimLeft(text[i:], ". ")
		f := dropCopyCounter(tail)
		return f, formFileName(f) && utf8.RuneCountInString(tail) <= 80
	}
	// capitalised reports whether a capitalised word starts at i ("Mẫu", "Mau01").
	capitalised := func(i int) bool {
		after, n := utf8.DecodeRuneInString(text[i:])
		next, _ := utf8.DecodeRuneInString(text[i+n:])
		return unicode.IsUpper(after) && unicode.IsLower(next)
	}
	glues := []func(i int) bool{
		func(i int) bool {
			if text[i-1] == ';' || text[i-1] == ')' && text[i] != ' ' {
				return true
			}
			if text[i-1] != '.' || i < 2 {
				return false
			}
			before, _ := utf8.DecodeLastRuneInString(text[:i-1])
			after, _ := utf8.DecodeRuneInString(text[i:])
			return (unicode.IsLower(before) || before == ')') && (unicode.IsLetter(after) || unicode.IsDigit(after)) ||
				(unicode.IsUpper(before) || unicode.IsDigit(before)) && capitalised(i)
		},
		func(i int) bool {
			before, _ := utf8.DecodeLastRuneInString(text[:i])
			return (unicode.IsLetter(before) || unicode.IsDigit(before)) && capitalised(i)
		},
	}
	for _, glue := range glues {
		for i := len(text) - 1; i > 0; i-- {
			if !utf8.RuneStart(text[i]) || !glue(i) {
				continue
			}
			if f, ok := file(i); ok {
				return uploadNumberRe.ReplaceAllString(strings.TrimRight(text[:i], ".; "), ")"), f
			}
		}
	}
	text = dropCopyCounter(text)
	if i := strings.LastIndexByte(text, ' '); i > 0 {
		return strings.TrimSpace(text[:i]), text[i+1:]
	}
	return text, ""
}

// uploadNumberRe is the number an upload puts before a file's name ("….TT-BCA).1.MuCT01….doc"),
// left at the end of the paper's name when the file's name starts at its capital.
var uploadNumberRe = regexp.MustCompile(`\)\.\d{1,2}$`)

// copyCounterRe is the " (1)" an uploaded file's copy carries before its extension.
var copyCounterRe = regexp.MustCompile(` ?\(\d{1,2}\)(\.[A-Za-z]{3,4})$`)

func dropCopyCounter(file string) string { return copyCounterRe.ReplaceAllString(file, "$1") }

// formFileName reports whether s, a file name without its copy counter, can be a form's
// file name alone: something besides its extension, and no ")" it does not open.
func formFileName(s string) bool {
	base := s[:max(0, strings.LastIndexByte(s, '.'))]
	if strings.IndexFunc(base, unicode.IsLetter) < 0 {
		return false
	}
	depth := 0
	for _, r := range base {
		switch r {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return false
			}
			depth--
		}
	}
	return true
}

// hasFormExt reports whether text ends with a form file extension.
func hasFormExt(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	for _, ext := range []string{".doc", ".docx", ".pdf", ".xls", ".xlsx", ".rtf", ".odt"} {
		if strings.HasSuffix(t, ext) {
			return true
		}
	}
	return false
}

func docCase(s string) string {
	s = cleanSpaces(s)
	s = strings.Trim(s, "-*: ")
	if s == "" || s == noInfo {
		return ""
	}
	return s
}

func atoiMax(s string, a, b int) int {
	if a < 0 {
		return 0
	}
	n, err := strconv.Atoi(s[a:b])
	if err != nil || n < 0 {
		return 0
	}
	if n > 100 {
		return 100
	}
	return n
}

var resultCodeRe = regexp.MustCompile(`Mã:\s*KQ\.[A-Z0-9]+\.[0-9]+`)

// importResults parses "Thẻ căn cướcMã: KQ.G01.000023Từ khóa…Mô tả…".
func importResults(s string) (results, keywords []string) {
	s = nfc(s)
	kw := ""
	if i := strings.Index(s, "Từ khóa"); i >= 0 {
		rest := s[i+len("Từ khóa"):]
		s = s[:i]
		if j := strings.Index(rest, "Mô tả"); j >= 0 {
			kw = rest[:j]
		}
	}
	for _, p := range resultCodeRe.Split(s, -1) {
		p = cleanSpaces(p)
		p = strings.TrimRight(p, ".;, ")
		if p == "" || p == noInfo {
			continue
		}
		results = append(results, splitLong(p, MaxShortText)...)
	}
	kw = cleanSpaces(kw)
	if kw != "" && kw != noInfo {
		for _, k := range strings.Split(kw, ",") {
			k = strings.TrimSpace(k)
			if k != "" && utf8.RuneCountInString(k) <= MaxAliasRunes {
				keywords = append(keywords, k)
			}
		}
	}
	return results, keywords
}

// legalIssuers are issuer abbreviations ending legal document codes, longest first.
var legalIssuers = []string{"BLĐTBXH", "BNNPTNT", "UBTVQH", "VKSNDTC", "TANDTC", "BGDĐT", "BKHĐT", "BTTTT",
	"BNNMT", "BTNMT", "BVHTTDL", "BGTVT", "NHNN", "VPCP", "HĐTP", "TTLT", "BCA", "BTC", "BTP", "BXD",
	"BQP", "BYT", "BCT", "BNV", "BNG", "TTg", "CP", "QH"}

var legalCodeRe = regexp.MustCompile(`\d{1,4}/\d{4}/[A-ZĐ]+\d*(?:-[A-ZĐ]+\d*)*`)

// importLegal splits "Tên văn bản pháp lýMã văn bản<name><code><name><code>…" into
// "name (code)" items.
func importLegal(s string) []string {
	s = nfc(s)
	if i := strings.Index(s, importHeaders[2]); i >= 0 {
		s = s[i+len(importHeaders[2]):]
	}
	s = strings.TrimSpace(s)
	if s == "" || s == noInfo {
		return nil
	}
	var out []string
	prev := 0
	locs := legalCodeRe.FindAllStringIndex(s, -1)
	for i, loc := range locs {
		// "…NĐ-CPThông tư…": the next name's capital is glued to the code. When lower-case
		// letters follow, cut the last segment after a known issuer abbreviation.
		if loc[1] < len(s) {
			if r, _ := utf8.DecodeRuneInString(s[loc[1]:]); unicode.IsLower(r) {
				code := s[loc[0]:loc[1]]
				seg := code[strings.LastIndexAny(code, "-/")+1:]
				cut := false
				for _, k := range legalIssuers {
					if strings.HasPrefix(seg, k) && len(seg) > len(k) {
						loc[1] -= len(seg) - len(k)
						cut = true
						break
					}
				}
				if !cut && utf8.RuneCountInString(seg) == 1 && strings.HasSuffix(code[:len(code)-len(seg)], "-") {
					loc[1] -= len(seg) + 1 // "NĐ-CP-Quy định": drop "-Q"
				}
			}
		}
		// "…NĐ-CP154/2024/…": digits glued to the end belong to the next code.
		if loc[1] < len(s) && s[loc[1]] == '/' {
			j := loc[1]
			for j > loc[0] && s[j-1] >= '0' && s[j-1] <= '9' {
				j--
			}
			loc[1] = j
			if i+1 < len(locs) {
				locs[i+1][0] = j
			}
		}
		if loc[0] < prev {
			continue
		}
		name := cleanSpaces(s[prev:loc[0]])
		code := s[loc[0]:loc[1]]
		prev = loc[1]
		switch {
		case name == "":
			if len(out) > 0 && !strings.Contains(out[len(out)-1], code) {
				out[len(out)-1] += " " + code
			} else if len(out) == 0 {
				out = append(out, code)
			}
		case strings.Contains(name, code):
			out = append(out, name)
		default:
			out = append(out, name+" ("+code+")")
		}
	}
	if tail := cleanSpaces(s[prev:]); tail != "" {
		dup := len(out) > 0 && legalCodeRe.FindString(tail) == tail && strings.Contains(out[len(out)-1], tail)
		if !dup {
			out = append(out, tail)
		}
	}
	for i := range out {
		out[i] = cutRunes(out[i], MaxShortText, func() {})
	}
	return out
}

var relatedRe = regexp.MustCompile(`\b\d\.\d{6}\b`)

func relatedCodes(s, self string) []string {
	var out []string
	seen := map[string]bool{self: true}
	for _, c := range relatedRe.FindAllString(s, -1) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}
