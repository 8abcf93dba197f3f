package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/bot/broadcast"
	"github.com/oabot/oabot/bot/console"
	"github.com/oabot/oabot/bot/examples"
	"github.com/oabot/oabot/bot/httpapi"
	"github.com/oabot/oabot/procedures"
)

// questionsSource is the console's questions page (console.Questions) on the statistics
// store (the unanswered questions), the catalogue (suggestions) and the example library
// (the officer's decisions), with each decision in the audit trail.
type questionsSource struct {
	stats    bot.UnansweredStore
	index    func() *procedures.Index
	examples *examples.Library
	audit    httpapi.Auditor // nil: not audited (no campaigns configured)
	log      *zap.Logger
	// scope is an account's scope: suggestions stay within what the office handles.
	scope func(account string) procedures.Scope
}

var _ console.QuestionsSource = (*questionsSource)(nil)

func (q *questionsSource) Unanswered(ctx context.Context, account string, n int) ([]console.Question, error) {
	list, err := q.stats.Unanswered(ctx, account, n)
	if err != nil {
		return nil, err
	}
	out := make([]console.Question, len(list))
	for i, u := range list {
		// The officer reads, and teaches, the question as typed (diacritics tell "mất"
		// from "mặt"); the store keeps it under its folded key (Drop).
		text := u.Typed
		if text == "" {
			text = u.Text
		}
		out[i] = console.Question{Text: text, Count: u.Count, Last: u.Last, Chosen: u.Chosen}
	}
	return out, nil
}

func (q *questionsSource) Suggest(account, text string, n int) []console.Procedure {
	sc := q.scope(account)
	var out []console.Procedure
	for _, r := range q.index().Candidates(text, 4*n) {
		if len(out) < n && sc.Contains(r) {
			out = append(out, consoleProcedure(r))
		}
	}
	return out
}

func (q *questionsSource) Lacks(account, text string) (console.Procedure, bool) {
	res := q.index().SearchIn(text, 5, q.examples.For(account), q.scope(account))
	if res.Elsewhere.Code == "" {
		return console.Procedure{}, false
	}
	return console.Procedure{Code: res.Elsewhere.Code, Name: res.Elsewhere.Name}, true
}

func (q *questionsSource) Procedure(code string) (console.Procedure, bool) {
	r, ok := q.index().Catalog().ByCode(code)
	if !ok {
		return console.Procedure{}, false
	}
	return consoleProcedure(r), true
}

func consoleProcedure(r *procedures.Record) console.Procedure {
	return console.Procedure{Code: r.Code, Name: r.Name, Field: r.Field}
}

// Teach stores the decision as the account's example and takes the question off the list.
func (q *questionsSource) Teach(ctx context.Context, account string, by console.Officer, text, code string) error {
	e, _, err := q.examples.Add(ctx, procedures.Example{Account: account, Query: text, Code: code, Source: "console", By: by.Name})
	q.record(ctx, by, "example.add", account, strings.TrimSpace(e.ID+" "+code), err)
	if errors.Is(err, examples.ErrInvalid) {
		return fmt.Errorf("%w: %s", console.ErrInvalidExample, strings.TrimPrefix(err.Error(), examples.ErrInvalid.Error()+": "))
	}
	if err != nil {
		return err
	}
	return q.drop(ctx, account, text)
}

func (q *questionsSource) Dismiss(ctx context.Context, account, text string) error {
	return q.drop(ctx, account, text)
}

// drop forgets a question shown as text (typed or folded) under its key.
func (q *questionsSource) drop(ctx context.Context, account, text string) error {
	return q.stats.DropUnanswered(ctx, account, bot.UnansweredKey(text))
}

// record writes an audit entry for a console decision: who, what, which example — never
// the citizen's words.
func (q *questionsSource) record(ctx context.Context, by console.Officer, action, account, target string, err error) {
	res := "ok"
	if errors.Is(err, examples.ErrInvalid) {
		res = "invalid"
	}
	auditConsole(ctx, q.audit, q.log, by, action, account, target, res, err)
}

// auditConsole writes an officer's console action to the audit trail (nil: not audited,
// no campaigns configured). result overrides "ok"/"error" when err is a refusal.
func auditConsole(ctx context.Context, audit httpapi.Auditor, log *zap.Logger, by console.Officer, action, account, target, result string, err error) {
	if audit == nil {
		return
	}
	if err != nil && result == "ok" {
		result = "error"
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	e := broadcast.AuditEntry{At: time.Now(), Officer: by.Name, Role: by.Role.String(), Action: action, Account: account,
		Target: target, Remote: "console", Result: result}
	if aerr := audit.Record(actx, e); aerr != nil {
		log.Error("audit entry lost", zap.String("action", action), zap.String("officer", by.Name), zap.Error(aerr))
	}
}
