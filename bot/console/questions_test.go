package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeQuestions is the questions page's source in memory, recording what was taught.
type fakeQuestions struct {
	mu     sync.Mutex
	list   map[string][]Question // account → newest first
	taught []string              // "account|officer|text|code"
}

var testProcedures = []Procedure{
	{Code: "1.004873", Name: "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân", Field: "Hộ tịch"},
	{Code: "1.000894", Name: "Thủ tục đăng ký kết hôn", Field: "Hộ tịch"},
}

func (f *fakeQuestions) Unanswered(_ context.Context, account string, n int) ([]Question, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.list[account]
	return append([]Question(nil), l[:min(n, len(l))]...), nil
}

func (f *fakeQuestions) Suggest(_, text string, n int) []Procedure {
	if strings.Contains(text, "ca koi") {
		return nil
	}
	return testProcedures[:min(n, len(testProcedures))]
}

func (f *fakeQuestions) Lacks(_, text string) (Procedure, bool) {
	if strings.Contains(text, "xay nha") {
		return Procedure{Code: "1.013225", Name: "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ"}, true
	}
	return Procedure{}, false
}

func (f *fakeQuestions) Procedure(code string) (Procedure, bool) {
	for _, p := range testProcedures {
		if p.Code == code {
			return p, true
		}
	}
	return Procedure{}, false
}

func (f *fakeQuestions) Teach(_ context.Context, account string, by Officer, text, code string) error {
	if strings.Contains(text, "invalid") {
		return fmt.Errorf("%w: query: too short", ErrInvalidExample)
	}
	f.mu.Lock()
	f.taught = append(f.taught, account+"|"+by.Name+"|"+text+"|"+code)
	f.mu.Unlock()
	return f.Dismiss(context.Background(), account, text)
}

func (f *fakeQuestions) Dismiss(_ context.Context, account, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var keep []Question
	for _, q := range f.list[account] {
		if q.Text != text {
			keep = append(keep, q)
		}
	}
	f.list[account] = keep
	return nil
}

func questionsEnv(t *testing.T) (*env, *fakeQuestions) {
	at := time.Date(2025, 3, 10, 9, 30, 0, 0, time.UTC)
	src := &fakeQuestions{list: map[string][]Question{
		"phuong-a": {{Text: "xin to giay con son", Count: 3, Last: at}, {Text: "cho hoi cach nuoi ca koi", Count: 1, Last: at.Add(-time.Hour)}, {Text: "invalid one", Count: 1, Last: at}},
		"xa-b":     {{Text: "cau hoi cua xa b", Count: 1, Last: at}},
	}}
	e := newEnv(t, "inmem", func(o *Options) { o.Sections = []Section{&Questions{Source: src}} })
	e.officer("lan", RoleEditor, "mật khẩu dài", "phuong-a")
	e.officer("minh", RoleViewer, "mật khẩu dài", "phuong-a", "xa-b")
	return e, src
}

func TestQuestionsViewerReadsOnly(t *testing.T) {
	e, _ := questionsEnv(t)
	b := e.browser()
	b.signIn("minh", "mật khẩu dài")
	if resp := b.get("/questions"); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "“xin to giay con son”") ||
		!strings.Contains(b.body, "Hỏi 3 lần") || strings.Contains(b.body, "/questions/answer") {
		t.Fatalf("viewer's list = %d:\n%s", resp.StatusCode, b.body)
	}
	if resp := b.get("/questions/answer?q=xin+to+giay+con+son"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer opens the answer page: %d, want 403", resp.StatusCode)
	}
	b.get("/questions")
	if resp := b.post("/questions/answer", url.Values{"q": {"xin to giay con son"}, "action": {"not_ours"}}, "page"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer answers: %d, want 403", resp.StatusCode)
	}
}

