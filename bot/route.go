package bot

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oabot/oabot/procedures"
)

// routeText answers a citizen's text, in the order: (1) deep links and our own
// payloads, (2) menu and greetings, (3) asking for a person, (4) a number answering the last
// list or "xem thêm", (5) follow-ups about the current procedure, then a crime told (how
// to report it), (6) office information, an aspect question naming no procedure (which
// one?), (7) search.
func (b *Bot) routeText(acc *account, conv Conversation, text string, now time.Time, p *plan) {
	t := &acc.texts
	text = strings.TrimSpace(text)
	if text == "" {
		p.route = "empty"
		p.say(reply{Text: t.NotUnderstood, Buttons: b.menuButtons(acc)})
		return
	}
	if dl, ok := parseDeepLink(text); ok {
		if conv.Feedback.Pending && dl.Code != "" {
			recordPick(conv, dl.Code, p) // a button of the "không phải" list
		} else {
			forgetCard(conv, p)
		}
		b.routeDeepLink(acc, dl, p)
		return
	}
	if isNotThis(text) {
		if conv.Feedback.Shown != "" && !conv.Feedback.Pending {
			b.notThis(acc, conv, p)
			return
		}
		// None of a list either (the other candidates already offered, or a search's
		// list), or nothing shown: ask for more words, or an officer. Searching "không
		// phải" found nothing and filled the officers' unanswered questions with it.
		p.route = "not_this_more"
		askForMore(t, p)
		return
	}
	switch detectIntent(text) {
	case intentMenu:
		p.route = "menu"
		p.say(b.menu(acc))
		return
	case intentHandoff:
		p.route = "handoff"
		b.handoff(acc, now, p)
		return
	case intentMore:
		p.route = "more"
		b.nextPage(acc, conv, p)
		return
	case intentThanks:
		p.route = "thanks"
		p.say(reply{Text: acc.texts.YouAreWelcome})
		return
	}
	if n, ok := pickNumber(text); ok {
		if len(conv.LastList) > 0 {
			p.route = "pick"
			b.pick(acc, conv, n, p)
			return
		}
		// No list on screen: a poster code typed without its "#" ("12"), of a procedure
		// this office does (its posters show no other).
		if r, ok := b.catalog.ByShortCode(strconv.Itoa(n)); ok && acc.Scope.Contains(r) {
			p.route = "short_code_number"
			b.show(acc, r, SectionCard, p)
			return
		}
		// Nothing to pick from: say what a number means here. Searched, it was "not
		// found", and the officers' unanswered questions filled with bare numbers.
		p.route = "number_no_list"
		_, code := b.typeExamples(acc)
		p.say(reply{Text: withCode(t.NumberNoList, code), Buttons: b.menuButtons(acc)})
		return
	}
	raw := b.find(acc, text, maxListed)
	found := inScope(acc, raw)
	// A labelled example said what the text is: the office's hours, or a person.
	switch found.Intent {
	case procedures.IntentOfficeHours:
		p.route = "office"
		p.say(officeInfo(acc, intentOfficeHours, now, askedDays(text, now)...))
		return
	case procedures.IntentTalkToOfficer:
		p.route = "handoff"
		b.handoff(acc, now, p)
		return
	}
	cur, onScreen := b.current(conv)
	if onScreen {
		if sec, ok := followUp(cur, text, raw, found); ok {
			p.route = "follow_up"
			b.show(acc, cur, sec, p)
			return
		}
	}
	// Whether something is needed, with a list on screen: about the list, as "cần giấy tờ
	// gì" is — which one, its documents answering. A paper ("e có cần mang hộ khẩu ko"
	// after the marital-status certificate and the marriage were listed: searched, its
	// words named a procedure the catalogue lacks), or anything the search only finds in
	// that list ("có cần mang xe đến không" after the vehicle procedures: a shorter list
	// of them, led by another).
	if !onScreen && len(conv.LastList) > 0 && asksWhether(text) && asksNeed(text) &&
		(namesPaper(raw.Said.Objects) || raw.Kind == FoundSeveral && allListed(raw.Hits, conv.LastList)) {
		b.askWhich(acc, conv, SectionDocs, p)
		return
	}
	// A theft, a fraud, a fight told: no procedure answers the crime itself, so say how to
	// report it — alone when the search found nothing, else before the list it was unsure
	// of (papers to make again after a theft are often what is asked too).
	if raw.unsure() && isIncident(text) {
		p.say(reply{Text: t.Incident, Buttons: []button{query(t.BtnOfficer, payloadOfficer), query(t.BtnMenu, payloadMenu)}})
		if raw.Kind == FoundNothing {
			p.route = "incident"
			return
		}
	}
	if off := askedOffice(text, raw); off != intentNone {
		p.route = "office"
		p.say(officeInfo(acc, off, now, askedDays(text, now)...))
		return
	}
	// An aspect question that names no procedure, with no card to follow up: "cần giấy
	// tờ gì" asks about a procedure the citizen has not named yet, or about one of the
	// list on screen. "Not found", or a list the search made of its words of talk, would
	// be the wrong answer; ask which one. (A message naming something the catalogue lacks,
	// "xe bị phạt nguội tra ở đâu", is not bare: it is not found.)
	if raw.Said.Bare && found.Aspect != SectionCard && raw.unsure() {
		b.askWhich(acc, conv, found.Aspect, p)
		return
	}
	// The same for whether it goes by post ("có gửi về nhà không" as a first message got a
	// list of vehicle and passport procedures sharing its words): asked which, its ways of
	// doing it are the part shown (followUp, after a card).
	if !onScreen && asksByPost(text) && !raw.Said.Named && raw.unsure() {
		b.askWhich(acc, conv, SectionFee, p)
		return
	}
	if onScreen && halfMatched(text, raw, cur) {
		b.notFoundAbout(acc, cur, text, p)
		return
	}
	b.answerSearch(acc, conv, text, found, now, p)
}

