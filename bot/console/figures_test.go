package console

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

type fakeFigures map[string]Figures

func (f fakeFigures) Figures(_ context.Context, account string, now time.Time) (Figures, error) {
	fig := f[account]
	if len(fig.Days) == 0 {
		for i := 29; i >= 0; i-- {
			fig.Days = append(fig.Days, DayCount{Day: now.AddDate(0, 0, -i).Format("2006-01-02")})
		}
	}
	return fig, nil
}

func TestHomeFigures(t *testing.T) {
	days := []DayCount{}
	for i := range 30 {
		days = append(days, DayCount{Day: time.Date(2025, 2, 9+i, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), Count: int64(i * 3)})
	}
	src := fakeFigures{"phuong-a": {Days: days, Follows: 1200, Unfollows: 7, Unanswered: 4,
		Procedures: []NamedCount{{Code: "1.004194", Name: "Đăng ký tạm trú", Count: 52}},
		Scans:      []NamedCount{{Code: "1.014061", Name: "Cấp thẻ căn cước", Count: 9}},
		Locations:  []NamedCount{{Name: "=cmd|' /C calc'!A0", Count: 2}}}}
	e := newEnv(t, "inmem", func(o *Options) { o.Figures = src })
	e.officer("minh", RoleViewer, "mật khẩu dài", "phuong-a", "xa-b")
	b := e.browser()
	b.signIn("minh", "mật khẩu dài")
	if !strings.Contains(b.body, `<rect class="bar bar-today"`) || !strings.Contains(b.body, "1.200") ||
		!strings.Contains(b.body, "Đăng ký tạm trú") || !strings.Contains(b.body, "87 tin nhắn hôm nay") && !strings.Contains(b.body, ">87</span>") {
		t.Fatalf("home without the figures:\n%s", b.body)
	}
	if n := strings.Count(b.body, `<rect class="bar`); n != 30 {
		t.Errorf("%d bars, want 30", n)
	}
	resp := b.get("/figures.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "so-lieu-phuong-a.csv") {
		t.Fatalf("csv = %d %v", resp.StatusCode, resp.Header)
	}
	for _, want := range []string{"\ufeffNgày,Tin nhắn\n", "2025-03-10,87\n", "Lượt quan tâm,1200\n", "1.004194,Đăng ký tạm trú,52\n",
		"'=cmd|' /C calc'!A0,2"} {
		if !strings.Contains(b.body, want) {
			t.Errorf("csv lacks %q:\n%s", want, b.body)
		}
	}
	// Another account, chosen in the switcher: its own (empty) figures.
	b.get("/")
	b.post("/account", map[string][]string{"account": {"xa-b"}, "next": {"/"}}, "page")
	b.get("/")
	if !strings.Contains(b.body, "Chưa có lượt xem nào.") || strings.Contains(b.body, "Đăng ký tạm trú") {
		t.Errorf("xa-b shows phuong-a's figures:\n%s", b.body)
	}
}
