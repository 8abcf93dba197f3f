package bot

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

// fold lower-cases s, removes Vietnamese tone and vowel marks (đ → d), and collapses white
// space, so that "Xin chào", "xin chao" and NFD input compare equal; it is the catalogue's
// own normaliser (vietnamese-search.md §1.1–§1.3).
func fold(s string) string { return procedures.Fold(s) }

// words folds s and keeps letters, digits, '#' and '?' as words separated by one space.
func words(s string) string { return keepWords(fold(s)) }

// keepWords keeps s's letters, digits, '#' and '?' as words separated by one space.
func keepWords(s string) string {
	var b strings.Builder
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '#' || r == '?' || r == '.' {
			if r == '.' && space {
				continue
			}
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimRight(strings.TrimSpace(b.String()), ".")
}

// deepLink is a parsed "#TTHC <code> [SECTION]", "#<short code>" or bare code.
type deepLink struct {
	Code    string // national code, when given
	Short   string // short code, when given ("#12")
	Section Section
}

// codeRe matches national procedure codes such as "1.004222" or "2.000488".
var codeRe = regexp.MustCompile(`^\d\.\d{6}$`)

// parseDeepLink recognises the payloads of our buttons and QR deep links. It reports false
// for ordinary text.
func parseDeepLink(text string) (deepLink, bool) {
	f := strings.Fields(strings.TrimSpace(text))
	if len(f) == 0 {
		return deepLink{}, false
	}
	head := strings.ToUpper(f[0])
	switch head {
	case payloadMenu, payloadOfficer, payloadMore, payloadOffice, payloadNotThis:
		return deepLink{}, false // our own non-procedure buttons
	}
	switch {
	case head == "#TTHC" && len(f) >= 2 && len(f) <= 3:
		dl := deepLink{Code: f[1]}
		if !codeRe.MatchString(f[1]) {
			dl = deepLink{Short: strings.TrimPrefix(f[1], "#")}
		}
		if len(f) == 3 {
			s, ok := parseSection(f[2])
			if !ok {
				return deepLink{}, false
			}
			dl.Section = s
		}
		return dl, true
	case strings.HasPrefix(head, "#") && len(head) > 1 && len(f) <= 2 && isShortCode(head[1:]):
		dl := deepLink{Short: f[0][1:]}
		if len(f) == 2 {
			s, ok := parseSection(f[1])
			if !ok {
				return deepLink{}, false
			}
			dl.Section = s
		}
		return dl, true
	case len(f) == 1 && codeRe.MatchString(f[0]):
		return deepLink{Code: f[0]}, true
	}
	return deepLink{}, false
}

// isShortCode accepts printed poster codes: letters, digits, '-' and '_', up to 16.
func isShortCode(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, r := range s {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_')) {
			return false
		}
	}
	return true
}

// Our own payloads that are not procedures (buttons on menus and replies).
const (
	payloadMenu    = "#MENU"
	payloadOfficer = "#CANBO"
	payloadMore    = "#XEMTHEM"
	payloadOffice  = "#COQUAN"
)

// intent is what a text asks for, for the steps of the routing that do not search.
type intent int

const (
	intentNone intent = iota
	intentMenu
	intentHandoff
	intentMore
	intentThanks
	intentOfficeHours
	intentOfficeAddress
	intentOfficePhone
	intentOpenToday
)

// greetings are whole messages (after words()) that mean "show me the menu" besides the
// greetings isGreeting reads ("xin chào", "chào ad", "hello").
var greetings = map[string]bool{
	"menu": true, "bat dau": true, "help": true, "?": true, "tro giup": true, "huong dan": true,
	"start": true, "get started": true, "bat dau lai": true, "#menu": true,
}

// isGreeting reports whether w (after words()) only greets, as people type it around
// "chào" ("e chào chị ạ", "dạ cháu chào cô", "chào buổi sáng ad"): every word is a word
// of greeting or address, and one of them greets. "Chào" also takes leave: with thanks
// ("cảm ơn, chào chị") it closes the exchange (isThanks) instead.
func isGreeting(w string) bool {
	f := questionWords(w)
	return allIn(f, greetingWords, closingWords) && anyAt(f, func(i int) bool { return greetingMarks[f[i]] }) &&
		!anyAt(f, func(i int) bool { return thanksAt(f, i) })
}

