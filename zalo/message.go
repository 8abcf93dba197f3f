package zalo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Button types of a text-with-buttons consultation message (zalo-oa.md §2.4).
const (
	// ButtonOpenURL opens Button.URL inside Zalo; payload {"url": …} [D PHP-SDK].
	ButtonOpenURL = "oa.open.url"
	// ButtonQueryShow makes the app send Button.Payload from the citizen to the OA, visible in
	// the chat; it arrives as user_send_text [D PHP-SDK].
	ButtonQueryShow = "oa.query.show"
	// ButtonQueryHide is ButtonQueryShow with the message hidden on the citizen's screen [D].
	ButtonQueryHide = "oa.query.hide"
	// ButtonOpenPhone opens the dialer; payload {"phone_code": …} [D PHP-SDK].
	ButtonOpenPhone = "oa.open.phone"
	// ButtonOpenSMS opens the SMS composer; payload {"phone_code": …, "content": …} [D].
	ButtonOpenSMS = "oa.open.sms"
)

// ErrInvalidMessage wraps every Message.Validate failure: the message would be refused by
// Zalo (or break a documented limit), so it was not sent.
var ErrInvalidMessage = errors.New("invalid zalo message")

// Message is one consultation message for POST /v3.0/oa/message/cs (zalo-oa.md §2.3). Set
// exactly one of:
//
//   - Text, optionally with QuoteMessageID and up to MaxButtons Buttons (text / text with
//     buttons);
//   - Image (by attachment_id or url), with Text as an optional caption;
//   - File (by upload token);
//   - RequestInfo (request_user_info form; the answer arrives as user_submit_info).
//
// Validate checks it; Payload renders the exact JSON body. Text is never cut: a text over
// the limit is an error (use SplitText to make several messages).
type Message struct {
	// Text is message.text: plain text, "\n" for new lines, emoji allowed (§2.3).
	Text string
	// QuoteMessageID is message.quote_message_id: the msg_id of the citizen's message this
	// reply quotes (§2.3) [D PHP-SDK withQuoteMessage]. Text messages only.
	QuoteMessageID string
	// Buttons turns a text message into a text-with-buttons message (§2.3, §2.4).
	Buttons []Button
	// Image sends a media template with one image element (§2.3).
	Image *Image
	// File sends an uploaded file (§2.3).
	File *File
	// RequestInfo sends a request_user_info form (§2.3).
	RequestInfo *RequestInfo
}

// Button is one button of a text-with-buttons message (zalo-oa.md §2.4). Which payload
// field is used depends on Type: URL for ButtonOpenURL, Payload for ButtonQueryShow/Hide,
// Phone for ButtonOpenPhone, Phone and SMSText for ButtonOpenSMS.
type Button struct {
	Title string
	Type  string
	// URL is the http(s) URL of an oa.open.url button.
	URL string
	// Payload is the text an oa.query.* button sends back as user_send_text.
	Payload string
	// Phone is the phone_code of oa.open.phone / oa.open.sms: digits, optional leading "+".
	Phone string
	// SMSText is the content of an oa.open.sms button.
	SMSText string
}

// URLButton returns an oa.open.url button.
func URLButton(title, u string) Button { return Button{Title: title, Type: ButtonOpenURL, URL: u} }

// QueryButton returns an oa.query.hide button (hidden=true) or oa.query.show button.
func QueryButton(title, payload string, hidden bool) Button {
	t := ButtonQueryShow
	if hidden {
		t = ButtonQueryHide
	}
	return Button{Title: title, Type: t, Payload: payload}
}

// PhoneButton returns an oa.open.phone button.
func PhoneButton(title, phone string) Button {
	return Button{Title: title, Type: ButtonOpenPhone, Phone: phone}
}

// SMSButton returns an oa.open.sms button.
func SMSButton(title, phone, text string) Button {
	return Button{Title: title, Type: ButtonOpenSMS, Phone: phone, SMSText: text}
}

// Image is the image element of a media template (zalo-oa.md §2.3): exactly one of
// AttachmentID (from UploadImage, valid AttachmentTTL) or URL (a hosted https image).
type Image struct {
	AttachmentID string
	URL          string
}

// File is a file message: Token is data.token of UploadFile (zalo-oa.md §2.3, §3).
type File struct {
	Token string
}

// RequestInfo is the single element of a request_user_info form (zalo-oa.md §2.3).
type RequestInfo struct {
	Title    string
	Subtitle string
	// ImageURL is an optional banner image (http(s)).
	ImageURL string
}

// TextLen returns the length Zalo counts for a text: runes after NFC normalisation
// (zalo-oa.md §2.5).
func TextLen(s string) int { return utf8.RuneCountInString(NFC(s)) }

