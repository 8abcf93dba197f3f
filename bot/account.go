package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/oabot/oabot/procedures"
	"github.com/oabot/oabot/zalo"
)

// Defaults for per-account settings left at their zero value.
const (
	// DefaultQuietTime is how long the bot stays silent for a citizen after an officer's
	// last message (or a handoff request).
	DefaultQuietTime = 30 * time.Minute
	// DefaultRateLimit is how many citizen messages a minute the bot answers before it
	// sends one notice and then stays silent for the rest of the minute.
	DefaultRateLimit = 20
	// DefaultNudgeInterval is the shortest gap between two "the bot reads text" replies to
	// one citizen (stickers, images, …).
	DefaultNudgeInterval = 5 * time.Minute
	// maxQuickTopics is the number of quick buttons on the welcome and menu messages
	// (Zalo accepts 5 buttons per message, zalo-oa.md §2.5).
	maxQuickTopics = 5
)

// Account holds one OA's settings as the bot needs them. cmd copies them from config.
type Account struct {
	// ID is the account slug (config accounts[].id); Job.Account carries it.
	ID string
	// OAID is the Zalo OA id; used when a job carries no account slug.
	OAID string
	// Name is the office's display name, e.g. "Công an phường Bến Thành".
	Name string
	// Texts overrides entries of DefaultTexts by key (see Texts.Override), e.g.
	// "welcome", "greeting", "signature".
	Texts map[string]string
	// QuickTopics are the buttons on the welcome and menu messages (at most 5 are used).
	QuickTopics []QuickTopic
	// Offices are the places citizens can go to; the first is the main office.
	Offices []Office
	// Notice is a pinned notice (holiday closure, scam warning) shown while valid.
	Notice Notice
	// Scope is which procedures the office handles (the zero Scope: all). A search whose
	// best match lies outside it gets a referral instead of a card (scope.go).
	Scope procedures.Scope
	// QuietTime, RateLimit and NudgeInterval default to DefaultQuietTime,
	// DefaultRateLimit and DefaultNudgeInterval.
	QuietTime     time.Duration
	RateLimit     int
	NudgeInterval time.Duration
}

// QuickTopic is one quick button: Title is shown, Payload is sent back as text when the
// citizen taps it (oa.query.hide), e.g. "#TTHC 1.001612" or "làm căn cước".
type QuickTopic struct {
	Title   string
	Payload string
}

// Office is a place where citizens submit papers.
type Office struct {
	Name    string
	Address string
	Phone   string
	// Lat and Lng are WGS84 degrees; both zero means "unknown" (not used for distance).
	Lat, Lng float64
	// HoursText is how the hours read to citizens, e.g. "Thứ Hai – Thứ Sáu: 7:30–11:30,
	// 13:30–17:00". Empty: built from Hours.
	HoursText string
	// Hours are the opening intervals, for "hôm nay có làm việc không".
	Hours []OpeningHours
}

// OpeningHours is one opening interval on some weekdays, in Vietnam time.
type OpeningHours struct {
	Days []time.Weekday
	// From and To are minutes after midnight.
	From, To int
}

// Notice is a pinned notice with its validity window. Zero Start or End means open-ended.
type Notice struct {
	Text       string
	Start, End time.Time
}

// activeAt reports whether the notice should be shown at t.
func (n Notice) activeAt(t time.Time) bool {
	if strings.TrimSpace(n.Text) == "" {
		return false
	}
	if !n.Start.IsZero() && t.Before(n.Start) {
		return false
	}
	if !n.End.IsZero() && !t.Before(n.End) {
		return false
	}
	return true
}

func (a *Account) quietTime() time.Duration {
	if a.QuietTime > 0 {
		return a.QuietTime
	}
	return DefaultQuietTime
}

func (a *Account) rateLimit() int {
	if a.RateLimit > 0 {
		return a.RateLimit
	}
	return DefaultRateLimit
}

func (a *Account) nudgeInterval() time.Duration {
	if a.NudgeInterval > 0 {
		return a.NudgeInterval
	}
	return DefaultNudgeInterval
}

// phone returns the first office phone number, or "".
func (a *Account) phone() string {
	for _, o := range a.Offices {
		if o.Phone != "" {
			return o.Phone
		}
	}
	return ""
}

// weekdayNames maps the Vietnamese short names used in hours strings to weekdays.
var weekdayNames = map[string]time.Weekday{
	"CN": time.Sunday, "T2": time.Monday, "T3": time.Tuesday, "T4": time.Wednesday,
	"T5": time.Thursday, "T6": time.Friday, "T7": time.Saturday,
}

// ParseHours parses opening hours written as "T2-T6 07:30-11:30 13:30-17:00; T7 07:30-11:30"
// (day or day range, then one or more HH:MM-HH:MM intervals; groups separated by ";").
// Days are T2…T7 and CN.
func ParseHours(s string) ([]OpeningHours, error) {
	var out []OpeningHours
	for _, group := range strings.Split(s, ";") {
		fields := strings.Fields(group)
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("hours %q: want days then HH:MM-HH:MM", strings.TrimSpace(group))
		}
		days, err := parseDays(fields[0])
		if err != nil {
			return nil, err
		}
		for _, iv := range fields[1:] {
			from, to, err := parseInterval(iv)
			if err != nil {
				return nil, err
			}
			out = append(out, OpeningHours{Days: days, From: from, To: to})
		}
	}
	return out, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	lo, hi, isRange := strings.Cut(strings.ToUpper(s), "-")
	a, ok := weekdayNames[lo]
	if !ok {
		return nil, fmt.Errorf("hours: unknown day %q (want T2…T7, CN)", lo)
	}
	if !isRange {
		return []time.Weekday{a}, nil
	}
	b, ok := weekdayNames[hi]
	if !ok {
		return nil, fmt.Errorf("hours: unknown day %q (want T2…T7, CN)", hi)
	}
	var days []time.Weekday
	// Walk Monday-first so that "T2-CN" covers the whole week.
	idx := func(d time.Weekday) int { return (int(d) + 6) % 7 }
	for i := idx(a); ; i++ {
		days = append(days, time.Weekday((i+1)%7))
		if i%7 == idx(b) || len(days) == 7 {
			break
		}
	}
	return days, nil
}

func parseInterval(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("hours: interval %q: want HH:MM-HH:MM", s)
	}
	if from, err = parseClock(a); err != nil {
		return 0, 0, err
	}
	if to, err = parseClock(b); err != nil {
		return 0, 0, err
	}
	if to <= from {
		return 0, 0, fmt.Errorf("hours: interval %q ends before it starts", s)
	}
	return from, to, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("hours: bad time %q (want HH:MM)", s)
	}
	return hh*60 + mm, nil
}

// intervalsOn returns the office's opening intervals on weekday d, in order.
func (o *Office) intervalsOn(d time.Weekday) []OpeningHours {
	var out []OpeningHours
	for _, h := range o.Hours {
		for _, x := range h.Days {
			if x == d {
				out = append(out, h)
				break
			}
		}
	}
	return out
}

// openAt reports whether the office is open at t.
func (o *Office) openAt(t time.Time) bool {
	t = t.In(zalo.Vietnam)
	m := t.Hour()*60 + t.Minute()
	for _, h := range o.intervalsOn(t.Weekday()) {
		if m >= h.From && m < h.To {
			return true
		}
	}
	return false
}

func clock(m int) string { return fmt.Sprintf("%d:%02d", m/60, m%60) }
