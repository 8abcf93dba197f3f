package procedures

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// lexiconPhrasings are citizen messages written for each family of lexicon.yaml (general
// phrasings, not taken from the evaluation sets), with the built-in procedures one of
// which must come first.
var lexiconPhrasings = map[string][]struct {
	query string
	want  []string
}{
	"documents": {
		{"giấy hôn thú làm ở đâu", []string{"1.000894"}},
		{"xin cà vẹt xe bị mất", []string{"1.013082", "1.013080"}},
		{"làm giấy chủ quyền nhà lần đầu", []string{"1.013978"}},
		{"chúc thư có cần chứng thực không", []string{"2.001019"}},
		{"mất bằng lái xe", []string{"3.000348"}},
		{"xin giấy độc thân", []string{"1.004873"}},
	},
	"acts": {
		{"nhập khẩu cho con vào nhà ngoại", []string{"1.004222"}},
		{"cắt hộ khẩu cho con", []string{"1.003197"}},
		{"bà mất rồi, cắt tên bà ra khỏi hộ khẩu", []string{"1.003197"}},
		{"bấm biển xe mới mua", []string{"1.013067", "1.012575"}},
		{"báo vắng khi đi làm xa", []string{"1.003677"}},
		{"công chứng chữ ký giấy ủy quyền", []string{"2.000884"}},
		{"làm giấy ủy quyền cho con đi bán đất", []string{"2.000884"}},
		{"viết di chúc xong cần làm gì", []string{"2.001019"}},
		{"tách khẩu ra ở riêng", []string{"1.010038"}},
		{"đăng bộ nhà đất", []string{"1.013831"}},
		{"đăng ký tạm trú rồi giờ muốn kéo dài thời hạn", []string{"1.002755"}},
	},
	"life-events": {
		{"vợ mới sinh em bé", []string{"1.001193"}},
		{"ông nội tôi vừa từ trần", []string{"1.000656"}},
		{"hai đứa muốn lấy nhau", []string{"1.000894"}},
		{"mở quán cà phê nhỏ", []string{"1.001612"}},
		{"con đi học xa thuê phòng trọ", []string{"1.004194"}},
		{"bố nhận con ngoài giá thú", []string{"1.001022"}},
		{"nhà có khách ở lại qua đêm", []string{"2.001159"}},
		{"người thân đến ở vài hôm", []string{"2.001159"}},
	},
	"unmarried-parents": {
		{"bố mẹ chưa cưới, bố muốn nhận con thì làm sao", []string{"1.001022"}},
		{"sinh bé khi chưa kết hôn, giờ chồng muốn nhận con", []string{"1.001022"}},
		{"đẻ con khi chưa cưới, giờ bố nó muốn nhận", []string{"1.001022"}},
	},
	"person-names": {
		{"muốn đổi tên cho con sang tên khác", []string{"1.004859"}},
		{"sửa tên con trong khai sinh sang tên khác", []string{"1.004859"}},
		{"đổi tên cho bé qua tên mới", []string{"1.004859"}},
	},
	"states": {
		{"thẻ căn cước bị mất", []string{"1.014064"}},
		{"căn cước bị gãy", []string{"1.014063"}},
		{"giấy khai sinh ghi sai ngày sinh", []string{"1.004859"}},
		{"tìm thấy hộ chiếu đã báo mất", []string{"1.010384"}},
		{"bằng lái hết hạn", []string{"3.000347"}},
		{"tạm trú sắp hết hạn", []string{"1.002755"}},
		{"căn cước nát rồi", []string{"1.014063"}},
		{"xe đổi chủ", []string{"1.013076"}},
	},
	"regional": {
		{"làm giấy khai sanh cho con", []string{"1.001193"}},
		{"mần căn cước ở đâu", []string{"1.014061"}},
		{"xin cấp bảng số", []string{"1.013067", "1.012575"}},
		{"chừ mần căn cước ở đâu", []string{"1.014061"}},
		{"đăng ký tạm trú làm răng", []string{"1.004194"}},
		{"nhập khẩu dzô nhà chồng", []string{"1.004222"}},
	},
	"chat": {
		{"dk tam tru ntn", []string{"1.004194"}},
		{"lam cccd lan dau can j", []string{"1.014061"}},
		{"đk kết hôn vs ck cần j", []string{"1.000894"}},
	},
	"old-names": {
		{"làm chứng minh thư", []string{"1.014061"}},
		{"đổi căn cước công dân sang thẻ mới", []string{"1.014063"}},
		{"đăng ký kt3", []string{"1.004194"}},
		{"làm sổ tạm trú", []string{"1.004194"}},
	},
	"abbreviations": {
		{"cấp lại gplx", []string{"3.000348"}},
		{"rút bhxh 1 lần", []string{"1.001613"}},
		{"lltp số 2", []string{"3.000333"}},
		{"đăng ký hkd", []string{"1.001612"}},
	},
	"things": {
		{"đăng ký xe honda mới mua", []string{"1.013067", "1.012575"}},
		{"đăng ký oto", []string{"1.013067", "1.012575"}},
		{"sang tên xe tay ga", []string{"1.013076"}},
		{"làm căn cước cho trẻ nhỏ", []string{"1.014062"}},
	},
}

