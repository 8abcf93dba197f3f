package bot

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/oabot/oabot/zalo"
)

// maxOfficesShown bounds the office list in one answer.
const maxOfficesShown = 3

// officeInfo answers questions about the office (routing step 6): address, hours and
// phone of each office, and for "hôm nay có làm việc không" whether it is open today.
//
// A question about some day ("thứ 7 có làm không", "chủ nhật có ai trực ko", "mai phường có
// mở không") names it: days are the dates asked about (askedDays), and each office's block
// says whether it works then, instead of only today.
func officeInfo(acc *account, which intent, now time.Time, days ...time.Time) reply {
	t := &acc.texts
	if len(acc.Offices) == 0 {
		return reply{Text: t.OfficeNone, Buttons: []button{query(t.BtnOfficer, payloadOfficer)}}
	}
	var blocks []string
	for i := range acc.Offices {
		if i == maxOfficesShown {
			break
		}
		o := &acc.Offices[i]
		block := officeBlock(t, o)
		// Say "today" once for offices that keep the main office's hours.
		if (which == intentOpenToday || which == intentOfficeHours) && (i == 0 || !sameHours(o.Hours, acc.Offices[0].Hours)) {
			for _, line := range dayLines(t, o, now, days) {
				block += "\n" + line
			}
		}
		blocks = append(blocks, block)
	}
	return reply{Text: truncate(strings.Join(blocks, "\n\n"), maxTextRunes), Buttons: officeButtons(t, &acc.Offices[0])}
}

// nearestOffice answers a shared location with the closest office that has coordinates.
func nearestOffice(acc *account, loc *zalo.Location, now time.Time) reply {
	t := &acc.texts
	var best *Office
	bestKm := math.Inf(1)
	for i := range acc.Offices {
		o := &acc.Offices[i]
		if loc == nil || (o.Lat == 0 && o.Lng == 0) {
			continue
		}
		if d := haversineKm(loc.Latitude, loc.Longitude, o.Lat, o.Lng); d < bestKm {
			best, bestKm = o, d
		}
	}
	if best == nil {
		// No usable coordinates: show the offices as for "địa chỉ".
		return officeInfo(acc, intentOfficeAddress, now)
	}
	lines := []string{fill(t.Nearest, "name", best.Name, "distance", formatDistance(bestKm))}
	body := officeBlock(t, best)
	// The heading already names the office; keep the rest of the block.
	if _, rest, ok := strings.Cut(body, "\n"); ok {
		lines = append(lines, rest)
	}
	if today := todayLine(t, best, now); today != "" {
		lines = append(lines, today)
	}
	return reply{Text: truncate(strings.Join(lines, "\n"), maxTextRunes), Buttons: officeButtons(t, best)}
}

func officeBlock(t *Texts, o *Office) string {
	lines := []string{fill(t.OfficeHeading, "name", oneLine(o.Name))}
	if o.Address != "" {
		lines = append(lines, fill(t.OfficeAddress, "address", oneLine(o.Address)))
	}
	if h := hoursText(t, o); h != "" {
		lines = append(lines, fill(t.OfficeHours, "hours", h))
	}
	if o.Phone != "" {
		lines = append(lines, fill(t.OfficePhone, "phone", o.Phone))
	}
	return strings.Join(lines, "\n")
}

func officeButtons(t *Texts, o *Office) []button {
	var bs []button
	if d := phoneDigits(o.Phone); d != "" {
		bs = append(bs, call(t.BtnCall, d))
	}
	if o.Lat != 0 || o.Lng != 0 {
		bs = append(bs, link(t.BtnMap, mapURL(o.Lat, o.Lng)))
	}
	return bs
}

// mapURL opens directions to the office in Google Maps (works in Zalo's browser).
func mapURL(lat, lng float64) string {
	return "https://www.google.com/maps/dir/?api=1&destination=" +
		strconv.FormatFloat(lat, 'f', 6, 64) + "," + strconv.FormatFloat(lng, 'f', 6, 64)
}

// hoursText is the office's HoursText, else one line built from Hours ("Thứ Hai – Thứ
// Sáu: 7:30–11:30, 13:30–17:00; Thứ Bảy: 7:30–11:30").
func hoursText(t *Texts, o *Office) string {
	if o.HoursText != "" {
		return oneLine(o.HoursText)
	}
	type group struct {
		days  []time.Weekday
		spans []string
	}
	var groups []group
	for _, h := range o.Hours {
		span := clock(h.From) + "–" + clock(h.To)
		found := false
		for i := range groups {
			if sameDays(groups[i].days, h.Days) {
				groups[i].spans = append(groups[i].spans, span)
				found = true
				break
			}
		}
		if !found {
			groups = append(groups, group{days: h.Days, spans: []string{span}})
		}
	}
	var parts []string
	for _, g := range groups {
		parts = append(parts, dayRange(t, g.days)+": "+strings.Join(g.spans, ", "))
	}
	return strings.Join(parts, "; ")
}

