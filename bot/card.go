package bot

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

// Section is one part of a procedure that has its own message. Its String form is the
// keyword used in button payloads ("#TTHC 1.001612 GIAYTO", zalo-oa.md §8.3).
type Section int

// Sections. SectionCard is the summary card itself.
const (
	SectionCard Section = iota
	SectionDocs
	SectionSteps
	SectionFee
	SectionForms
	SectionOnline
	SectionPlace
	SectionQR
)

var sectionKeywords = map[Section]string{
	SectionDocs: "GIAYTO", SectionSteps: "BUOC", SectionFee: "LEPHI", SectionForms: "BIEUMAU",
	SectionOnline: "TRUCTUYEN", SectionPlace: "NOINOP", SectionQR: "QR",
}

// String returns the payload keyword of s ("" for the card).
func (s Section) String() string { return sectionKeywords[s] }

// parseSection reads a payload keyword (case-insensitive, a few spellings accepted).
func parseSection(word string) (Section, bool) {
	switch strings.ToUpper(fold(word)) {
	case "GIAYTO", "HOSO":
		return SectionDocs, true
	case "BUOC", "CACBUOC", "TRINHTU":
		return SectionSteps, true
	case "LEPHI", "PHI", "THOIGIAN":
		return SectionFee, true
	case "BIEUMAU", "MAU", "MAUDON":
		return SectionForms, true
	case "TRUCTUYEN", "ONLINE":
		return SectionOnline, true
	case "NOINOP", "DIADIEM":
		return SectionPlace, true
	case "QR", "MAQR":
		return SectionQR, true
	}
	return SectionCard, false
}

// payloadFor is the button payload that opens section s of the procedure with code.
func payloadFor(code string, s Section) string {
	if s == SectionCard {
		return "#TTHC " + code
	}
	return "#TTHC " + code + " " + s.String()
}

// maxNameRunes bounds the name on a card and maxHeadingNameRunes the name repeated in
// section headings, so a card always fits one message and split parts stay readable.
const (
	maxNameRunes        = 300
	maxHeadingNameRunes = 150
)

// CardMessages renders the summary card of the procedure with code (national code or
// poster short code) as account's conversation sends it, with that account's wording: the
// messages a campaign attaches for its procedure_code. It does no I/O.
func (b *Bot) CardMessages(account, code string) ([]zalo.Message, error) {
	acc, ok := b.byID[account]
	if !ok {
		return nil, fmt.Errorf("unknown account %q", account)
	}
	r, ok := b.catalog.ByCode(code)
	if !ok {
		r, ok = b.catalog.ByShortCode(code)
	}
	if !ok {
		return nil, fmt.Errorf("no procedure with code %q in the catalogue", code)
	}
	return []zalo.Message{renderCard(&acc.texts, b.localize(account, r)).message()}, nil
}

// PreviewCard renders r — a record being edited, not yet in the catalogue — as account's
// conversation would send its card, for the console's preview (r as given: the caller
// applies the account's own address and fees). It does no I/O.
func (b *Bot) PreviewCard(account string, r *procedures.Record) (zalo.Message, error) {
	acc, ok := b.byID[account]
	if !ok {
		return zalo.Message{}, fmt.Errorf("unknown account %q", account)
	}
	return renderCard(&acc.texts, r).message(), nil
}

// renderCard renders the summary card of r: one message with name and code, where to
// submit, processing time and fee (per channel where they differ), the number of
// documents, and up to five buttons.
func renderCard(t *Texts, r *procedures.Record) reply {
	return renderCardVariants(t, r, nil)
}

// maxVariantsListed bounds how many variants a card names, and maxVariantWhereRunes the
// level or agency of each.
const (
	maxVariantsListed    = 3
	maxVariantWhereRunes = 80
)