// allListed reports whether every hit is in the list on screen (codes).
func allListed(hits []*procedures.Record, list []string) bool {
	for _, h := range hits {
		if !slices.Contains(list, h.Code) {
			return false
		}
	}
	return len(hits) > 0
}

// halfMatched reports whether text, after cur's card, is a yes/no or what-if question
// the search only half matched (a list, raw: before the office's scope made a referral
// of it), naming nothing else or listing the card among its guesses ("chủ nhà có phải đi
// cùng không" after the temporary residence, "có cần bố đi cùng không" after a
// signature's certification, "chủ cũ ở tỉnh khác thì sao" after a vehicle's transfer):
// about the card, which no part answers for sure — its parts and an officer, not a list
// of guesses or a referral made of them.
func halfMatched(text string, raw Found, cur *procedures.Record) bool {
	return raw.Kind == FoundSeveral && (asksWhether(text) || asksWhatIf(text)) && raw.Aspect == SectionCard && !namesOther(raw, cur)
}

// askWhich answers an aspect question that names no procedure when there is no card to
// follow up: with a numbered list on screen, that list again, its buttons and a number
// typed next showing the part asked; else a request to name the procedure.
func (b *Bot) askWhich(acc *account, conv Conversation, s Section, p *plan) {
	t := &acc.texts
	recs := b.listed(conv)
	if len(recs) <= conv.Page*pageSize || len(recs) != len(conv.LastList) {
		p.route = "ask_which"
		p.say(reply{Text: t.AskWhich, Buttons: b.menuButtons(acc)})
		return
	}
	if len(recs) == 1 {
		// A list of one (this office's match after a referral, say): nothing to choose
		// from; its part is the answer.
		p.route = "list_which_one"
		b.show(acc, recs[0], s, p)
		return
	}
	p.route = "list_which"
	p.change(func(c *Conversation) { c.ListSection = int(s) })
	p.say(renderList(t, recs, conv.Page, s, t.ListWhich, t.ListFooter))
}