// isThanks reports whether w (after words()) only closes an exchange ("cảm ơn", "ok",
// "thôi cảm ơn nha", "dạ em hiểu rồi ạ"): answered kindly, not searched and not recorded
// as unanswered. Every word is a word of closing, and one of them thanks or agrees.
func isThanks(w string) bool {
	f := questionWords(w)
	return allIn(f, closingWords) && anyAt(f, func(i int) bool { return thanksAt(f, i) || agreesAt(f, i) })
}

// thanksAt reports whether word i of f thanks ("thanks", the "ơn" of "cảm ơn");
// agreesAt whether it agrees ("ok", "vâng", "dạ", the "rồi" of "hiểu rồi").
func thanksAt(f []string, i int) bool {
	return thankWords[f[i]] || f[i] == "on" && i > 0 && f[i-1] == "cam"
}

func agreesAt(f []string, i int) bool {
	return agreeWords[f[i]] || f[i] == "roi" && i > 0 && (f[i-1] == "hieu" || f[i-1] == "biet" || f[i-1] == "duoc") ||
		f[i] == "thoi" && i == 0 // "thôi để mai em ra", "thôi em hỏi sau": leaving
}

// questionWords are the words of w (after words()), a question mark counting as a space.
func questionWords(w string) []string { return strings.Fields(strings.ReplaceAll(w, "?", " ")) }

// allIn reports whether f has words and every one is in one of sets.
func allIn(f []string, sets ...map[string]bool) bool {
	for _, x := range f {
		if !slices.ContainsFunc(sets, func(s map[string]bool) bool { return s[x] }) {
			return false
		}
	}
	return len(f) > 0
}

// anyAt reports whether at holds for some word of f, by index.
func anyAt(f []string, at func(i int) bool) bool {
	for i := range f {
		if at(i) {
			return true
		}
	}
	return false
}

// closingWords may make up a closing message; greetingWords a greeting besides them;
// thankWords, agreeWords and greetingMarks are those that thank, agree or greet by
// themselves ("cảm ơn" and "hiểu rồi" are read as pairs: thanksAt, agreesAt; "thôi"
// opening a message of leaving agrees too: "thôi để mai em ra").
var (
	closingWords = wordSet(`cam on camon thank thanks you tks ok oke okay vang da thoi nha nhe nhieu a ah ak
		ad admin anh chi em ban co chu bac xin hieu biet duoc roi vay nhe nhi luon lam nhung ma
		e c mk minh toi tui chau chao de mai ra sau khac lan hom hoi day`)
	greetingWords = wordSet(`hi hello helo hey alo oi moi nguoi mn ca buoi sang trua chieu`)
	thankWords    = wordSet(`thank thanks tks camon`)
	agreeWords    = wordSet(`ok oke okay vang da`)
	greetingMarks = wordSet(`chao hi hello helo hey alo`)
)

// wordSet is the set of the space-separated words of s.
func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// handoffPhrases ask for a human.
var handoffPhrases = []string{
	"gap can bo", "gap truc tiep can bo", "tu van vien", "noi chuyen voi nguoi",
	"noi chuyen voi can bo", "gap nguoi", "gap nhan vien", "can bo tu van", "nguoi that",
	"ket noi can bo", "lien he can bo", "chuyen can bo", "can nguoi ho tro", "#canbo",
}

// morePhrases ask for the next page of the last list.
var morePhrases = map[string]bool{
	"xem them": true, "them": true, "tiep": true, "xem tiep": true, "con nua": true,
	"con nua khong": true, "#xemthem": true, "trang sau": true,
}

