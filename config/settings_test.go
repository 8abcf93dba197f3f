package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateSettings(t *testing.T) {
	ok := Settings{Welcome: "Chào bạn", QuickTopics: []QuickTopic{{Title: "Làm căn cước", Payload: "lam can cuoc"}},
		Offices: []Office{{Name: "Công an phường", Address: "1 Đường A", Lat: 10.7, Lng: 106.6}}}
	if p := ValidateSettings("x.", ok); len(p) != 0 {
		t.Fatalf("valid settings: %v", p)
	}
	day := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	bad := Settings{
		Welcome:     strings.Repeat("a", MaxSettingsText+1),
		QuickTopics: []QuickTopic{{Title: strings.Repeat("t", 36), Payload: "p"}, {Title: "", Payload: "p"}, {Title: "1", Payload: "1"}, {Title: "2", Payload: "2"}, {Title: "3", Payload: "3"}, {Title: "4", Payload: "4"}},
		Offices:     []Office{{Name: "A", Address: "", Lat: 91}},
		Notice:      Notice{Text: "nghỉ lễ", Start: day, End: day},
	}
	got := strings.Join(ValidateSettings("accounts[0].", bad), "\n")
	for _, want := range []string{"accounts[0].welcome: 2001 characters", "accounts[0].quick_topics: 6 topics, at most 5",
		"accounts[0].quick_topics[0].title: 36 characters, at most 35", "accounts[0].quick_topics[1]: title and payload are required",
		"accounts[0].offices[0]: name and address are required", "accounts[0].offices[0]: lat/lng out of range",
		"accounts[0].notice.end: must be after notice.start"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
}