// renderCardVariants is renderCard with one more line, above the footer, naming the same
// procedure at other levels or agencies (a search hit's variants) with their codes, which
// the citizen can type to get their cards. The line is left out when it would push the
// card over one message.
func renderCardVariants(t *Texts, r *procedures.Record, variants []*procedures.Record) reply {
	lines := []string{
		fill(t.CardHeading, "name", truncate(oneLine(r.Name), maxNameRunes)),
		fill(t.CardCode, "code", r.Code),
		fill(t.CardWhere, "where", truncate(oneLine(where(t, r)), 400)),
	}
	lines = append(lines, timeFeeLines(t, r)...)
	if len(r.Documents) > 0 {
		lines = append(lines, docCount(t, r.Documents))
	}
	text := strings.Join(append(lines, t.CardFooter), "\n")
	if v := variantsLine(t, r, variants); v != "" {
		if with := strings.Join(append(lines, v, t.CardFooter), "\n"); textLen(with) <= maxTextRunes {
			text = with
		}
	}
	return reply{Text: truncate(text, maxTextRunes), Buttons: cardButtons(t, r)}
}

// variantsLine names up to maxVariantsListed variants of r by agency (else level) and
// code, or is empty when there are none.
func variantsLine(t *Texts, r *procedures.Record, variants []*procedures.Record) string {
	var items []string
	seen := map[string]bool{r.Code: true}
	for _, v := range variants {
		if v == nil || v.Code == "" || seen[v.Code] {
			continue
		}
		seen[v.Code] = true
		// The agency without its detail in brackets: "Công an cấp tỉnh (Phòng …)".
		w := oneLine(v.Agency)
		if i := strings.Index(w, " ("); i > 0 {
			w = w[:i]
		}
		if w == "" {
			w = oneLine(strings.Join(v.Levels, ", "))
		}
		if w == "" {
			continue
		}
		items = append(items, fill(t.CardVariant, "where", truncate(w, maxVariantWhereRunes), "code", v.Code))
		if len(items) == maxVariantsListed {
			break
		}
	}
	if len(items) == 0 {
		return ""
	}
	return fill(t.CardVariants, "variants", strings.Join(items, "; "))
}

// timeFeeLines is one time line and one fee line when all channels agree, else one line
// per channel.
func timeFeeLines(t *Texts, r *procedures.Record) []string {
	if len(r.Channels) == 0 {
		return nil
	}
	same := true
	for _, c := range r.Channels[1:] {
		if oneLine(c.Time) != oneLine(r.Channels[0].Time) || oneLine(c.Fee) != oneLine(r.Channels[0].Fee) {
			same = false
		}
	}
	if same {
		c := r.Channels[0]
		return []string{
			fill(t.CardTime, "time", truncate(orUnknown(t, c.Time), 200)),
			fill(t.CardFee, "fee", truncate(orUnknown(t, c.Fee), 200)),
		}
	}
	// One line per way of doing it: the portal lists a way twice for two cases (the
	// absence declaration: online in 1 day, or 2 when complex), which read as a
	// contradiction on two lines of the same name; the fee part tells the cases apart.
	type way struct {
		kind        string
		n           int
		times, fees []string // distinct, in the portal's order
	}
	var ways []way
	for _, c := range r.Channels {
		i := slices.IndexFunc(ways, func(w way) bool { return w.kind == c.Kind })
		if i < 0 {
			i, ways = len(ways), append(ways, way{kind: c.Kind})
		}
		w := &ways[i]
		w.n++
		if tm := oneLine(orUnknown(t, c.Time)); !slices.Contains(w.times, tm) {
			w.times = append(w.times, tm)
		}
		if f := oneLine(orUnknown(t, c.Fee)); !slices.Contains(w.fees, f) {
			w.fees = append(w.fees, f)
		}
	}
	out := []string{t.CardChannels}
	for _, w := range ways {
		line := t.CardChannelLine
		if w.n > 1 {
			line = t.CardChannelCases
		}
		out = append(out, fill(line, "channel", t.channelName(w.kind),
			"time", truncate(strings.Join(w.times, t.CardOr), 150), "fee", truncate(strings.Join(w.fees, t.CardOr), 150)))
	}
	return out
}