// followUp reports whether text asks about cur, the procedure on screen, and which
// part: an aspect question that names no other procedure ("cần giấy tờ gì", "nộp ở
// đâu"), or a yes/no question whether cur needs a paper ("có cần giấy khai sinh không",
// "có cần mang bản chính không", "có cần sổ hộ khẩu không": its documents, which answer
// it whether they name the paper or not), whatever the search made of that paper's
// words. Whether it needs an act ("có cần làm tạm trú không") is the search's question.
func followUp(cur *procedures.Record, text string, raw, found Found) (Section, bool) {
	if asksWhether(text) && asksNeed(text) && (cur.DocumentsMention(raw.Said.Objects) || namesPaper(raw.Said.Objects)) {
		return SectionDocs, true
	}
	// Whether a paper the card's documents name will do ("hợp đồng thuê trọ viết tay có
	// được ko" after the temporary residence, whose documents name "hợp đồng thuê nhà" and
	// whose requirements say it need not be notarised): its documents part, unless the
	// search is sure of another procedure. The paper's words matched a list of others, and
	// a referral was made of its first.
	if asksWhether(text) && namesPaper(raw.Said.Objects) && cur.DocumentsNamePhrase(paperHead(raw.Said.Objects)) &&
		!(raw.Kind == FoundOne && raw.Hits[0].Code != cur.Code) {
		return SectionDocs, true
	}
	// Whether the result can come home by post, or the file go by post ("có gửi về nhà
	// không", "nộp qua bưu điện được không"): its ways of doing it, each with its time and
	// fee, say so (no part of a procedure says more). It was "not found about the card".
	if asksByPost(text) && !namesOther(found, cur) {
		return SectionFee, true
	}
	if found.Aspect == SectionCard {
		return SectionCard, false
	}
	// A referral the office's scope made of a sure answer (or a question) about another
	// office's procedure names that procedure too: "làm hộ chiếu ở đâu" after a ward's
	// card is a new question, not the card's place.
	if namesOther(found, cur) || found.Kind == FoundReferral && namesOther(raw, cur) {
		return SectionCard, false
	}
	return found.Aspect, true
}

// namesOther reports whether a search points at procedures other than current: one
// confident hit, a clarifying question, or a list for a text that names what it asks
// about ("làm sổ hộ nghèo ở đâu", "hộ chiếu cần giấy tờ gì"), none of which includes
// current, or a procedure the catalogue lacks (Found.Lacked: "xin giấy phép xây nhà ở
// đâu"). A list for a bare aspect question ("nộp ở đâu", "vậy cần mang theo giấy tờ gì
// ạ") is noise and does not count.
func namesOther(f Found, current *procedures.Record) bool {
	isCurrent := func(r *procedures.Record) bool { return r.Code == current.Code }
	switch f.Kind {
	case FoundOne:
		return !isCurrent(f.Hits[0])
	case FoundClarify:
		return !slices.ContainsFunc(f.Options, isCurrent)
	case FoundSeveral:
		return f.Lacked.Code != "" || f.Said.Named && !slices.ContainsFunc(f.Hits, isCurrent)
	case FoundNothing:
		return f.Lacked.Code != ""
	}
	return false
}

// answerSearch is routing step 7.
func (b *Bot) answerSearch(acc *account, conv Conversation, text string, found Found, now time.Time, p *plan) {
	t := &acc.texts
	if found.Kind != FoundOne {
		forgetCard(conv, p)
	}
	switch found.Kind {
	case FoundOne:
		p.route = "search_one"
		b.showVariants(acc, found.Hits[0], found.Variants, found.Aspect, p)
		b.rememberCard(acc, conv, text, found.Hits[0], found.Others, now, p)
	case FoundSeveral:
		if found.Lacked.Code != "" {
			leaveCard(conv, p)
			b.notInCatalog(acc, text, found.Lacked, p)
			b.list(acc, found.Hits[:min(len(found.Hits), lackedAlsoListed)], found.Aspect, t.LackedAlso, t.ListFooter, p)
			return
		}
		p.route = "search_list"
		// A new question's list leaves the card; a list of guesses for one that names
		// nothing ("mang bản gốc theo hả" after a certification) keeps it.
		b.leaveCardFor(conv, found, p)
		b.list(acc, found.Hits, found.Aspect, "", t.ListFooter, p)
	case FoundReferral:
		p.route = "referral"
		p.stats.Referrals = 1
		leaveCard(conv, p)
		p.say(b.referral(acc, found.Referral, found.Guess))
		if len(found.Hits) > 0 { // a list the search was not sure of: this office's matches too
			b.list(acc, found.Hits, found.Aspect, fill(t.ReferralAlso, "office", acc.Name), t.ListFooter, p)
		} else {
			leaveList(conv, p)
		}
	case FoundClarify:
		p.route = "clarify"
		q := t.ClarifyDefault
		if topic := oneLine(found.Topic); topic != "" {
			q = fill(t.ClarifyTopic, "topic", truncate(topic, 100))
		}
		b.leaveCardFor(conv, found, p)
		b.list(acc, found.Options, found.Aspect, q, t.ClarifyFooter, p)
	default:
		if found.Lacked.Code != "" {
			leaveCard(conv, p)
			leaveList(conv, p)
			b.notInCatalog(acc, text, found.Lacked, p)
			return
		}
		if cur, ok := b.current(conv); ok {
			// Right after a card, what the bot cannot answer is most likely about that
			// card ("có phải thi lại không" after a licence's re-issue).
			b.notFoundAbout(acc, cur, text, p)
			return
		}
		p.route = "not_found"
		p.unanswered(text)
		p.say(reply{Text: t.NotFound, Buttons: menuAndOfficer(t)})
	}
}