// phraseSeqs returns the folded word sequences of a catalogue's names, with the
// expansions of the abbreviations they use ("TNLĐ").
func phraseSeqs(c *Catalog, syn *Synonyms) [][]string {
	var out [][]string
	for _, r := range c.All() {
		var seq []string
		for _, t := range tokenize(Normalize(r.Name)) {
			seq = append(seq, t.folded)
		}
		out = append(out, seq)
		for _, exp := range syn.expandAcronyms(r.Name) {
			var e []string
			for _, t := range exp {
				e = append(e, t.folded)
			}
			out = append(out, e)
		}
	}
	return out
}

// grammarWords returns the folded words of synonyms.yaml's grammar sections.
func grammarWords(t *testing.T) map[string]bool {
	t.Helper()
	var f synonymsFile
	if err := yaml.Unmarshal(defaultSynonymsYAML, &f); err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	add := func(list []string) {
		for _, p := range list {
			for _, w := range foldedWords(strings.ReplaceAll(p, "|", " ")) {
				words[w] = true
			}
		}
	}
	add(f.Stopwords)
	add(f.Context)
	add(f.Verbs)
	add(f.NotVerbs)
	add(f.Actions)
	add(f.Qualifiers)
	add(f.Replace[""])
	for _, ps := range f.Aspects {
		add(ps)
	}
	return words
}

// targetFound reports whether a lexicon target is a catalogue term: each of its parts
// (a comma separates the terms of one target: "căn cước, chứng minh nhân dân") occurs in
// a name; for a grammar family, its words may be grammar words instead; a respelling may
// also give the phrase of a rule (it respells "cất nhà" to "xây nhà" for the rules on
// "xây nhà").
func targetFound(to string, names [][]string, grammar map[string]bool, grammarOK, spell bool, rules map[string]bool) bool {
	if spell && rules[phraseKey(to)] {
		return true
	}
	for _, part := range strings.Split(to, ",") {
		seq := foldedWords(part)
		if slices.ContainsFunc(names, func(s []string) bool { return containsSeq(s, seq) }) {
			continue
		}
		if grammarOK && !slices.ContainsFunc(seq, func(w string) bool { return !grammar[w] }) {
			continue
		}
		return false
	}
	return true
}

// rulePhraseSet returns the phrases the replace and expand rules of synonyms.yaml and
// the lexicon rewrite (normalised).
func rulePhraseSet(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	var f synonymsFile
	if err := yaml.Unmarshal(defaultSynonymsYAML, &f); err != nil {
		t.Fatal(err)
	}
	add := func(m map[string][]string) {
		for _, froms := range m {
			for _, from := range froms {
				out[phraseKey(from)] = true
			}
		}
	}
	add(f.Replace)
	add(f.Expand)
	for _, fam := range lexiconFamilies(t) {
		add(fam.Replace)
		add(fam.Expand)
	}
	return out
}