// docCount says how many papers the dossier has: always needed, and depending on the
// case (or optional).
func docCount(t *Texts, docs []procedures.Document) string {
	always, extra := 0, 0
	for _, d := range docs {
		switch _, note := d.Note(); {
		case note:
		case d.Case == "" && !d.Optional:
			always++
		default:
			extra++
		}
	}
	switch {
	case extra == 0:
		return fill(t.CardDocs, "n", strconv.Itoa(always))
	case always == 0:
		return fill(t.CardDocsAllCases, "extra", strconv.Itoa(extra))
	}
	return fill(t.CardDocsCases, "n", strconv.Itoa(always), "extra", strconv.Itoa(extra))
}

// partButtons are up to n of r's card buttons that open a part of it (not its QR code).
func partButtons(t *Texts, r *procedures.Record, n int) []button {
	var bs []button
	for _, b := range cardButtons(t, r) {
		if len(bs) < n && b.Payload != payloadFor(r.Code, SectionQR) {
			bs = append(bs, b)
		}
	}
	return bs
}

func cardButtons(t *Texts, r *procedures.Record) []button {
	var bs []button
	if len(r.Documents) > 0 {
		bs = append(bs, query(t.BtnDocs, payloadFor(r.Code, SectionDocs)))
	}
	if len(r.Steps) > 0 {
		bs = append(bs, query(t.BtnSteps, payloadFor(r.Code, SectionSteps)))
	}
	// The card already shows time and fee; when there are forms, the third button offers
	// them instead (issue: "Lệ phí & thời gian (or Biểu mẫu)").
	if len(forms(r)) > 0 {
		bs = append(bs, query(t.BtnForms, payloadFor(r.Code, SectionForms)))
	} else if len(r.Channels) > 0 {
		bs = append(bs, query(t.BtnFee, payloadFor(r.Code, SectionFee)))
	}
	if u := onlineURL(r); u != "" {
		bs = append(bs, link(t.BtnOnline, u))
	}
	bs = append(bs, query(t.BtnQR, payloadFor(r.Code, SectionQR)))
	if len(bs) > maxButtons {
		bs = bs[:maxButtons]
	}
	return bs
}

// renderSection renders section s of r as one or more messages (split at line
// boundaries, numbered when split); buttons go on the last part.
func renderSection(t *Texts, r *procedures.Record, s Section) []reply {
	switch s {
	case SectionCard:
		return []reply{renderCard(t, r)}
	case SectionQR:
		return []reply{{Text: fill(t.SectionQR, "name", truncate(oneLine(r.Name), 200), "code", r.Code), QRCode: r.Code}}
	}
	headingTmpl, lines, buttons := sectionBody(t, r, s)
	heading := fill(headingTmpl, "name", truncate(oneLine(r.Name), maxHeadingNameRunes))
	texts := splitSection(t, heading, lines, maxTextRunes)
	if len(texts) > maxSectionParts {
		texts = splitSection(t, heading, fitParts(t, r, heading, lines), maxTextRunes)
	}
	out := make([]reply, len(texts))
	for i, x := range texts {
		out[i] = reply{Text: x}
	}
	out[len(out)-1].Buttons = buttons
	return out
}

// maxSectionParts is the most messages one part of a procedure takes. Some national
// records' dossiers run to 30 items of legal remarks and six messages, which a citizen on
// a phone does not read, and each spends the conversation's reply quota.
const maxSectionParts = 3

// fitParts keeps the first lines of a section that fit maxSectionParts messages with a
// last line saying how many are left and where to read them all (the portal's page).
func fitParts(t *Texts, r *procedures.Record, heading string, lines []string) []string {
	with := func(k int) []string {
		left := 0
		for _, l := range lines[k:] {
			if !strings.HasSuffix(l, ":") { // a case's heading is no item
				left++
			}
		}
		more := fill(t.SectionMoreAsk, "n", strconv.Itoa(left))
		if r.PortalURL != "" {
			more = fill(t.SectionMore, "n", strconv.Itoa(left), "url", r.PortalURL)
		}
		return append(slices.Clone(lines[:k]), splitLines(more)...)
	}
	// The parts grow with the lines kept: the most that fit.
	k := sort.Search(len(lines)+1, func(k int) bool {
		return len(splitSection(t, heading, with(k), maxTextRunes)) > maxSectionParts
	}) - 1
	return with(max(k, 0))
}