// leaveCard forgets the card on screen when the answer is about something else — a list
// for a new question (namesOther), a referral, a procedure the catalogue lacks: a bare
// "lệ phí bao nhiêu" next is about what was answered last (the list is asked which), not
// the card shown before it.
func leaveCard(conv Conversation, p *plan) {
	if conv.Current != "" {
		p.change(func(c *Conversation) { c.Current = "" })
	}
}

// askedOffice is the question about the office text asks (detectOffice), unless the
// phrase that reads as one is part of a question about a procedure: "làm căn cước ở đâu
// vậy", "thay đổi địa chỉ trên thẻ căn cước", "đăng ký tạm trú mất mấy giờ", "điện
// thoại bị mất, khoá căn cước điện tử thế nào" all got the office's address and hours.
// The office's phrase decides when the rest of the message is talk (officeRest) or the
// search found nothing for it; a day asked ("thứ bảy phường có mở không") and where the
// office is ("công an phường mình nằm ở đường nào") are read by meaning and decide alone.
func askedOffice(text string, raw Found) intent {
	off, sure := officeIntent(text)
	if off == intentNone || sure || len(officeRest(text)) == 0 || raw.Kind == FoundNothing && raw.Lacked.Code == "" {
		return off
	}
	return intentNone
}

// leaveList forgets the list shown before an answer about something else that shows
// none (a referral, a procedure the catalogue lacks): a number typed next is not a pick
// from a list two answers up ("1" after "nuôi con nuôi" was named showed the land
// registration listed before it); it gets what a number means here.
func leaveList(conv Conversation, p *plan) {
	if len(conv.LastList) > 0 {
		p.change(func(c *Conversation) { c.LastList, c.Page, c.ListSection = nil, 0, 0 })
	}
}

// leaveCardFor leaves the card on screen when found, a list or a question, is about
// something else (namesOther).
func (b *Bot) leaveCardFor(conv Conversation, found Found, p *plan) {
	if cur, ok := b.current(conv); ok && namesOther(found, cur) {
		leaveCard(conv, p)
	}
}

// notFoundAbout answers what the bot cannot answer about cur, the card on screen: its
// parts, and an officer for the rest; text is recorded as unanswered.
func (b *Bot) notFoundAbout(acc *account, cur *procedures.Record, text string, p *plan) {
	t := &acc.texts
	p.route = "not_found"
	p.unanswered(text)
	p.say(reply{Text: fill(t.NotFoundAbout, "name", nameInText(cur.Name, maxHeadingNameRunes)),
		Buttons: append(partButtons(t, cur, maxButtons-1), query(t.BtnOfficer, payloadOfficer))})
}

// lackedAlsoListed: after naming a procedure the catalogue lacks, at most this many of
// what the search found besides are listed (the citizen may have meant one of them).
const lackedAlsoListed = 3

// notInCatalog names the procedure the catalogue lacks that text asks for (Found.Lacked),
// so the citizen knows what to look for on the portal or ask an officer about, and records
// text as unanswered, so the office sees what its catalogue lacks.
func (b *Bot) notInCatalog(acc *account, text string, l procedures.Elsewhere, p *plan) {
	t := &acc.texts
	p.route = "not_in_catalog"
	p.unanswered(text)
	p.say(reply{Text: fill(t.NotInCatalog, "procedure", nameInText(l.Name, maxHeadingNameRunes), "office", acc.Name),
		Buttons: menuAndOfficer(t)})
}

