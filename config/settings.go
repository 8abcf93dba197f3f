package config

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Settings are the parts of an account an office may change itself, in the console, without
// an engineer: what citizens read. Identity, secrets, scope and QR stay in the file.
type Settings struct {
	Welcome     string       `json:"welcome,omitempty"`
	QuickTopics []QuickTopic `json:"quick_topics,omitempty"`
	Offices     []Office     `json:"offices,omitempty"`
	Hours       string       `json:"hours,omitempty"`
	Notice      Notice       `json:"notice"`
	Signature   string       `json:"signature,omitempty"`
}

// Settings returns a's office settings.
func (a Account) Settings() Settings {
	return Settings{Welcome: a.Welcome, QuickTopics: a.QuickTopics, Offices: a.Offices, Hours: a.Hours,
		Notice: a.Notice, Signature: a.Signature}
}

// WithSettings returns a with its office settings replaced by s.
func (a Account) WithSettings(s Settings) Account {
	a.Welcome, a.QuickTopics, a.Offices, a.Hours, a.Notice, a.Signature = s.Welcome, s.QuickTopics, s.Offices, s.Hours, s.Notice, s.Signature
	return a
}

// Bounds of office settings: a Zalo text is at most 2,000 characters and a message holds
// at most 5 buttons (zalo-oa.md §2.3–2.4).
const (
	MaxSettingsText   = 2000
	MaxQuickTopics    = 5
	MaxOffices        = 20
	MaxTopicTitle     = 35
	MaxShortSetting   = 300
	maxOfficeTextRune = 300
)

// ValidateSettings lists every problem of s with its field path under prefix (e.g.
// "accounts[0]."): the config file and the console check settings with this one function.
func ValidateSettings(prefix string, s Settings) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, prefix+fmt.Sprintf(format, args...)) }
	long := func(field, v string, max int) {
		if n := utf8.RuneCountInString(v); n > max {
			add("%s: %d characters, at most %d", field, n, max)
		}
	}
	long("welcome", s.Welcome, MaxSettingsText)
	long("hours", s.Hours, MaxShortSetting)
	long("signature", s.Signature, MaxShortSetting)
	long("notice.text", s.Notice.Text, MaxSettingsText)
	if len(s.QuickTopics) > MaxQuickTopics {
		add("quick_topics: %d topics, at most %d (a Zalo message holds 5 buttons)", len(s.QuickTopics), MaxQuickTopics)
	}
	for j, t := range s.QuickTopics {
		if strings.TrimSpace(t.Title) == "" || strings.TrimSpace(t.Payload) == "" {
			add("quick_topics[%d]: title and payload are required", j)
		}
		long(fmt.Sprintf("quick_topics[%d].title", j), t.Title, MaxTopicTitle)
		long(fmt.Sprintf("quick_topics[%d].payload", j), t.Payload, MaxShortSetting)
	}
	if len(s.Offices) > MaxOffices {
		add("offices: %d offices, at most %d", len(s.Offices), MaxOffices)
	}
	for j, o := range s.Offices {
		if o.Name == "" || o.Address == "" {
			add("offices[%d]: name and address are required", j)
		}
		if o.Lat < -90 || o.Lat > 90 || o.Lng < -180 || o.Lng > 180 {
			add("offices[%d]: lat/lng out of range", j)
		}
		for _, f := range []struct{ name, v string }{{"name", o.Name}, {"address", o.Address}, {"hours", o.Hours}, {"phone", o.Phone}} {
			long(fmt.Sprintf("offices[%d].%s", j, f.name), f.v, maxOfficeTextRune)
		}
	}
	if !s.Notice.Start.IsZero() && !s.Notice.End.IsZero() && !s.Notice.End.After(s.Notice.Start) {
		add("notice.end: must be after notice.start")
	}
	return problems
}