func sameHours(a, b []OpeningHours) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].From != b[i].From || a[i].To != b[i].To || !sameDays(a[i].Days, b[i].Days) {
			return false
		}
	}
	return true
}

func sameDays(a, b []time.Weekday) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// dayRange writes consecutive days as "Thứ Hai – Thứ Sáu", others as a list.
func dayRange(t *Texts, days []time.Weekday) string {
	if len(days) == 0 {
		return ""
	}
	consecutive := len(days) > 2
	for i := 1; i < len(days); i++ {
		if days[i] != (days[i-1]+1)%7 {
			consecutive = false
		}
	}
	if consecutive {
		return t.Weekdays[days[0]] + " – " + t.Weekdays[days[len(days)-1]]
	}
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = t.Weekdays[d]
	}
	return strings.Join(names, ", ")
}

// todayLine says whether the office works today and whether it is open now.
// dayLines say whether o works on each of days (dates in Vietnam) — today's line, with
// whether it is open now, for today — or, with no days asked, today.
func dayLines(t *Texts, o *Office, now time.Time, days []time.Time) []string {
	if len(o.Hours) == 0 {
		return nil
	}
	local := now.In(zalo.Vietnam)
	if len(days) == 0 {
		days = []time.Time{local}
	}
	var lines []string
	for _, d := range days {
		d = d.In(zalo.Vietnam)
		if d.YearDay() == local.YearDay() && d.Year() == local.Year() {
			lines = append(lines, todayLine(t, o, now))
			continue
		}
		day := dayLabel(t, d)
		ivs := o.intervalsOn(d.Weekday())
		if len(ivs) == 0 {
			lines = append(lines, fill(t.DayClosed, "day", day))
			continue
		}
		lines = append(lines, fill(t.DayOpen, "day", day, "intervals", spans(ivs)))
	}
	return lines
}

// dayLabel names the day of d (in Vietnam's time) as the office lines say it: "Thứ
// Bảy, 12/12".
func dayLabel(t *Texts, d time.Time) string {
	return t.Weekdays[d.Weekday()] + ", " + d.Format("02/01")
}

// spans writes opening intervals as "7:30–11:30, 13:30–17:00".
func spans(ivs []OpeningHours) string {
	out := make([]string, len(ivs))
	for i, h := range ivs {
		out[i] = clock(h.From) + "–" + clock(h.To)
	}
	return strings.Join(out, ", ")
}

// typedWeekdays name the days of the week as typed (folded words); "t7", "cn" too.
var typedWeekdays = []struct {
	words []string
	day   time.Weekday
}{
	{[]string{"thu 2", "thu hai", "t2"}, time.Monday},
	{[]string{"thu 3", "thu ba", "t3"}, time.Tuesday},
	{[]string{"thu 4", "thu tu", "t4"}, time.Wednesday},
	{[]string{"thu 5", "thu nam", "t5"}, time.Thursday},
	{[]string{"thu 6", "thu sau", "t6"}, time.Friday},
	{[]string{"thu 7", "thu bay", "t7", "cuoi tuan"}, time.Saturday},
	{[]string{"chu nhat", "cn", "cuoi tuan"}, time.Sunday},
}

// askedDays are the dates a question about the office's hours names, the next of each
// weekday named (today when it is that day) and tomorrow for "mai", in the order of the
// week; none when it names no day (or only today).
func askedDays(text string, now time.Time) []time.Time {
	w := words(text)
	local := now.In(zalo.Vietnam)
	var days []time.Time
	if containsAny(w, []string{"ngay mai", "sang mai", "chieu mai", "mai co", "mai phuong", "mai cong an", "mai xa"}) {
		days = append(days, local.AddDate(0, 0, 1))
	}
	for _, d := range typedWeekdays {
		if containsAny(w, d.words) {
			ahead := (int(d.day) - int(local.Weekday()) + 7) % 7
			days = append(days, local.AddDate(0, 0, ahead))
		}
	}
	return days
}

func todayLine(t *Texts, o *Office, now time.Time) string {
	if len(o.Hours) == 0 {
		return ""
	}
	local := now.In(zalo.Vietnam)
	day := dayLabel(t, local)
	ivs := o.intervalsOn(local.Weekday())
	if len(ivs) == 0 {
		return fill(t.ClosedToday, "day", day)
	}
	tmpl := t.ClosedNow
	if o.openAt(now) {
		tmpl = t.OpenNow
	}
	return fill(tmpl, "day", day, "intervals", spans(ivs))
}

// haversineKm is the great-circle distance between two WGS84 points.
func haversineKm(lat1, lng1, lat2, lng2 float64) float64 {
	const earthKm = 6371.0
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLng := (lng2 - lng1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// formatDistance writes "850 m" or "1,2 km" (Vietnamese decimal comma).
func formatDistance(km float64) string {
	if km < 1 {
		return fmt.Sprintf("%d m", int(math.Round(km*1000/10)*10))
	}
	if km >= 100 {
		return fmt.Sprintf("%d km", int(math.Round(km)))
	}
	return strings.Replace(strconv.FormatFloat(km, 'f', 1, 64), ".", ",", 1) + " km"
}