// routeDeepLink answers "#TTHC <code> [SECTION]", "#<short code>" and bare codes.
func (b *Bot) routeDeepLink(acc *account, dl deepLink, p *plan) {
	p.route = "deep_link"
	var r *procedures.Record
	var ok bool
	if dl.Code != "" {
		r, ok = b.catalog.ByCode(dl.Code)
	} else {
		r, ok = b.catalog.ByShortCode(dl.Short)
		if !ok {
			r, ok = b.catalog.ByCode(dl.Short)
		}
	}
	if !ok {
		code := dl.Code
		if code == "" {
			code = "#" + dl.Short
		}
		p.route = "unknown_code"
		p.say(reply{Text: fill(acc.texts.UnknownCode, "code", truncate(code, 20)), Buttons: b.menuButtons(acc)})
		return
	}
	b.show(acc, r, dl.Section, p)
	if dl.Section == SectionCard && !acc.Scope.Contains(r) {
		// A code is never narrowed to the office's scope (the citizen named the
		// procedure), but another office's card alone reads as this office's ("#12" at a
		// ward showed the police's ID card): who does it follows, as in a referral.
		p.say(b.referral(acc, r, false))
	}
}

// show sends the card or one section of r and makes r the current procedure.
func (b *Bot) show(acc *account, r *procedures.Record, s Section, p *plan) {
	b.showVariants(acc, r, nil, s, p)
}

// showVariants is show for a search hit: its card also names variants, the same
// procedure at other levels or agencies.
func (b *Bot) showVariants(acc *account, r *procedures.Record, variants []*procedures.Record, s Section, p *plan) {
	r = ownPlace(acc, b.localize(acc.ID, r))
	if s == SectionCard {
		p.say(renderCardVariants(&acc.texts, r, variants))
	} else {
		p.say(renderSection(&acc.texts, r, s)...)
	}
	code := r.Code
	p.change(func(c *Conversation) { c.Current = code })
	p.stats.Views = append(p.stats.Views, code)
}

// ownPlace is r with the office's main address as where to submit, when the record names
// no place (222 national records name neither an address nor an agency) and the office
// does it at its level: its scope holds the procedure, and either names the office's
// levels or the procedure is done at the commune level alone, where every ward office
// works. The card said "ask an officer" where the office answering is the place. A zero
// scope (every procedure) says nothing of whose procedure it is, and a field scope
// without levels does not say whether a province's procedure is done here: r stays as it
// is.
func ownPlace(acc *account, r *procedures.Record) *procedures.Record {
	if strings.TrimSpace(r.Where) != "" || strings.TrimSpace(r.Agency) != "" || len(acc.Offices) == 0 ||
		acc.Scope.Empty() || !acc.Scope.Contains(r) || len(acc.Scope.Levels) == 0 && !procedures.CommuneOnly(r) {
		return r
	}
	o := acc.Offices[0]
	if strings.TrimSpace(o.Address) == "" {
		return r
	}
	out := *r
	out.Where = fill(acc.texts.PlaceOffice, "office", oneLine(cmp.Or(o.Name, acc.Name)), "address", oneLine(o.Address))
	return &out
}

// localize is r as account tells it (its own address, times and fees), or r.
func (b *Bot) localize(account string, r *procedures.Record) *procedures.Record {
	if b.local == nil {
		return r
	}
	return b.local(account, r)
}

// list shows a numbered page of procedures and remembers them for "2" and "xem thêm".
func (b *Bot) list(acc *account, recs []*procedures.Record, s Section, intro, footer string, p *plan) {
	if len(recs) > maxListed {
		recs = recs[:maxListed]
	}
	codes := make([]string, len(recs))
	for i, r := range recs {
		codes[i] = r.Code
	}
	p.change(func(c *Conversation) { c.LastList, c.Page, c.ListSection = codes, 0, int(s) })
	p.say(renderList(&acc.texts, recs, 0, s, intro, footer))
}