// officeRules map phrases to office-information intents, most specific first.
var officeRules = []struct {
	phrases []string
	intent  intent
}{
	{[]string{"hom nay co lam", "hom nay lam viec", "hom nay co mo", "hom nay mo cua",
		"co lam viec khong", "co lam khong", "thu 7 co lam", "thu bay co lam", "chu nhat co lam",
		"dang lam viec khong", "con lam viec khong", "mo cua khong"}, intentOpenToday},
	{[]string{"gio lam viec", "may gio", "gio mo cua", "gio dong cua", "lich lam viec",
		"thoi gian lam viec", "lam viec luc nao", "gio tiep dan", "lich tiep dan"}, intentOfficeHours},
	{[]string{"so dien thoai", "sdt", "so dt", "so lien he", "so lien lac", "hotline", "duong day nong", "goi dien", "dien thoai"}, intentOfficePhone},
	{[]string{"dia chi", "tru so", "co quan o dau", "van phong o dau", "o dau vay", "cho nao",
		"#coquan", "ban do", "chi duong"}, intentOfficeAddress},
}

// detectIntent classifies t for routing steps 2, 3, 4 and 6. Steps 1 (deep links), 5
// (follow-ups) and 7 (search) are decided elsewhere.
func detectIntent(text string) intent {
	w := words(text)
	if strings.TrimSpace(text) == "?" {
		return intentMenu
	}
	if greetings[w] || isGreeting(w) || strings.EqualFold(strings.TrimSpace(text), payloadMenu) {
		return intentMenu
	}
	if containsAny(w, handoffPhrases) || strings.EqualFold(strings.TrimSpace(text), payloadOfficer) {
		return intentHandoff
	}
	if morePhrases[w] || strings.EqualFold(strings.TrimSpace(text), payloadMore) {
		return intentMore
	}
	if isThanks(w) {
		return intentThanks
	}
	return intentNone
}

// detectOffice classifies t as a question about the office (routing step 6).
func detectOffice(text string) intent {
	off, _ := officeIntent(text)
	return off
}

// officeIntent is detectOffice, and whether the intent is sure: the office's button, or
// read by meaning (a day asked, asksWhenOpen; where the office is, asksWhereOffice)
// rather than only from a phrase of officeRules, which may be part of a question about a
// procedure ("làm căn cước ở đâu vậy": askedOffice).
func officeIntent(text string) (off intent, sure bool) {
	if strings.EqualFold(strings.TrimSpace(text), payloadOffice) {
		return intentOfficeHours, true
	}
	w := words(text)
	meaning := intentNone
	switch {
	case asksWhenOpen(w):
		meaning = intentOpenToday
	case asksWhereOffice(text):
		meaning = intentOfficeAddress
	}
	for _, r := range officeRules {
		if containsAny(w, r.phrases) {
			return r.intent, meaning != intentNone
		}
	}
	return meaning, meaning != intentNone
}

// officeTalk are the words a question about the office is made of besides its phrase
// (officeRules) and its days and times (officeTimes): the office's names, words of
// asking, address and closing ("cho em xin số điện thoại trực ban của công an phường
// mình với ạ").
var officeTalk = wordSet(`cong an ca phuong xa ubnd uy ban nhan dan tru so co quan van phong bo phan mot cua
	diem tiep dan truc minh nay do cua la gi bao nhieu nao so may o dau nam duong cho vay the
	z k ko khong hong hk co duoc dc lien he voi goi nghi mo dong lam viec thi tu den luc`)

// officeRest is what text says besides a question about the office: its folded words
// that are not an office phrase, a day or time, a word of officeTalk or of closing.
func officeRest(text string) []string {
	w := " " + words(text) + " "
	for _, r := range officeRules {
		for _, ph := range r.phrases {
			w = strings.ReplaceAll(w, " "+ph+" ", " ")
		}
	}
	for _, ph := range officeTimes {
		w = strings.ReplaceAll(w, " "+ph+" ", " ")
	}
	var rest []string
	for _, x := range questionWords(w) {
		if !officeTalk[x] && !closingWords[x] && !greetingWords[x] {
			rest = append(rest, x)
		}
	}
	return rest
}

