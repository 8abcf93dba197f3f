package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Question is a message the bot could not answer, as the questions page lists it: the
// text as recorded (folded, identifying numbers masked), how often and when last asked.
type Question struct {
	Text  string
	Count int64
	Last  time.Time
	// Chosen is the procedure code a citizen picked after saying the bot's card for this
	// message was wrong ("" when none): the likely answer.
	Chosen string
}

// Procedure is a procedure as the questions page offers it.
type Procedure struct {
	Code, Name, Field string
}

// QuestionsSource is what the questions page reads and changes; cmd/oabot adapts the
// statistics store, the catalogue and the example library to it.
type QuestionsSource interface {
	// Unanswered lists up to n of the account's unanswered questions, newest first.
	Unanswered(ctx context.Context, account string, n int) ([]Question, error)
	// Suggest lists up to n procedures a text may be about (the bot's candidates), best
	// first, within what the account handles.
	Suggest(account, text string, n int) []Procedure
	// Procedure finds a procedure by code.
	Procedure(code string) (Procedure, bool)
	// Lacks names the national procedure a text asks for when the office's catalogue
	// does not hold it (the bot told the citizen so); false when it is none.
	Lacks(account, text string) (Procedure, bool)
	// Teach stores the officer's decision as a labelled example (code "" = not this
	// office's business) and removes the question from the list.
	Teach(ctx context.Context, account string, by Officer, text, code string) error
	// Dismiss removes the question from the list without teaching anything.
	Dismiss(ctx context.Context, account, text string) error
}

// ErrInvalidExample is returned by Teach for a decision the example library refuses
// (shown to the officer, not logged as a failure).
var ErrInvalidExample = errors.New("console: invalid example")

// Questions is "Câu hỏi chưa trả lời được": the messages the bot could not answer, newest
// first, each with how often it was asked; an editor says which procedure it is (a search
// box over the catalogue, the bot's own guesses first) or that it is not the office's
// business, and the bot answers it — and messages like it — from then on.
type Questions struct {
	Source QuestionsSource
}

// questionsShown caps the list (the store keeps more; the newest matter).
const questionsShown = 100

// Routes registers the page.
func (q *Questions) Routes(r *Router) {
	r.Get("/questions", RoleViewer, q.list)
	r.Get("/questions/answer", RoleEditor, q.answerForm)
	r.Post("/questions/answer", RoleEditor, q.answer)
	r.Nav(NavQuestions, "/questions")
}

type questionsModel struct {
	Page
	Questions []questionItem
	CanAnswer bool
}

type questionItem struct {
	Question
	AnswerURL string     // under the console root
	Hint      *Procedure // the procedure the citizen picked (Question.Chosen), if known
}

func (q *Questions) list(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleViewer, acc.ID); err != nil {
		return err
	}
	qs, err := q.Source.Unanswered(r.Context(), acc.ID, questionsShown)
	if err != nil {
		return err
	}
	m := questionsModel{Page: s.Page("Câu hỏi chưa trả lời được"), CanAnswer: s.Can(RoleEditor, acc.ID)}
	for _, x := range qs {
		it := questionItem{Question: x, AnswerURL: answerURL(x.Text, x.Chosen)}
		if p, ok := q.Source.Procedure(x.Chosen); ok && x.Chosen != "" {
			it.Hint = &p
		}
		m.Questions = append(m.Questions, it)
	}
	return s.Render(w, http.StatusOK, "questions", &m)
}

type answerModel struct {
	Page
	Text       string // the question
	Find       string // what the officer searched for
	Hint       string // the code the citizen picked, offered first
	Candidates []Procedure
	Lacked     *Procedure // the procedure the question asks for, not in the catalogue
	Form       *Form
}

// maxQuestionRunes bounds the question carried in links and forms (the store keeps 100).
const maxQuestionRunes = 200