// nationalCatalogue returns the imported portal crawl, or nil (with a message) when the
// shared data is absent.
func nationalCatalogue(t *testing.T) *Catalog {
	t.Helper()
	if _, err := os.Stat(realDataPath); os.IsNotExist(err) {
		t.Logf("national catalogue not present (%s): checked against the built-in catalogue only", realDataPath)
		return nil
	}
	if raceEnabled {
		t.Log("national catalogue not searched under -race: checked against the built-in catalogue only (make test's second pass checks them)")
		return nil
	}
	return realCatalog(t)
}

func lexiconFamilies(t *testing.T) []lexiconFamily {
	t.Helper()
	fams, err := parseLexicon(defaultLexiconYAML)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// targets returns a family's catalogue terms (left sides), by mode.
func (f lexiconFamily) targets() map[string][]string {
	out := map[string][]string{}
	for mode, m := range map[string]map[string][]string{"spell": f.Spell, "replace": f.Replace, "expand": f.Expand} {
		for to := range m {
			out[mode] = append(out[mode], to)
		}
		slices.Sort(out[mode])
	}
	return out
}

// TestLexiconTargetsAreCatalogueTerms: every family's left side is words of the
// catalogue's names (built-in or national), or for a "grammar" family, words of
// synonyms.yaml's grammar sections. A lexicon rewriting towards words no name holds would
// pull the search nowhere.
func TestLexiconTargetsAreCatalogueTerms(t *testing.T) {
	builtin, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	syn := DefaultSynonyms()
	seqs := phraseSeqs(builtin, syn)
	national := nationalCatalogue(t)
	if national != nil {
		seqs = append(seqs, phraseSeqs(national, syn)...)
	}
	grammar := grammarWords(t)
	rulePhrases := rulePhraseSet(t)
	skipped := 0
	for _, fam := range lexiconFamilies(t) {
		t.Run(fam.Family, func(t *testing.T) {
			if len(fam.Spell)+len(fam.Replace)+len(fam.Expand) == 0 {
				t.Fatal("family without entries")
			}
			if strings.TrimSpace(fam.About) == "" {
				t.Error("family without about")
			}
			for mode, tos := range fam.targets() {
				for _, to := range tos {
					if targetFound(to, seqs, grammar, fam.Targets == "grammar", mode == "spell", rulePhrases) {
						continue
					}
					if national == nil {
						skipped++
						continue
					}
					t.Errorf("%s %q: no catalogue name holds it", mode, to)
				}
			}
		})
	}
	if skipped > 0 {
		t.Logf("%d targets not in the built-in catalogue left unchecked (no national catalogue)", skipped)
	}
}

// TestLexiconPhrasesClaimedOnce: no citizen phrase is claimed twice (by two families, a
// family and synonyms.yaml, or two entries of one family), and the loader refuses a
// lexicon that does so.
func TestLexiconPhrasesClaimedOnce(t *testing.T) {
	type claim struct{ family, mode, to string }
	seen := map[string]claim{}
	for _, fam := range lexiconFamilies(t) {
		for mode, m := range map[string]map[string][]string{"spell": fam.Spell, "replace": fam.Replace, "expand": fam.Expand} {
			for to, froms := range m {
				for _, from := range froms {
					k := phraseKey(from)
					if prev, ok := seen[k]; ok {
						t.Errorf("%q claimed by %s %s %q and by %s %s %q", from, prev.family, prev.mode, prev.to, fam.Family, mode, to)
					}
					seen[k] = claim{fam.Family, mode, to}
				}
			}
		}
	}
	var f synonymsFile
	if err := yaml.Unmarshal(defaultSynonymsYAML, &f); err != nil {
		t.Fatal(err)
	}
	for _, sec := range []map[string][]string{f.Replace, f.Expand, f.Aspects} {
		for to, froms := range sec {
			for _, from := range froms {
				if prev, ok := seen[phraseKey(from)]; ok {
					t.Errorf("%q in synonyms.yaml (%q) and in the lexicon (%s %s %q)", from, to, prev.family, prev.mode, prev.to)
				}
			}
		}
	}
	// The loader refuses conflicts: between families, with synonyms.yaml, within a family.
	for _, bad := range []string{
		"- {family: a, about: x, replace: {kết hôn: [cưới]}}\n- {family: b, about: x, expand: {ly hôn: [cưới]}}\n",
		"- {family: a, about: x, expand: {cấp: [thủ tục hành chính]}}\n",
		"- {family: a, about: x, replace: {kết hôn: [cưới], ly hôn: [cưới]}}\n",
		"- {family: a, about: x, spell: {sinh: [sanh]}, replace: {sinh: [sanh]}}\n",
		"- {family: a, about: x}\n- {family: a, about: y}\n",
		"- {family: a, about: x, targets: nowhere}\n",
		"- {family: a, about: x, sideways: {a: [b]}}\n",
	} {
		if _, err := ParseSynonymsLexicon(defaultSynonymsYAML, []byte(bad)); err == nil {
			t.Errorf("lexicon accepted: %q", bad)
		}
	}
	if _, err := ParseSynonymsLexicon(defaultSynonymsYAML, defaultLexiconYAML); err != nil {
		t.Fatal(err)
	}
}

// TestLexiconRespell: spell entries rewrite the typed words before the other rules, and
// only words typed as written.
func TestLexiconRespell(t *testing.T) {
	syn := DefaultSynonyms()
	words := func(q string) string {
		var ws []string
		for _, t := range syn.respell(tokenize(Normalize(q))) {
			ws = append(ws, t.exact)
		}
		return strings.Join(ws, " ")
	}
	for q, want := range map[string]string{
		"làm giấy khai sanh":  "làm giấy khai sinh",
		"mần giấy tạm trú":    "làm giấy tạm trú",
		"sổ hồng hổng có tên": "sổ hồng không có tên",
		"so hong":             "so hong", // "hổng" must be typed with its diacritics
		"xin bảng số xe":      "xin biển số xe",
		"bang so":             "bang so",
	} {
		if got := words(q); got != want {
			t.Errorf("respell(%q) = %q, want %q", q, got, want)
		}
	}
}

// TestLexiconFamiliesFindProcedures: for each family, general citizen phrasings find the
// right built-in procedure first through the real search, and the family is what does
// it: without its entries, at least one of them does not.
func TestLexiconFamiliesFindProcedures(t *testing.T) {
	builtin, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ix := NewIndex(builtin, Options{})
	fams := lexiconFamilies(t)
	first := func(ix *Index, q string) string {
		res := ix.Search(q, 5)
		if res.Abstain || len(res.Hits) == 0 {
			return "(none)"
		}
		return res.Hits[0].Record.Code
	}
	for _, fam := range fams {
		t.Run(fam.Family, func(t *testing.T) {
			cases := lexiconPhrasings[fam.Family]
			if len(cases) < 3 {
				t.Fatalf("%d phrasings for the family, want at least 3", len(cases))
			}
			for _, c := range cases {
				if got := first(ix, c.query); !slices.Contains(c.want, got) {
					t.Errorf("%q: first %s, want one of %v", c.query, got, c.want)
				}
			}
			var rest []lexiconFamily
			for _, g := range fams {
				if g.Family != fam.Family {
					rest = append(rest, g)
				}
			}
			data, err := yaml.Marshal(rest)
			if err != nil {
				t.Fatal(err)
			}
			syn, err := ParseSynonymsLexicon(defaultSynonymsYAML, data)
			if err != nil {
				t.Fatal(err)
			}
			without := NewIndex(builtin, Options{Synonyms: syn})
			if !slices.ContainsFunc(cases, func(c struct {
				query string
				want  []string
			}) bool {
				return !slices.Contains(c.want, first(without, c.query))
			}) {
				t.Errorf("every phrasing found without the family: they do not test it")
			}
		})
	}
	for name := range lexiconPhrasings {
		if !slices.ContainsFunc(fams, func(f lexiconFamily) bool { return f.Family == name }) {
			t.Errorf("phrasings for %q, no such family", name)
		}
	}
}

// Entries for procedures the built-in catalogue lacks, checked on the national one.
func TestLexiconNational(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,642 records; skipped with -short")
	}
	ix := NewIndex(realCatalog(t), Options{})
	for _, c := range []struct{ query, want string }{
		// "chặt cây" for the permit to fell or move a street tree
		{"cây xà cừ trước nhà sắp đổ, xin chặt cây ở đâu", "1.002693"},
		// "kéo dài" of a stay is its extension, not a building's extended use
		{"tạm trú của em sắp hết, xin kéo dài thêm được không", "1.002755"},
		// a "giấy ủy quyền" is certified by its signature, not "Cấp văn bản ủy quyền cho tổ
		// chức đăng kiểm"
		{"làm giấy ủy quyền cho con đi bán đất", "2.000884"},
		// bỏ, hủy, cắt tạm trú: its deregistration
		{"em muốn hủy tạm trú ở phòng trọ cũ", "1.010028"},
		// planning information, ground water, a mortgage
		{"muốn biết thửa đất có dính quy hoạch làm đường không", "1.014159"},
		{"đăng ký giếng khoan nước ngầm", "1.001662"},
		{"thế chấp sổ hồng vay vốn thì đăng ký ở đâu", "1.011441"},
		// the licence or the registration handed back ends it; "valid until" is near expiry
		{"xoá đăng ký xe máy cũ đã phá dỡ", "1.013065"},
		{"thẻ căn cước hạn đến năm nay, làm thẻ mới thế nào", "1.014063"},
		// a shop's address or trade changed: the change of its registration
		{"đổi địa chỉ kinh doanh trên giấy phép hộ kinh doanh", "2.000720"},
		// the office kept no register: a re-registration
		{"kết hôn năm 1980 ủy ban không còn lưu giấy tờ", "1.004746"},
		// "giá thú", the old Southern word for a marriage
		{"hai đứa muốn làm giấy giá thú thì ra xã làm sao", "1.000894"},
		// a child of parents who were not married: the acknowledgement, not the marriage
		// (after the open sets' paternity misses; these phrasings are fresh, each failed before)
		{"bố mẹ chưa cưới, bố muốn nhận con thì làm sao", "1.001022"},
		{"con ngoài giá thú muốn có tên cha thì làm gì", "1.001022"},
		// a spouse's nationality is a foreign element
		{"vợ tôi quốc tịch Mỹ, đăng ký kết hôn ở đâu", "2.000806"},
		// a nationality in chat spelling ("ng" for "người"), in synonyms.yaml's expansions
		{"e lay ck ng han, dk ket hon o dau", "2.000806"},
		// a shop given up in words
		{"quán nước có giấy phép hộ kinh doanh, giờ ế quá em muốn dẹp luôn không buôn bán nữa", "1.001266"},
		// the title pawned and redeemed; a plot cut in two; a household of one's own; an
		// heir's share given up; leaving the poor list; a signature confirmed (after
		// blind14's misses; these phrasings are fresh, each failed before)
		{"cắm sổ hồng ở ngân hàng để vay, làm thủ tục gì", "1.011441"},
		{"ngân hàng giải chấp rồi, làm sao xóa trên sổ", "1.011443"},
		{"cắt đất cho con gái làm sổ riêng", "1.012784"},
		{"vợ chồng tôi muốn ra hộ riêng", "1.010038"},
		{"chị em tôi không nhận phần nhà mẹ để lại", "2.001016"},
		{"nhà đã khá, xin ra khỏi diện cận nghèo", "1.011608"},
		{"cần xác nhận chữ ký vào đơn ở phường", "2.000884"},
		// no criminal record: the judicial record's extract
		{"xin giấy chứng nhận không có tiền án để xin việc", "3.000333"},
		// "cắt sổ hộ khẩu" leaves the household register; it is no plot split
		{"muốn cắt sổ hộ khẩu", "1.003197"},
		// a boundary quarrel the ward settles; heirs sharing out without a will; a letter
		// leaving the house to a child (after the misses of the fitted sets; these
		// phrasings are fresh)
		{"hàng xóm xây lấn sang đất nhà tôi, nhờ phường phân xử", "1.012812"},
		{"hai nhà tranh chấp ranh giới, muốn ủy ban đứng ra hòa giải", "1.012812"},
		{"cha mẹ mất không để lại di chúc, mấy chị em muốn chia tài sản", "2.001406"},
		{"ông tôi muốn viết giấy để lại nhà cho cháu, xã chứng thực được không", "2.001019"},
		// land the grandparents left, shared out among the heirs (found in the demo; fresh)
		{"miếng đất ông bà để lại, giờ ông bà mất hết rồi mấy anh em muốn chia ra mỗi người một phần thì phải làm giấy tờ gì", "2.001406"},
		{"nhà bố mẹ để lại, 3 anh em muốn chia", "2.001406"},
		// being single asked for by what it proves, a conviction on record, a
		// house "cất" with its classifier (after the misses of the fitted sets; these
		// phrasings are fresh, each failed before)
		{"xin giấy chứng minh mình chưa có chồng ở đâu", "1.004873"},
		{"tính cất căn nhà 2 tầng có phải xin phép không", "1.013225"},
		{"cần giấy chứng minh chưa từng bị kết án", "3.000333"},
		// a guest for the night told to the area police (not a sea area), an absence
		// declared before leaving, a shop opened "một" (after the misses of the fitted
		// sets; these phrasings are fresh, each failed before)
		{"có khách ở qua đêm thì báo cho công an khu vực thế nào", "2.001159"},
		{"đi xa lâu ngày có phải khai báo gì không", "1.003677"},
		// … the place left named by the law's word (fresh, failed before)
		{"đi khỏi nơi cư trú hơn 1 tháng có phải báo không", "1.003677"},
		// the South's "cất" a house with its classifier ("cất căn nhà"), and "tui": the
		// building permit (refused before)
		{"tui tính cất căn nhà cấp 4 trên đất thổ cư thì có phải xin phép hông", "1.013225"},
		{"mở một tiệm tạp hóa nhỏ cần giấy phép gì", "1.001612"},
		// a student's dormitory (after the misses of the fitted sets; fresh, failed before)
		{"con tôi ở ký túc xá có phải đăng ký gì với công an không", "1.004194"},
		// two plots made one title; a plot measured larger than its title; farmland made
		// residential ("đất thổ"); a dispute the ward could not reconcile (after the
		// misses of the fitted sets; these phrasings are fresh)
		{"nhà có 2 mảnh đất liền nhau, muốn gộp 2 mảnh làm một sổ", "1.012784"},
		{"đo đạc lại thấy dư diện tích so với sổ đỏ, làm sao đưa vào sổ", "1.012781"},
		{"xin lên đất thổ để làm nhà trên đất vườn", "1.013949"},
		{"tranh chấp đất với nhà bên cạnh, ra xã hòa giải không thành, giờ làm sao", "1.013967"},
		// a grown person who never had a birth certificate (after the misses of the
		// fitted sets; these phrasings are fresh)
		{"mẹ tôi 60 tuổi chưa bao giờ có giấy khai sinh, chỉ có căn cước, giờ làm sao", "1.004772"},
		{"bác tôi hồi đó không ai đi khai sinh, nay cần giấy khai sinh để làm sổ hưu", "1.004772"},
	} {
		res := ix.Search(c.query, 5)
		if len(res.Hits) == 0 || res.Hits[0].Record.Code != c.want {
			t.Errorf("%q: got %v, want %s first", c.query, hitCodes(res), c.want)
		}
	}
}