// renderList renders page page of recs; a button shows its procedure's part s (the part
// the question asked, as a number typed does).
func renderList(t *Texts, recs []*procedures.Record, page int, s Section, intro, footer string) reply {
	if intro == "" {
		intro = t.ListIntro
		if len(recs) == 1 {
			intro = t.ListIntroOne
		}
	}
	lines := []string{intro}
	var bs []button
	from := page * pageSize
	for i := from; i < len(recs) && i < from+pageSize; i++ {
		n := strconv.Itoa(i - from + 1)
		name := oneLine(recs[i].Name)
		lines = append(lines, n+". "+truncate(name, 250)+" ("+recs[i].Code+")")
		bs = append(bs, query(n+". "+name, payloadFor(recs[i].Code, s)))
	}
	lines = append(lines, footer)
	if len(recs) > from+pageSize {
		lines = append(lines, t.ListMore)
	}
	return reply{Text: truncate(strings.Join(lines, "\n"), maxTextRunes), Buttons: bs}
}

// pick answers a number typed after a list.
func (b *Bot) pick(acc *account, conv Conversation, n int, p *plan) {
	from := conv.Page * pageSize
	onPage := min(pageSize, len(conv.LastList)-from)
	if onPage <= 0 || n > onPage {
		p.say(reply{Text: fill(acc.texts.PickNumber, "max", strconv.Itoa(max(onPage, 1)))})
		return
	}
	r, ok := b.catalog.ByCode(conv.LastList[from+n-1])
	recordPick(conv, conv.LastList[from+n-1], p)
	if !ok {
		// The catalogue was reloaded without this code since the list was shown.
		p.say(reply{Text: fill(acc.texts.UnknownCode, "code", conv.LastList[from+n-1]), Buttons: b.menuButtons(acc)})
		return
	}
	b.show(acc, r, Section(conv.ListSection), p)
}

// nextPage answers "xem thêm".
func (b *Bot) nextPage(acc *account, conv Conversation, p *plan) {
	next := conv.Page + 1
	if len(conv.LastList) <= next*pageSize {
		p.say(reply{Text: acc.texts.NoMoreItems, Buttons: b.menuButtons(acc)})
		return
	}
	recs := b.listed(conv)
	if len(recs) <= next*pageSize {
		p.say(reply{Text: acc.texts.NoMoreItems, Buttons: b.menuButtons(acc)})
		return
	}
	codes := make([]string, len(recs))
	for i, r := range recs {
		codes[i] = r.Code
	}
	p.change(func(c *Conversation) { c.LastList, c.Page = codes, next })
	p.say(renderList(&acc.texts, recs, next, Section(conv.ListSection), acc.texts.ListNext, acc.texts.ListFooter))
}

// current is the procedure on screen (the last card shown), if the catalogue holds it.
func (b *Bot) current(conv Conversation) (*procedures.Record, bool) {
	if conv.Current == "" {
		return nil, false
	}
	return b.catalog.ByCode(conv.Current)
}

// menuAndOfficer are the buttons of an answer that could not help: the menu and an officer.
func menuAndOfficer(t *Texts) []button {
	return []button{query(t.BtnMenu, payloadMenu), query(t.BtnOfficer, payloadOfficer)}
}

// listed is the records of the last list shown that the catalogue still holds.
func (b *Bot) listed(conv Conversation) []*procedures.Record {
	var recs []*procedures.Record
	for _, code := range conv.LastList {
		if r, ok := b.catalog.ByCode(code); ok {
			recs = append(recs, r)
		}
	}
	return recs
}

// handoff tells the citizen an officer will answer, and mutes the bot for the quiet time.
func (b *Bot) handoff(acc *account, now time.Time, p *plan) {
	t := &acc.texts
	line := t.HandoffNoPhone
	var bs []button
	if ph := acc.phone(); ph != "" {
		line = fill(t.HandoffPhone, "phone", ph)
		if digits := phoneDigits(ph); digits != "" {
			bs = append(bs, call(t.BtnCall, digits))
		}
	}
	p.say(reply{Text: signed(t, fill(t.Handoff, "phone_line", line)), Buttons: bs})
	until := now.Add(acc.quietTime())
	p.change(func(c *Conversation) {
		if until.After(c.MutedUntil) {
			c.MutedUntil = until
		}
	})
}