// officeWhere is a sentence asking where the office is, by meaning: the office named
// after nothing but a greeting or "cho em hỏi", then at most three words, then where
// ("công an phường mình nằm ở đường nào ạ", "ubnd xa o cho nao vay"). A sentence that
// names an act before the office ("làm căn cước ở công an ở đâu") is a procedure's
// question, for the search.
var officeWhere = regexp.MustCompile(`^((da|cho|em|e|toi|tui|minh|hoi|xin|chao|anh|chi|ad|admin|oi|a|ah|vay|the|cac|ban)( |$))*` +
	`(cong an|ca|ubnd|uy ban|phuong|xa|tru so|co quan|van phong|mot cua|bo phan mot cua|diem tiep dan)` +
	`( [a-z0-9]+){0,3} (nam |o |la )?(o dau|o duong nao|duong nao|cho nao|so may|so nha may|so nha bao nhieu|huong nao|dia chi)` +
	`( (a|ah|vay|z|nhi|nhe|the|ha|ad|admin|anh|chi|em|oi|ban))*$`)

// asksWhereOffice reports whether a sentence of text asks where the office is
// (officeWhere); the sentences are read apart, since a question about the office comes
// with a story or thanks around it ("… em mới chuyển đến. Em cảm ơn").
func asksWhereOffice(text string) bool {
	for _, s := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(".,?!;\n", r) }) {
		if officeWhere.MatchString(words(s)) {
			return true
		}
	}
	return false
}

// asksWhether reports whether text is a yes/no question: its last word, before particles
// and forms of address, asks "không", "chưa" ("có cần mang bản chính không", "bản sao
// được không ạ", "cần hộ khẩu ko anh").
func asksWhether(text string) bool {
	f := questionEnd(text)
	return len(f) > 0 && yesNoWords[f[len(f)-1]]
}

// questionEnd is the words of text up to the particles and forms of address that may
// close a question (questionTail): "… không ạ anh" ends in "không".
func questionEnd(text string) []string {
	f := questionWords(words(text))
	for len(f) > 0 && questionTail[f[len(f)-1]] {
		f = f[:len(f)-1]
	}
	return f
}

// asksWhatIf reports whether text asks what happens in a case it tells: it ends, before
// particles and forms of address, in "thì sao", "thì làm sao", "thì thế nào", "thì như
// nào", "thì ra sao" ("chủ cũ ở tỉnh khác thì sao", "xe mua giấy tay thì làm thế nào").
func asksWhatIf(text string) bool {
	f := questionEnd(text)
	tail := strings.Join(f[max(0, len(f)-4):], " ")
	for _, end := range []string{"thi sao", "thi lam sao", "thi phai lam sao", "thi the nao", "thi lam the nao", "thi nhu nao", "thi ra sao"} {
		if strings.HasSuffix(" "+tail, " "+end) {
			return true
		}
	}
	return false
}

// byPostPhrases (folded) ask about the post: the result sent home, the file sent in.
var byPostPhrases = []string{"gui ve nha", "gui ve tan nha", "gui tan nha", "tra ve nha", "tra tai nha",
	"nhan tai nha", "nhan o nha", "ship ve", "buu dien", "buu chinh", "chuyen phat"}

// asksByPost reports whether text asks whether something goes by post (byPostPhrases).
func asksByPost(text string) bool { return containsAny(words(text), byPostPhrases) }

// yesNoWords end a yes/no question; questionTail are the particles and forms of address
// that may follow them.
var (
	yesNoWords   = map[string]bool{"khong": true, "ko": true, "k": true, "kh": true, "hong": true, "hok": true, "hk": true, "hem": true, "chua": true}
	questionTail = map[string]bool{"a": true, "ah": true, "ak": true, "vay": true, "z": true, "nhi": true, "nhe": true, "nha": true, "ha": true,
		"anh": true, "chi": true, "em": true, "ad": true, "oi": true, "co": true, "chu": true, "bac": true, "ban": true, "ta": true}
)

// asksNeed reports whether text asks whether something is needed: "có cần", "cần
// mang", "phải có", "bắt buộc" ("có căn cước" folds like "có cần" and is told apart by
// the word after it).
func asksNeed(text string) bool {
	f := strings.Fields(words(text))
	for i := 0; i+1 < len(f); i++ {
		if needPairs[[2]string{f[i], f[i+1]}] && !(i+2 < len(f) && f[i+2] == "cuoc") {
			return true
		}
	}
	return false
}