// Messages that, as the bot searches (seed examples, ranker), got a wrong answer or none
// before a reading of their words was fixed.
func TestSeededSearchNational(t *testing.T) {
	ix, x := nationalSeeded(t)
	for _, c := range []struct{ query, want string }{
		// Grammar words in chat spelling (lm, ms, r, mún, e) read as the stopwords they
		// are, and "thằg" as "thằng": both messages were refused, their need watered down
		// by words the search did not know.
		{"ba má con bé mất hết r, e là dì ruột, e mún lm ng giám hộ cho nó thì lm ở đâu, bé ms 7t", "1.004837 (đăng ký giám hộ)"},
		{"bố mẹ thằg bé mất trg vụ tai nạn r, e mún đứng ra lm ng giám hộ cho nó thì lm sao, nó ms 8t", "1.004837 (đăng ký giám hộ)"},
		// "Chiếc Honda" alone is a motorbike, and "đổi tên chủ" a change of its owner: the
		// message found a port's change of name.
		{"đổi tên chủ chiếc honda", "1.013076 (sang tên xe)"},
		// A child's name changed "sang tên khác" (to another name) is a change of civil
		// status, not a title passing to a buyer; and the name a message gives is no word
		// of its need. Found in the demo: the first message listed land transfers only.
		{"em muốn đổi tên cho con gái từ Nguyễn Thị Tuyết Mai sang tên khác thì làm sao ạ", "1.004859 (thay đổi hộ tịch)"},
		{"đổi tên con trai qua tên mới được không", "1.004859 (thay đổi hộ tịch)"},
		// … while a vehicle or a title still passes "sang tên" to its buyer.
		{"bán xe máy rồi, sang tên cho người mua ở đâu", "1.013076 (sang tên xe)"},
	} {
		wantFirst(t, ix.SearchWith(c.query, 5, x), c.query, c.want)
	}
}