// Validate reports, wrapped in ErrInvalidMessage, every reason Zalo would refuse m, using
// DefaultLimits. It never changes m.
func (m Message) Validate() error { return m.ValidateWith(DefaultLimits()) }

// ValidateWith is Validate with explicit limits.
func (m Message) ValidateWith(l Limits) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	kinds := 0
	for _, set := range []bool{m.Image != nil, m.File != nil, m.RequestInfo != nil} {
		if set {
			kinds++
		}
	}
	if kinds > 1 {
		add("set only one of Image, File, RequestInfo")
	}
	if n := TextLen(m.Text); n > l.MaxTextRunes {
		add("text is %d characters after NFC, limit %d", n, l.MaxTextRunes)
	}
	switch {
	case m.Image != nil:
		if (m.Image.AttachmentID == "") == (m.Image.URL == "") {
			add("image needs exactly one of attachment_id and url")
		}
		if m.Image.URL != "" && !validURL(m.Image.URL) {
			add("image url must be an absolute http(s) URL")
		}
	case m.File != nil:
		if m.File.Token == "" {
			add("file needs an upload token")
		}
		if m.Text != "" {
			add("a file message carries no text")
		}
	case m.RequestInfo != nil:
		if strings.TrimSpace(m.RequestInfo.Title) == "" || strings.TrimSpace(m.RequestInfo.Subtitle) == "" {
			add("request_user_info needs a title and a subtitle")
		}
		if m.RequestInfo.ImageURL != "" && !validURL(m.RequestInfo.ImageURL) {
			add("request_user_info image_url must be an absolute http(s) URL")
		}
		if m.Text != "" {
			add("a request_user_info message carries no text")
		}
	default:
		if strings.TrimSpace(m.Text) == "" {
			add("empty message")
		}
	}
	if kinds > 0 && len(m.Buttons) > 0 {
		add("buttons go only on text messages")
	}
	if kinds > 0 && m.QuoteMessageID != "" {
		add("quote_message_id goes only on text messages")
	}
	if len(m.Buttons) > l.MaxButtons {
		add("%d buttons, limit %d", len(m.Buttons), l.MaxButtons)
	}
	for i, b := range m.Buttons {
		if err := b.validate(l); err != nil {
			add("button %d: %w", i+1, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidMessage, errors.Join(errs...))
}

func (b Button) validate(l Limits) error {
	title := strings.TrimSpace(b.Title)
	if title == "" {
		return errors.New("empty title")
	}
	if n := TextLen(b.Title); n > l.MaxButtonTitleRunes {
		return fmt.Errorf("title is %d characters, limit %d", n, l.MaxButtonTitleRunes)
	}
	tooLong := func(s string) bool { return TextLen(s) > l.MaxButtonPayloadRunes }
	switch b.Type {
	case ButtonOpenURL:
		if !validURL(b.URL) || tooLong(b.URL) {
			return errors.New("oa.open.url needs an absolute http(s) URL")
		}
	case ButtonQueryShow, ButtonQueryHide:
		if strings.TrimSpace(b.Payload) == "" || tooLong(b.Payload) {
			return fmt.Errorf("%s needs a payload of 1..%d characters", b.Type, l.MaxButtonPayloadRunes)
		}
	case ButtonOpenPhone, ButtonOpenSMS:
		if !validPhone(b.Phone) {
			return fmt.Errorf("%s needs a phone number (3-15 digits, optional +)", b.Type)
		}
		if b.Type == ButtonOpenSMS && tooLong(b.SMSText) {
			return errors.New("sms content too long")
		}
	default:
		return fmt.Errorf("unknown button type %q", b.Type)
	}
	return nil
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && !strings.ContainsAny(s, " \n\t")
}

// validPhone accepts 3–15 digits with an optional leading "+": 113 (police), 1900 hot
// lines, landlines and mobiles.
func validPhone(s string) bool {
	s = strings.TrimPrefix(s, "+")
	if len(s) < 3 || len(s) > 15 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Payload validates m and renders the JSON body of POST /v3.0/oa/message/cs for userID
// (zalo-oa.md §2.2, §2.3). Text is NFC-normalised (what Zalo counts), never cut.
func (m Message) Payload(userID string) ([]byte, error) {
	return m.payload(userID, DefaultLimits(), "")
}

// payload renders with explicit limits; buttonTemplateType, when not empty, is added as
// payload.template_type of a text-with-buttons message (§2.3: ESMS sends none, HND shows
// "button" [?]).
func (m Message) payload(userID string, l Limits, buttonTemplateType string) ([]byte, error) {
	if strings.TrimSpace(userID) == "" {
		return nil, fmt.Errorf("%w: empty recipient user_id", ErrInvalidMessage)
	}
	if err := m.ValidateWith(l); err != nil {
		return nil, err
	}
	body := wireSend{Recipient: wireRecipient{UserID: userID}}
	body.Message.Text = NFC(m.Text)
	body.Message.QuoteMessageID = m.QuoteMessageID
	switch {
	case m.Image != nil:
		body.Message.Attachment = &wireAttachmentOut{Type: "template", Payload: wireTemplate{
			TemplateType: "media",
			Elements:     []any{wireMedia{MediaType: "image", AttachmentID: m.Image.AttachmentID, URL: m.Image.URL}},
		}}
	case m.File != nil:
		body.Message.Attachment = &wireAttachmentOut{Type: "file", Payload: wireFile{Token: m.File.Token}}
	case m.RequestInfo != nil:
		body.Message.Attachment = &wireAttachmentOut{Type: "template", Payload: wireTemplate{
			TemplateType: "request_user_info",
			Elements: []any{wireInfoElement{Title: m.RequestInfo.Title, Subtitle: m.RequestInfo.Subtitle,
				ImageURL: m.RequestInfo.ImageURL}},
		}}
	case len(m.Buttons) > 0:
		tpl := wireTemplate{TemplateType: buttonTemplateType}
		for _, b := range m.Buttons {
			tpl.Buttons = append(tpl.Buttons, b.wire())
		}
		body.Message.Attachment = &wireAttachmentOut{Type: "template", Payload: tpl}
	}
	return json.Marshal(body)
}

func (b Button) wire() wireButton {
	w := wireButton{Title: NFC(b.Title), Type: b.Type}
	switch b.Type {
	case ButtonOpenURL:
		w.Payload = map[string]string{"url": b.URL}
	case ButtonQueryShow, ButtonQueryHide:
		w.Payload = NFC(b.Payload)
	case ButtonOpenPhone:
		w.Payload = map[string]string{"phone_code": b.Phone}
	case ButtonOpenSMS:
		w.Payload = map[string]string{"phone_code": b.Phone, "content": NFC(b.SMSText)}
	}
	return w
}

// The JSON shapes of §2.3. Exported field names never leave this file.
type (
	wireSend struct {
		Recipient wireRecipient `json:"recipient"`
		Message   struct {
			Text           string             `json:"text,omitempty"`
			QuoteMessageID string             `json:"quote_message_id,omitempty"`
			Attachment     *wireAttachmentOut `json:"attachment,omitempty"`
		} `json:"message"`
	}
	wireRecipient struct {
		UserID string `json:"user_id"`
	}
	wireAttachmentOut struct {
		Type    string `json:"type"`
		Payload any    `json:"payload"`
	}
	wireTemplate struct {
		TemplateType string       `json:"template_type,omitempty"`
		Elements     []any        `json:"elements,omitempty"`
		Buttons      []wireButton `json:"buttons,omitempty"`
	}
	wireMedia struct {
		MediaType    string `json:"media_type"`
		AttachmentID string `json:"attachment_id,omitempty"`
		URL          string `json:"url,omitempty"`
	}
	wireFile struct {
		Token string `json:"token"`
	}
	wireInfoElement struct {
		Title    string `json:"title"`
		Subtitle string `json:"subtitle"`
		ImageURL string `json:"image_url,omitempty"`
	}
	wireButton struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Payload any    `json:"payload"`
	}
)

// SplitText splits text into pieces of at most limit runes (after NFC), breaking at blank
// lines, then line ends, then spaces, and only inside a word when a single word is longer
// than limit. Joining the pieces with the separators that were dropped gives back the text;
// nothing is lost. The bot uses it to send a long procedure as several messages
// (zalo-oa.md §8.3). limit <= 0 means MaxTextRunes.
func SplitText(text string, limit int) []string {
	if limit <= 0 {
		limit = MaxTextRunes
	}
	rest := strings.TrimSpace(NFC(text))
	var out []string
	for utf8.RuneCountInString(rest) > limit {
		cut := byteIndexOfRune(rest, limit) // rest[:cut] has limit runes
		head := rest[:cut]
		at := -1
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > 0 {
				at = i
				break
			}
		}
		if at <= 0 {
			out = append(out, head)
			rest = strings.TrimSpace(rest[cut:])
			continue
		}
		out = append(out, strings.TrimSpace(rest[:at]))
		rest = strings.TrimSpace(rest[at:])
	}
	if rest != "" {
		out = append(out, rest)
	}
	return out
}

func byteIndexOfRune(s string, n int) int {
	i := 0
	for j := range s {
		if i == n {
			return j
		}
		i++
	}
	return len(s)
}