// welcome is the answer to follow: the account's welcome and up to five quick topics.
func (b *Bot) welcome(acc *account) reply {
	t := &acc.texts
	var bs []button
	for _, q := range acc.QuickTopics {
		if len(bs) == maxQuickTopics {
			break
		}
		if bt, ok := quickButton(q); ok {
			bs = append(bs, bt)
		}
	}
	if len(bs) == 0 {
		bs = b.menuButtons(acc)
	}
	examples, _ := b.typeExamples(acc)
	return reply{Text: signed(t, fill(t.Welcome, "office", acc.Name, "example", examples[0])), Buttons: bs}
}

// menu is the greeting with what the citizen can type, quick topics and the officer.
func (b *Bot) menu(acc *account) reply {
	t := &acc.texts
	examples, code := b.typeExamples(acc)
	text := fill(t.Greeting, "office", acc.Name) + "\n\n" + fill(withCode(t.MenuHelp, code), "examples", strings.Join(examples, ", "))
	return reply{Text: signed(t, text), Buttons: b.menuButtons(acc)}
}

// withCode fills {code} in tmpl with a poster code; with none (a catalogue without short
// codes), the parenthesis holding it goes, or else its line.
func withCode(tmpl, code string) string {
	if code != "" {
		return fill(tmpl, "code", code)
	}
	var kept []string
	for _, l := range strings.Split(tmpl, "\n") {
		at := strings.Index(l, "{code}")
		if at < 0 {
			kept = append(kept, l)
			continue
		}
		if open, end := strings.LastIndex(l[:at], "("), strings.Index(l[at:], ")"); open >= 0 && end >= 0 {
			kept = append(kept, strings.TrimRight(l[:open], " ")+l[at+end+1:])
		}
	}
	return strings.Join(kept, "\n")
}

// typeExamples are what the menu and the welcome suggest typing, taken from the office's
// own quick topics: two procedure names ("đăng ký khai sinh", quoted) and the poster code
// of the first. A ward's menu suggested "làm căn cước" and "#12", the police's.
func (b *Bot) typeExamples(acc *account) (examples []string, code string) {
	for _, q := range acc.QuickTopics {
		dl, ok := parseDeepLink(q.Payload)
		title := strings.TrimSpace(q.Title)
		if title == "" || !ok && strings.HasPrefix(strings.TrimSpace(q.Payload), "#") {
			continue // the office's hours, an officer, the menu
		}
		if len(examples) < 2 {
			r, size := utf8.DecodeRuneInString(title)
			examples = append(examples, `"`+string(unicode.ToLower(r))+title[size:]+`"`)
		}
		if code != "" || !ok {
			continue
		}
		r, found := b.catalog.ByCode(dl.Code)
		if dl.Code == "" {
			r, found = b.catalog.ByShortCode(dl.Short)
		}
		if found && r.ShortCode != "" && acc.Scope.Contains(r) {
			code = r.ShortCode
		}
	}
	if len(examples) == 0 {
		examples = []string{`"làm căn cước"`, `"đăng ký thường trú"`}
	}
	if code == "" {
		if r, ok := b.catalog.ByShortCode("12"); ok && acc.Scope.Contains(r) {
			code = r.ShortCode
		}
	}
	return examples, code
}

// menuButtons are up to four quick topics and "Gặp cán bộ".
func (b *Bot) menuButtons(acc *account) []button {
	var bs []button
	for _, q := range acc.QuickTopics {
		if len(bs) == maxButtons-1 {
			break
		}
		if bt, ok := quickButton(q); ok {
			bs = append(bs, bt)
		}
	}
	return append(bs, query(acc.texts.BtnOfficer, payloadOfficer))
}

func quickButton(q QuickTopic) (button, bool) {
	title, payload := strings.TrimSpace(q.Title), strings.TrimSpace(q.Payload)
	if payload == "" {
		payload = title
	}
	if title == "" {
		return button{}, false
	}
	return query(title, payload), true
}

// signed appends the account's signature, if any.
func signed(t *Texts, text string) string {
	if s := strings.TrimSpace(t.Signature); s != "" {
		return text + "\n\n" + s
	}
	return text
}

// phoneDigits keeps the digits (and a leading +) of a phone number written for people,
// e.g. "0283 829 7343" → "02838297343", for an oa.open.phone button.
func phoneDigits(s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		if r >= '0' && r <= '9' || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