// sectionBody returns the heading template, the lines and the buttons of a text section.
func sectionBody(t *Texts, r *procedures.Record, s Section) (string, []string, []button) {
	switch s {
	case SectionDocs:
		lines := docLines(t, r)
		if len(lines) == 0 {
			lines = []string{t.SectionNoDocs}
		}
		return t.SectionDocs, append(lines, conditionLines(t, r)...), nil
	case SectionSteps:
		var lines []string
		for i, st := range r.Steps {
			lines = append(lines, splitLines(fill(t.StepLine, "n", strconv.Itoa(i+1), "text", strings.TrimSpace(st)))...)
		}
		return t.SectionSteps, lines, nil
	case SectionFee:
		return t.SectionFee, feeLines(t, r), nil
	case SectionForms:
		lines, buttons := formLines(t, r)
		return t.SectionForms, lines, buttons
	case SectionOnline:
		if u := onlineURL(r); u != "" && hasOnline(r) {
			return t.SectionOnline, splitLines(fill(t.SectionOnlineYes, "url", u)), []button{link(t.BtnOnline, u)}
		}
		return t.SectionOnline, []string{fill(t.SectionOnlineNo, "where", oneLine(where(t, r)))}, nil
	}
	// SectionPlace.
	lines := []string{oneLine(where(t, r))}
	if a := oneLine(r.Agency); a != "" && a != oneLine(r.Where) {
		lines = append(lines, fill(t.Agency, "agency", a))
	}
	return t.SectionPlace, lines, nil
}

// feeLines gives time and fee per channel, with the portal's notes.
func feeLines(t *Texts, r *procedures.Record) []string {
	var lines []string
	for _, c := range r.Channels {
		lines = append(lines, fill(t.FeeLine, "channel", t.channelName(c.Kind),
			"time", oneLine(orUnknown(t, c.Time)), "fee", oneLine(orUnknown(t, c.Fee))))
		if n := oneLine(c.Note); n != "" {
			lines = append(lines, fill(t.FeeNote, "note", n))
		}
	}
	if len(lines) == 0 {
		lines = []string{fill(t.CardTime, "time", t.Unknown), fill(t.CardFee, "fee", t.Unknown)}
	}
	return lines
}

// formLines numbers the forms with their download links (one button each, up to five);
// without any link, the procedure's portal page is offered instead.
func formLines(t *Texts, r *procedures.Record) ([]string, []button) {
	var lines []string
	var buttons []button
	for i, d := range forms(r) {
		label := oneLine(d.Name)
		if d.Form != "" && !strings.Contains(label, d.Form) {
			label = d.Form + " – " + label
		}
		lines = append(lines, strconv.Itoa(i+1)+". "+label)
		if d.FormURL == "" {
			continue
		}
		lines = append(lines, "   "+d.FormURL)
		if len(buttons) < maxButtons {
			title := d.Form
			if title == "" {
				title = t.BtnForms + " " + strconv.Itoa(i+1)
			}
			buttons = append(buttons, link(title, d.FormURL))
		}
	}
	switch {
	case len(lines) == 0:
		lines = []string{t.SectionNoForms}
	case len(buttons) == 0 && r.PortalURL != "":
		lines = append(lines, splitLines(fill(t.FormsPortal, "url", r.PortalURL))...)
		buttons = []button{link(t.BtnPortal, r.PortalURL)}
	}
	return lines, buttons
}

// docLines numbers the dossier, papers for every case first, then one group per case.
func docLines(t *Texts, r *procedures.Record) []string {
	var lines []string
	n := 0
	add := func(d procedures.Document) {
		if note, ok := d.Note(); ok {
			// A remark of the portal's table, in its place but not numbered: it is no
			// paper to bring.
			lines = append(lines, oneLine(note))
			return
		}
		n++
		lines = append(lines, strconv.Itoa(n)+". "+docLabel(t, d))
	}
	var cases []string
	seen := map[string]bool{}
	for _, d := range r.Documents {
		if d.Case == "" {
			add(d)
		} else if !seen[d.Case] {
			seen[d.Case] = true
			cases = append(cases, d.Case)
		}
	}
	for _, c := range cases {
		lines = append(lines, caseHeading(t, c))
		for _, d := range r.Documents {
			if d.Case == c {
				add(d)
			}
		}
	}
	return lines
}