// Grammar phrases typed without marks ("can gap", "de lam") read as the words they stand
// for, not as content: the message without marks then weighs its need ("bản sao giấy khai
// sinh") as the one with marks does.
func TestPlainGrammarPhrases(t *testing.T) {
	ix := builtinIndex(t)
	marked := ix.analyse("xin bản sao giấy khai sinh, cần gấp để làm hồ sơ")
	plain := ix.analyse("xin ban sao giay khai sinh, can gap de lam ho so")
	if plain.nContent != marked.nContent {
		t.Errorf("content words: %d without marks, %d with", plain.nContent, marked.nContent)
	}
}

// A lexicon phrase matches as chat types its grammar words ("ko" for "không"): "không
// để lại di chúc" names the division of an estate, and so does "ko de lai di chuc"; the
// message was refused.
func TestChatVariantsOfLexiconPhrases(t *testing.T) {
	short := chatShorthands(lexiconFamilies(t))
	vs := chatVariants("không để lại di chúc", short)
	if !slices.Contains(vs, "ko để lại di chúc") || !slices.Contains(vs, "k để lại di chúc") || slices.Contains(vs, "không để lại di chúc") {
		t.Errorf("chatVariants(không để lại di chúc) = %q", vs)
	}
	if vs := chatVariants("vay vốn", short); len(vs) != 0 {
		t.Errorf("chatVariants(vay vốn) = %q, want none (vay is no vậy)", vs)
	}
	if vs := chatVariants("không", short); len(vs) != 0 {
		t.Errorf("one word has its own rule: %q", vs)
	}
	ix, x := seedIndex(t)
	const q = "ba noi mat ko de lai di chuc, chia dat cho con chau lam sao"
	if got := hitCodes(ix.SearchWith(q, 5, x.For(""))); !slices.Contains(got, "2.001406") {
		t.Errorf("%q: got %v, want the division of an estate (2.001406) listed", q, got)
	}
}

// wantFirst fails unless res (the search's answer to q) has first the procedure want
// names: its code, then what it is ("1.013076 (sang tên xe)").
func wantFirst(t *testing.T, res Result, q, want string) {
	t.Helper()
	code, _, _ := strings.Cut(want, " ")
	if len(res.Hits) == 0 || res.Hits[0].Record.Code != code {
		t.Errorf("%q: got %v, want %s first", q, hitCodes(res), want)
	}
}