func TestQuestionsEditorAnswers(t *testing.T) {
	e, src := questionsEnv(t)
	b := e.browser()
	b.signIn("lan", "mật khẩu dài")
	if resp := b.get("/questions"); resp.StatusCode != http.StatusOK || strings.Contains(b.body, "cau hoi cua xa b") {
		t.Fatalf("list = %d; another account's question shown: %v", resp.StatusCode, strings.Contains(b.body, "cau hoi cua xa b"))
	}
	if resp := b.get("/questions/answer?q=" + url.QueryEscape("xin to giay con son")); resp.StatusCode != http.StatusOK ||
		!strings.Contains(b.body, "tình trạng hôn nhân") || !strings.Contains(b.body, `value="1.004873"`) {
		t.Fatalf("answer page = %d:\n%s", resp.StatusCode, b.body)
	}
	// Without the CSRF token: refused, nothing taught.
	if resp := b.post("/questions/answer", url.Values{"q": {"xin to giay con son"}, "code": {"1.004873"}, "action": {"assign"}}, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without CSRF = %d, want 403", resp.StatusCode)
	}
	// No procedure chosen, or one not offered: 422 with the message, the page kept.
	for _, code := range []string{"", "9.999999"} {
		b.get("/questions/answer?q=" + url.QueryEscape("xin to giay con son"))
		if resp := b.post("/questions/answer", url.Values{"q": {"xin to giay con son"}, "code": {code}, "action": {"assign"}}, "page"); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(b.body, "Vui lòng chọn một thủ tục") {
			t.Errorf("assign %q = %d", code, resp.StatusCode)
		}
	}
	b.get("/questions/answer?q=" + url.QueryEscape("xin to giay con son"))
	resp := b.post("/questions/answer", url.Values{"q": {"xin to giay con son"}, "code": {"1.004873"}, "action": {"assign"}}, "page")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/questions" {
		t.Fatalf("assign = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.get("/questions")
	if !strings.Contains(b.body, "là thủ tục “Thủ tục cấp Giấy xác nhận tình trạng hôn nhân”") || strings.Contains(b.body, `class="question-text">“xin to giay con son”`) {
		t.Errorf("after assigning: flash missing or question still listed:\n%s", b.body)
	}
	// Not ours; then dismiss.
	b.post("/questions/answer", url.Values{"q": {"cho hoi cach nuoi ca koi"}, "action": {"not_ours"}}, "page")
	b.get("/questions")
	if !strings.Contains(b.body, "không thuộc phạm vi") {
		t.Errorf("not ours: no flash:\n%s", b.body)
	}
	// A refusal of the library is shown on the page, not as a failure.
	b.get("/questions/answer?q=invalid+one")
	if resp := b.post("/questions/answer", url.Values{"q": {"invalid one"}, "action": {"not_ours"}}, "page"); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(b.body, "Không lưu được: query: too short") {
		t.Errorf("invalid = %d:\n%s", resp.StatusCode, b.body)
	}
	want := []string{"phuong-a|lan|xin to giay con son|1.004873", "phuong-a|lan|cho hoi cach nuoi ca koi|"}
	if strings.Join(src.taught, "\n") != strings.Join(want, "\n") {
		t.Errorf("taught %q, want %q", src.taught, want)
	}
}

// A question about a procedure the catalogue lacks names it on its answer page, with what
// the office can do; other questions show no such notice.
func TestQuestionsNameALackedProcedure(t *testing.T) {
	e, src := questionsEnv(t)
	src.list["phuong-a"] = append(src.list["phuong-a"], Question{Text: "xin phep xay nha o dau", Count: 2, Last: time.Now()})
	b := e.browser()
	b.signIn("lan", "mật khẩu dài")
	if resp := b.get("/questions/answer?q=" + url.QueryEscape("xin phep xay nha o dau")); resp.StatusCode != http.StatusOK ||
		!strings.Contains(b.body, "Thủ tục chưa có trong danh mục") || !strings.Contains(b.body, "“Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ”") {
		t.Fatalf("answer page of a lacked procedure = %d:\n%s", resp.StatusCode, b.body)
	}
	if b.get("/questions/answer?q=" + url.QueryEscape("xin to giay con son")); strings.Contains(b.body, "Thủ tục chưa có trong danh mục") {
		t.Errorf("a question the catalogue answers shows the lacked notice:\n%s", b.body)
	}
}