// answerForm shows one question with the procedures it may be about: the bot's guesses
// for the question itself, or for what the officer typed in the search box (a GET form,
// so it works without JavaScript).
func (q *Questions) answerForm(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleEditor, acc.ID); err != nil {
		return err
	}
	text := strings.TrimSpace(r.URL.Query().Get("q"))
	if text == "" || utf8.RuneCountInString(text) > maxQuestionRunes {
		return s.Redirect(w, "/questions")
	}
	find := strings.TrimSpace(r.URL.Query().Get("find"))
	if utf8.RuneCountInString(find) > maxQuestionRunes {
		find = string([]rune(find)[:maxQuestionRunes])
	}
	f := NewForm()
	f.Set("hint", r.URL.Query().Get("hint"))
	if find == "" {
		f.Set("code", f.Get("hint")) // the citizen's pick, chosen in advance
	}
	return q.renderAnswer(w, s, acc.ID, text, find, f, http.StatusOK)
}

func (q *Questions) renderAnswer(w http.ResponseWriter, s *Session, account, text, find string, f *Form, status int) error {
	search := find
	if search == "" {
		search = text
	}
	m := answerModel{Page: s.Page("Trả lời câu hỏi"), Text: text, Find: find, Form: f,
		Candidates: q.Source.Suggest(account, search, 8)}
	if p, ok := q.Source.Lacks(account, text); ok {
		m.Lacked = &p
	}
	if p, ok := q.Source.Procedure(f.Get("hint")); ok && f.Get("hint") != "" {
		m.Hint = p.Code
		m.Candidates = append([]Procedure{p}, slices.DeleteFunc(m.Candidates, func(c Procedure) bool { return c.Code == p.Code })...)
	}
	return s.Render(w, status, "answer", &m)
}

// answer stores the officer's decision: "this is procedure X", "not our business", or
// "dismiss" (remove it from the list without teaching).
func (q *Questions) answer(w http.ResponseWriter, r *http.Request, s *Session) error {
	acc := s.Account()
	if err := s.RequireRole(RoleEditor, acc.ID); err != nil {
		return err
	}
	f := ParseForm(r, "q", "find", "code", "action", "hint")
	text := f.Get("q")
	if text == "" || utf8.RuneCountInString(text) > maxQuestionRunes {
		return s.Redirect(w, "/questions")
	}
	ctx := r.Context()
	switch f.Get("action") {
	case "assign":
		p, ok := q.Source.Procedure(f.Get("code"))
		if !ok {
			f.Fail("code", "Vui lòng chọn một thủ tục trong danh sách.")
			return q.renderAnswer(w, s, acc.ID, text, f.Get("find"), f, http.StatusUnprocessableEntity)
		}
		if err := q.Source.Teach(ctx, acc.ID, s.Officer(), text, p.Code); err != nil {
			return q.teachFailed(w, s, acc.ID, text, f, err)
		}
		s.Flash(FlashOK, "Đã ghi nhận: “"+text+"” là thủ tục “"+p.Name+"”. Từ nay bot trả lời câu này và những câu tương tự bằng thủ tục đó.")
	case "not_ours":
		if err := q.Source.Teach(ctx, acc.ID, s.Officer(), text, ""); err != nil {
			return q.teachFailed(w, s, acc.ID, text, f, err)
		}
		s.Flash(FlashOK, "Đã ghi nhận: “"+text+"” không thuộc phạm vi của đơn vị. Bot sẽ không gợi ý thủ tục cho câu này nữa.")
	case "dismiss":
		if err := q.Source.Dismiss(ctx, acc.ID, text); err != nil {
			return err
		}
		s.Flash(FlashOK, "Đã bỏ câu hỏi “"+text+"” khỏi danh sách.")
	default:
		return s.Redirect(w, "/questions")
	}
	return s.Redirect(w, "/questions")
}

func (q *Questions) teachFailed(w http.ResponseWriter, s *Session, account, text string, f *Form, err error) error {
	if !errors.Is(err, ErrInvalidExample) {
		return err
	}
	f.FailForm("Không lưu được: " + strings.TrimPrefix(err.Error(), ErrInvalidExample.Error()+": "))
	return q.renderAnswer(w, s, account, text, f.Get("find"), f, http.StatusUnprocessableEntity)
}

// answerURL is the link from the list to a question's page, with the citizen's pick.
func answerURL(text, hint string) string {
	u := "/questions/answer?q=" + url.QueryEscape(text)
	if hint != "" {
		u += "&hint=" + url.QueryEscape(hint)
	}
	return u
}