// namesPaper reports whether objects (procedures.Said.Objects, folded) start with a
// paper: "giấy …", "sổ …", "bản …", "thẻ …", "ảnh", "đơn", "hộ khẩu", "căn cước" …
func namesPaper(objects []string) bool {
	if len(objects) == 0 {
		return false
	}
	if len(objects) >= 2 && paperPairs[[2]string{objects[0], objects[1]}] {
		return true
	}
	return paperWords[objects[0]]
}

// paperHead is the words that name the paper objects start with (namesPaper): its first
// two ("hợp đồng", "giấy khai"), or the one word there is.
func paperHead(objects []string) []string { return objects[:min(2, len(objects))] }

// paperWords and paperPairs (folded) begin the name of a paper a citizen brings.
var (
	paperWords = map[string]bool{"giay": true, "so": true, "ban": true, "the": true, "hinh": true, "anh": true, "don": true,
		"to": true, "hop": true, "bang": true, "cccd": true, "cmnd": true, "photo": true, "sao": true}
	paperPairs = map[[2]string]bool{{"ho", "khau"}: true, {"ho", "chieu"}: true, {"can", "cuoc"}: true, {"chung", "minh"}: true}
)

// needPairs are the two-word phrases (folded) of asksNeed.
var needPairs = map[[2]string]bool{
	{"co", "can"}: true, {"can", "mang"}: true, {"can", "co"}: true, {"can", "phai"}: true,
	{"phai", "mang"}: true, {"phai", "co"}: true, {"phai", "nop"}: true, {"can", "nop"}: true,
	{"bat", "buoc"}: true, {"can", "giay"}: true, {"can", "ban"}: true,
}

// incidentPhrases (folded) tell of a crime — a theft, a fraud, a fight, a threat — which
// no procedure answers: the citizen is told how to report it. They are read only when the
// search is not sure of a procedure, so "bị trộm mất căn cước, làm lại ở đâu" still gets
// the re-issue. Left out: what also asks for papers after the event or folds to another
// word — "mất" ("mất ví"), a fire or an accident (new papers, insurance), "bí danh"
// (an alias) beside "bị đánh", "mất tích" (a court's declaration).
var incidentPhrases = []string{
	"bi trom", "trom xe", "trom cap", "mat trom", "an trom", "ke trom", "tro lap", "dot nhap",
	"mat cap", "an cap", "bi moc tui", "moc tui", "bi quyt",
	"bi cuop", "cuop giat", "an cuop", "cuop xe", "giat do", "giat dien thoai", "giat tui",
	"lua dao", "bi lua", "chiem doat", "danh nhau", "hanh hung", "gay roi", "de doa",
	"doa giet", "bat coc", "bao luc gia dinh", "chong danh", "to giac", "danh bac", "co bac",
	"cho vay nang lai", "tin dung den",
	// Extortion, robbery in the street, stabbing, sexual abuse, an account hacked. Not
	// "tống tiền" alone (it folds to "tổng tiền", a fee asked), nor "lừa" alone ("lúa").
	"bi tong tien", "tran lot", "cuong doat", "cuop tien", "lua tien", "bi dam", "bi chem",
	"xam hai", "hiep dam", "bi quay roi", "quay roi tinh duc",
	"bi hack", "hack tai khoan", "hack nick", "hack zalo", "hack facebook", "hack fb",
}

// isIncident reports whether text tells of a crime (incidentPhrases).
func isIncident(text string) bool { return containsAny(words(text), incidentPhrases) }

// officeTimes name a day or a part of the day (folded). Words that fold to something else
// too are left out or kept only in phrases: "sáng" (sang tên), "tối" (tôi), "lễ" (lệ phí).
var officeTimes = []string{
	"thu 2", "thu hai", "thu 3", "thu ba", "thu 4", "thu tu", "thu 5", "thu nam", "thu 6",
	"thu sau", "thu 7", "thu bay", "t7", "chu nhat", "cuoi tuan", "ngay le", "nghi le", "dip le",
	"tet", "hom nay", "ngay mai", "buoi sang", "buoi chieu", "buoi trua", "buoi toi",
	"sang nay", "chieu nay", "trua nay", "toi nay", "sang mai", "chieu mai", "trua", "gio trua",
	"bay gio", "gio nay",
}