// maxConditionRunes bounds the requirements a chat shows after the papers: the national
// portal's run from a line to 44,000 letters (median 465); longer ones are linked.
const maxConditionRunes = 1200

// conditionLines are the procedure's requirements (điều kiện thực hiện), which answer
// many "có được không" questions ("văn bản cho thuê … không bắt buộc công chứng"): shown
// under the papers when short enough for a chat, else the portal page that has them.
func conditionLines(t *Texts, r *procedures.Record) []string {
	conds := r.Requirements()
	n := 0
	for _, c := range conds {
		n += utf8.RuneCountInString(c)
	}
	switch {
	case len(conds) == 0:
		return nil
	case n <= maxConditionRunes:
		lines := []string{t.DocConditions}
		for _, c := range conds {
			lines = append(lines, "- "+c)
		}
		return lines
	case r.PortalURL != "":
		return splitLines(fill(t.DocConditionsURL, "url", r.PortalURL))
	}
	return nil
}

// caseHeading introduces the papers of one case: "Trường hợp ủy quyền người khác đi khai
// sinh:". The portal's tables also head groups that are no case: remarks ("Lưu ý"), and
// the papers to hand in or to show ("Giấy tờ phải xuất trình", "Thành phần hồ sơ"), which
// read as they are ("Trường hợp lưu ý:" said nothing).
func caseHeading(t *Texts, c string) string {
	c = oneLine(c)
	if procedures.NoteHeading(c) || plainHeading(c) {
		return strings.TrimRight(c, ": ") + ":"
	}
	return fill(t.DocCase, "case", lowerFirst(strings.TrimPrefix(c, "Trường hợp ")))
}

// plainHeading reports whether a dossier heading names a group of papers, not a case.
func plainHeading(c string) bool {
	f := strings.TrimRight(fold(c), ": ")
	return strings.HasPrefix(f, "giay to phai") || strings.HasPrefix(f, "thanh phan ho so") ||
		strings.HasPrefix(f, "ho so") && strings.HasSuffix(f, " gom")
}

func docLabel(t *Texts, d procedures.Document) string {
	label := oneLine(d.Name)
	var counts []string
	if d.Originals > 0 {
		counts = append(counts, fill(t.DocOriginals, "n", strconv.Itoa(d.Originals)))
	}
	if d.Copies > 0 {
		counts = append(counts, fill(t.DocCopies, "n", strconv.Itoa(d.Copies)))
	}
	if len(counts) > 0 {
		label += " – " + strings.Join(counts, ", ")
	}
	// The name may say it already ("… thường trú trước đây (nếu có)"), as 171 of the
	// national catalogue's do.
	if d.Optional && !strings.HasSuffix(fold(oneLine(d.Name)), fold(strings.TrimSpace(t.DocOptional))) {
		label += t.DocOptional
	}
	return label
}

// forms returns the documents that are forms to fill in.
func forms(r *procedures.Record) []procedures.Document {
	var out []procedures.Document
	for _, d := range r.Documents {
		if d.Form != "" || d.FormURL != "" {
			out = append(out, d)
		}
	}
	return out
}

func hasOnline(r *procedures.Record) bool {
	if r.OnlineURL != "" {
		return true
	}
	for _, c := range r.Channels {
		if c.Kind == procedures.ChannelOnline {
			return true
		}
	}
	return false
}

// onlineURL is where to submit online: the online service, else the portal page.
func onlineURL(r *procedures.Record) string {
	if r.OnlineURL != "" {
		return r.OnlineURL
	}
	return r.PortalURL
}

func where(t *Texts, r *procedures.Record) string {
	switch {
	case strings.TrimSpace(r.Where) != "":
		return r.Where
	case strings.TrimSpace(r.Agency) != "":
		return r.Agency
	}
	return t.PlaceUnknown
}

func orUnknown(t *Texts, s string) string {
	if strings.TrimSpace(s) == "" {
		return t.Unknown
	}
	return s
}

// splitLines splits s at newlines, dropping empty lines.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToLower(string(r[0])) + string(r[1:])
}
