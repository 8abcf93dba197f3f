package bot

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/oabot/oabot/zalo"
)

// maxTextRunes is Zalo's limit for message.text, counted after NFC (zalo-oa.md §2.3, §2.5).
// zalo.Message.Validate enforces it too; the bot splits below it so nothing is refused.
const maxTextRunes = 2000

// maxButtonTitleRunes keeps button titles short (zalo-oa.md §2.4: ≲ 35 characters).
const maxButtonTitleRunes = 35

// maxButtons is the number of buttons Zalo accepts on one message (zalo-oa.md §2.5).
const maxButtons = 5

// buttonKind is the Zalo action of a button (zalo-oa.md §2.4).
type buttonKind int

const (
	// buttonQuery sends Payload back as the citizen's text, hidden (oa.query.hide).
	buttonQuery buttonKind = iota + 1
	// buttonURL opens Payload (oa.open.url).
	buttonURL
	// buttonPhone opens the dialer with Payload (oa.open.phone).
	buttonPhone
)

// button is one button of a reply.
type button struct {
	Title   string
	Kind    buttonKind
	Payload string
}

// reply is one outgoing message before it becomes a zalo.Message: text with optional
// buttons, or the QR image of a procedure (QRCode set; Text is the caption).
type reply struct {
	Text    string
	Buttons []button
	// QRCode is a procedure code whose QR image is sent with Text as caption.
	QRCode string
}

// query, link and call build buttons with titles cut to Zalo's length.
func query(title, payload string) button {
	return button{Title: truncate(title, maxButtonTitleRunes), Kind: buttonQuery, Payload: payload}
}

func link(title, url string) button {
	return button{Title: truncate(title, maxButtonTitleRunes), Kind: buttonURL, Payload: url}
}

func call(title, phone string) button {
	return button{Title: truncate(title, maxButtonTitleRunes), Kind: buttonPhone, Payload: phone}
}

// runes counts characters the way Zalo does: after NFC.
func textLen(s string) int { return utf8.RuneCountInString(zalo.NFC(s)) }

// truncate cuts s (NFC) to at most n characters, ending with "…" when cut.
func truncate(s string, n int) string {
	s = zalo.NFC(strings.TrimSpace(s))
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	cut := strings.TrimRight(string(r[:n-1]), " ,;:-–")
	return cut + "…"
}

// cutPrefixFold is strings.CutPrefix ignoring case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// oneLine collapses runs of white space (portal fields carry stray newlines) into one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// nameInText is a procedure's name said in a sentence, at most n characters: on one
// line and, when longer, without its parenthesised lists (national names list the kinds
// of works or cases they cover: "Cấp giấy phép xây dựng mới đối với công trình cấp III,
// cấp IV (Công trình không theo tuyến/…/Dự án) và nhà ở riêng lẻ"), then cut. The
// sentences say "thủ tục" before the name, so a name that starts with it ("Thủ tục đăng
// ký khai sinh", as many of the portal's do) loses it: not "thủ tục "Thủ tục đăng ký…"".
func nameInText(name string, n int) string {
	s := oneLine(name)
	if rest, ok := cutPrefixFold(s, "thủ tục "); ok && rest != "" {
		r := []rune(rest)
		s = strings.ToUpper(string(r[0])) + string(r[1:])
	}
	if textLen(s) <= n {
		return zalo.NFC(s)
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	if short := oneLine(b.String()); depth == 0 && textLen(short) >= 10 {
		s = strings.ReplaceAll(short, " ,", ",")
	}
	return truncate(s, n)
}

// splitSection turns a heading and its lines into messages of at most limit characters,
// splitting only at line boundaries (a single over-long line is cut at a space). When more
// than one message is needed each heading gets the part suffix ("(1/2)", "(2/2)").
func splitSection(t *Texts, heading string, lines []string, limit int) []string {
	heading = zalo.NFC(heading)
	for i := range lines {
		lines[i] = zalo.NFC(lines[i])
	}
	whole := heading + "\n" + strings.Join(lines, "\n")
	if len(lines) == 0 {
		whole = heading
	}
	if utf8.RuneCountInString(whole) <= limit {
		return []string{whole}
	}
	// Leave room for the heading and the widest suffix.
	budget := limit - utf8.RuneCountInString(heading) -
		utf8.RuneCountInString(fill(t.PartSuffix, "i", "99", "n", "99")) - 1
	if budget < 100 {
		budget = 100
	}
	var chunks []string
	var cur []string
	curLen := 0
	flush := func() {
		if len(cur) > 0 {
			chunks = append(chunks, strings.Join(cur, "\n"))
			cur, curLen = nil, 0
		}
	}
	for _, line := range lines {
		for _, piece := range cutLine(line, budget) {
			n := utf8.RuneCountInString(piece)
			if curLen > 0 && curLen+1+n > budget {
				flush()
			}
			if curLen > 0 {
				curLen++
			}
			cur = append(cur, piece)
			curLen += n
		}
	}
	flush()
	out := make([]string, len(chunks))
	for i, c := range chunks {
		suffix := fill(t.PartSuffix, "i", strconv.Itoa(i+1), "n", strconv.Itoa(len(chunks)))
		out[i] = heading + suffix + "\n" + c
	}
	return out
}

// cutLine splits one line longer than n characters at spaces (or hard, for a word longer
// than n).
func cutLine(line string, n int) []string {
	r := []rune(line)
	var out []string
	for len(r) > n {
		cut := n
		for i := n; i > n/2; i-- {
			if r[i] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, strings.TrimRight(string(r[:cut]), " "))
		r = []rune(strings.TrimLeft(string(r[cut:]), " "))
	}
	return append(out, string(r))
}