// officeOpenAsk is a question whether the office works: a verb of working, opening or
// closing, at most one word, then a question word ("có mở không", "làm việc ko",
// "có ai trực không ạ", "nghỉ hông").
var officeOpenAsk = regexp.MustCompile(`(^| )(lam|lam viec|mo|mo cua|truc|tiep dan|tiep nhan|nghi|dong cua|lam ca)( [a-z0-9]+)? (khong|ko|k|kh|hong|hk|hem|ha|chua)( a| ah| vay| z| nhi)?$`)

// asksWhenOpen reports whether w (folded words) asks whether the office works at some
// day or time, in any word order: "thứ bảy phường có mở không", "trưa có làm không anh",
// "ubnd phuong chu nhat co ai truc ko". The question must end the message, so that a
// story that mentions a day and a verb ("hôm nay em đi làm căn cước mà không mang…") is
// not taken for one. (Issue 16 item 7: intents by meaning, not by fixed phrases.)
func asksWhenOpen(w string) bool {
	w = strings.TrimSpace(strings.TrimRight(w, "? "))
	for _, suffix := range []string{" anh", " chi", " em", " ad", " admin", " a", " ah", " nhe"} {
		w = strings.TrimSuffix(w, suffix)
	}
	return containsAny(w, officeTimes) && officeOpenAsk.MatchString(w)
}

// pickNumber reads a list choice: "2", "số 2", "2." → 2.
func pickNumber(text string) (int, bool) {
	w := strings.TrimSuffix(words(text), ".")
	w = strings.TrimPrefix(w, "so ")
	w = strings.TrimPrefix(w, "chon ")
	if len(w) == 0 || len(w) > 2 {
		return 0, false
	}
	n, err := strconv.Atoi(w)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// containsAny reports whether any phrase occurs in w as whole words.
func containsAny(w string, phrases []string) bool {
	padded := " " + w + " "
	for _, p := range phrases {
		if strings.Contains(padded, " "+p+" ") {
			return true
		}
	}
	return false
}

// maskQuery is how an unmatched query is recorded for officers: folded words (which also
// group the same question typed with and without diacritics), at most 100 characters,
// with what could identify a person masked — phone and ID numbers, account numbers,
// dates: any run of numbers (one word, or several in a row such as "0903 123 456")
// holding maskMinDigits digits or more. Short numbers stay readable: "thu 7", "lop 1",
// "14 tuoi", "nam 2016".
func maskQuery(text string) string { return maskNumbers(words(text)) }

// maskTyped is maskQuery keeping the diacritics (lower case, NFC): the question as
// officers read it. Its maskQuery is the question's maskQuery.
func maskTyped(text string) string {
	return maskNumbers(keepWords(zalo.NFC(strings.ToLower(text))))
}

// UnansweredKey is the key an unanswered question is kept under (maskQuery) for its text
// as recorded, typed (maskTyped) or folded.
func UnansweredKey(text string) string { return maskQuery(text) }

// maskNumbers masks, in words ws, the runs of numbers that could identify a person.
func maskNumbers(ws string) string {
	toks := strings.Fields(ws)
	for i := 0; i < len(toks); {
		if !hasDigit(toks[i]) {
			i++
			continue
		}
		// A run of number words (digits and dots only), or one word with digits in it.
		j, n := i, 0
		for j < len(toks) && (j == i || isNumberWord(toks[j])) && hasDigit(toks[j]) {
			n += countDigits(toks[j])
			j++
			if !isNumberWord(toks[j-1]) {
				break
			}
		}
		if n >= maskMinDigits {
			for k := i; k < j; k++ {
				toks[k] = strings.Map(func(r rune) rune {
					if unicode.IsDigit(r) {
						return '#'
					}
					return r
				}, toks[k])
			}
		}
		i = j
	}
	return truncate(strings.Join(toks, " "), 100)
}

// maskMinDigits: a run of numbers with this many digits may identify a person.
const maskMinDigits = 5

func hasDigit(w string) bool { return strings.IndexFunc(w, unicode.IsDigit) >= 0 }

func countDigits(w string) int {
	n := 0
	for _, r := range w {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// isNumberWord reports whether w is made of digits and dots only ("0903", "12.5").
func isNumberWord(w string) bool {
	return strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' }) < 0
}
