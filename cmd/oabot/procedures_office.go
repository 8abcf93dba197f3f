package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/oabot/oabot/bot"
	"github.com/oabot/oabot/config"
	"github.com/oabot/oabot/procedures"
)

// officeOutcome counts how one office's bot (its scope) answers labelled messages: those
// about its own procedures, and those about another office's, which should be referred.
type officeOutcome struct {
	Office string `json:"office"`
	// Own: messages whose procedure the office handles; OwnFirst: that procedure is the
	// card or first in the list; OwnReferred: sent elsewhere by mistake, OwnListed among
	// them: the procedure is in the list that follows the referral; OwnShown: the procedure
	// is anywhere in what the bot shows (the card, the list of up to five, the question's
	// options, the list after a referral) — issue 16's "top 5" in an office's scope.
	Own, OwnFirst, OwnReferred, OwnListed, OwnShown int
	// Other: messages whose procedure is another office's; Referred: a referral naming a
	// procedure outside the office (the right answer), ReferredListed among them: followed
	// by a list of this office's procedures (which nobody asked for); WrongCard: a card of
	// this office's (it implies the office does it); List and Nothing: the rest.
	Other, Referred, ReferredListed, WrongCard, List, Nothing int
	// Misses: the own messages whose procedure was not first, with what came instead.
	Misses []officeMiss `json:"misses,omitempty"`
}

// officeMiss is one own message the office's bot did not answer with its procedure first.
type officeMiss struct {
	Query  string   `json:"query"`
	Expect []string `json:"expect"`
	Kind   string   `json:"kind"` // how the bot answered: card, list, question, referral, nothing
	Got    []string `json:"got"`  // the codes it showed, in order (a referral's first)
}

func pct(n, d int) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(n)/float64(d))
}

func (o officeOutcome) text() string {
	return fmt.Sprintf("office %s\n  own procedures:   %d messages, right procedure first %s, referred by mistake %s (listed after the referral %s), shown at all %s\n"+
		"  another office's: %d messages, referral %s, card of this office %s, list %s, nothing %s; this office's list after the referral %s\n",
		o.Office, o.Own, pct(o.OwnFirst, o.Own), pct(o.OwnReferred, o.Own), pct(o.OwnListed, o.Own), pct(o.OwnShown, o.Own),
		o.Other, pct(o.Referred, o.Other), pct(o.WrongCard, o.Other), pct(o.List, o.Other), pct(o.Nothing, o.Other), pct(o.ReferredListed, o.Other)) +
		o.missLines()
}

// missLines lists the misses like `procedures eval` does ("  miss: " lines), so that a
// sealed set's misses can be filtered out unread in the same way.
func (o officeOutcome) missLines() string {
	var b strings.Builder
	for _, m := range o.Misses {
		fmt.Fprintf(&b, "  miss: %q expect %v %s %v\n", m.Query, m.Expect, m.Kind, m.Got)
	}
	return b.String()
}

// shown names how f answers and the codes it shows, in order.
func shown(f bot.Found) (string, []string) {
	var codes []string
	add := func(rs ...*procedures.Record) {
		for _, r := range rs {
			if r != nil {
				codes = append(codes, r.Code)
			}
		}
	}
	switch f.Kind {
	case bot.FoundOne:
		add(f.Hits...)
		return "card", codes
	case bot.FoundSeveral:
		add(f.Hits...)
		return "list", codes
	case bot.FoundClarify:
		add(f.Options...)
		return "question", codes
	case bot.FoundReferral:
		add(f.Referral)
		add(f.Hits...)
		return "referral", codes
	}
	return "nothing", nil
}

// evalOffice runs the labelled queries through the bot's search narrowed to the scope of
// account id (from the config file, or the demo's accounts), as the bot answers them.
func evalOffice(cfgPath, id string, c *procedures.Catalog, ix *procedures.Index, ex procedures.AccountExamples, qs []procedures.EvalQuery, w io.Writer) error {
	cfg := config.Demo()
	if cfgPath != "" {
		var err error
		if cfg, err = config.Load(os.Getenv, cfgPath); err != nil {
			return err
		}
	}
	var acc *config.Account
	for i := range cfg.Accounts {
		if cfg.Accounts[i].ID == id {
			acc = &cfg.Accounts[i]
		}
	}
	if acc == nil {
		return fmt.Errorf("--office: no account %q in the configuration", id)
	}
	scope := scopeOf(*acc)
	if scope.Empty() {
		return fmt.Errorf("--office: account %q has no scope (it handles every procedure)", id)
	}
	search := bot.IndexSearcher(func() *procedures.Index { return ix }, func(string) procedures.AccountExamples { return ex }, nil)
	out := officeOutcome{Office: id}
	for _, q := range qs {
		var want *procedures.Record
		for _, code := range q.Expect {
			if r, ok := c.ByCode(code); ok {
				want = r
				break
			}
		}
		if want == nil {
			continue // out of every office's business, or not in this catalogue
		}
		f := bot.NarrowToScope(scope, search.(bot.ScopedSearcher).FindIn(id, q.Query, 5, scope))
		if scope.Contains(want) {
			out.Own++
			expected := func(code string) bool { return slices.Contains(q.Expect, code) }
			kind, got := shown(f)
			if slices.ContainsFunc(got, expected) {
				out.OwnShown++
			}
			switch {
			case f.Kind == bot.FoundReferral:
				out.OwnReferred++
				if slices.ContainsFunc(f.Hits, func(r *procedures.Record) bool { return expected(r.Code) }) {
					out.OwnListed++
				}
			case len(f.Hits) > 0 && expected(f.Hits[0].Code),
				f.Kind == bot.FoundClarify && len(f.Options) > 0 && expected(f.Options[0].Code):
				out.OwnFirst++
				continue
			}
			out.Misses = append(out.Misses, officeMiss{Query: q.Query, Expect: q.Expect, Kind: kind, Got: got})
			continue
		}
		out.Other++
		switch f.Kind {
		case bot.FoundReferral:
			out.Referred++
			if len(f.Hits) > 0 {
				out.ReferredListed++
			}
		case bot.FoundOne:
			out.WrongCard++
		case bot.FoundSeveral, bot.FoundClarify:
			out.List++
		default:
			out.Nothing++
		}
	}
	_, err := io.WriteString(w, out.text())
	return err
}
