// Package adapt turns a story into the variant each platform receives: the
// text converted to the audience's Chinese script, laid out by the
// platform's template, with hashtags, mentions and links written the way the
// platform writes them, the images it takes, and one list of problems that
// says what the platform would reject (errors) or what a person should know
// (warnings).
//
// The package is pure: it reads no database and makes no network call, so
// the same code serves previews, saved variants and tests. Counting is the
// count package's, script conversion the script package's, image rules the
// media package's.
//
// # The pipeline, for each target
//
//  1. The audience script is the target's setting, or the platform's
//     default (DefaultAudience); the title, the body and the tags are
//     converted from the story's script with the workspace glossary.
//  2. Mentions written @{key} in the body become the person's handle on the
//     platform, from the people directory; a person without a handle there is
//     written by name, with a warning.
//  3. Tags become hashtags as the platform writes them; links are placed,
//     stripped or warned about by the platform's rules.
//  4. The platform's template (the workspace's, or the default) lays out
//     title, body, link(s) and hashtags; on Telegram every value is escaped
//     for HTML parse mode, so only the template's own markup is markup.
//  5. The images are planned against the platform's count and spec.
//  6. Check measures the result exactly as the platform counts it.
package adapt

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt/count"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/media"
)

// Story is what adaptation reads of a story.
type Story struct {
	Title string
	Body  string
	// Tags are words without '#'.
	Tags  []string
	Links []string
	Media []Media
	// Script is the script the story is written in; empty means Hong Kong.
	Script script.Script
}

// Media is one of a story's images.
type Media struct {
	ID            string
	Width, Height int
	// Focal is the point crops keep; nil means the centre.
	Focal *ferry.Focal
}

// Target is one account a story goes to, or, with no AccountID, a platform
// in general (a preview before accounts are chosen).
type Target struct {
	AccountID string
	Platform  ferry.Platform
	// Audience is the account's audience_script setting; empty means the
	// platform's default.
	Audience script.Script
	// LinkURL is the account's link on its app's safe domain, which every
	// Weibo post must carry (setting link_url).
	LinkURL string
}

// Person is one entry of the workspace's people directory.
type Person struct {
	// Key is what the body writes between @{ and }.
	Key string `json:"key"`
	// Name is written where the person has no handle on a platform.
	Name string `json:"name"`
	// Handles maps a platform to the person's handle there, without '@'.
	Handles map[ferry.Platform]string `json:"handles"`
}

// Env is a workspace's tailoring settings.
type Env struct {
	// Glossary protects terms from conversion and adds custom phrases;
	// nil means none.
	Glossary *script.Glossary
	// People is the directory, by key.
	People map[string]Person
	// Templates replace the default template of a platform.
	Templates map[ferry.Platform]*Template
	// Screen is the workspace's pre-publish checks; nil checks nothing.
	Screen *Screen
}

// Variant is a story adapted for one target.
type Variant struct {
	AccountID string         `json:"account_id"`
	Platform  ferry.Platform `json:"platform"`
	// Script is the script the text is written in.
	Script script.Script `json:"script"`
	// Title is a separate title field (Xiaohongshu); elsewhere the title is
	// part of Text.
	Title string `json:"title"`
	// Text is what is posted, in the platform's markup (Telegram HTML on
	// Telegram, plain text elsewhere).
	Text string `json:"text"`
	// Hashtags are the story's tags as written into Text.
	Hashtags []string             `json:"hashtags"`
	Media    []ferry.VariantMedia `json:"media"`
	// Length is Text measured as the platform counts it.
	Length   ferry.TextLength `json:"length"`
	Problems []ferry.Problem  `json:"problems"`
}

// DefaultAudience is the script a platform's audience reads when the
// account does not say: Simplified on the mainland platforms, the story's
// own script elsewhere.
func DefaultAudience(p ferry.Platform) script.Script {
	switch p {
	case ferry.Weibo, ferry.Xiaohongshu:
		return script.Simplified
	}
	return script.Source
}

// DefaultSourceScript is the script a story is written in unless it says.
const DefaultSourceScript = script.Script(ferry.DefaultSourceScript)

// ValidSourceScript reports whether s names a script a story can be
// written in.
func ValidSourceScript(s script.Script) bool {
	switch s {
	case script.Simplified, script.HongKong, script.Taiwan, script.Traditional:
		return true
	}
	return false
}

// ValidAudience reports whether s names an audience script (the source
// scripts, or "source").
func ValidAudience(s script.Script) bool { return s == script.Source || ValidSourceScript(s) }

// Adapter adapts stories. It is safe for concurrent use.
type Adapter struct {
	conv *script.Converter
}

// New returns an Adapter that converts scripts with conv.
func New(conv *script.Converter) *Adapter { return &Adapter{conv: conv} }

// segment is a piece of the body: text, or a mention @{key}.
type segment struct {
	text    string
	mention string
}

// converted is a story's text in one script.
type converted struct {
	title string
	// body has one entry per segment: the converted text, or "" for a
	// mention.
	body []string
	tags []string
	err  error
}

// Adapt adapts a story for each target, in order. Conversions are shared
// between targets that read the same script.
func (a *Adapter) Adapt(s Story, targets []Target, env Env) []Variant {
	if s.Script == "" {
		s.Script = DefaultSourceScript
	}
	s.Title, s.Body = validUTF8(s.Title), validUTF8(s.Body)
	s.Tags, s.Links = validUTF8s(s.Tags), validUTF8s(s.Links)
	segs := parseMentions(s.Body)
	cache := map[script.Config]*converted{}
	out := make([]Variant, 0, len(targets))
	for _, t := range targets {
		out = append(out, a.adapt(s, segs, t, env, cache))
	}
	return out
}

func (a *Adapter) convert(cfg script.Config, s Story, segs []segment, g *script.Glossary, cache map[script.Config]*converted) *converted {
	if c, ok := cache[cfg]; ok {
		return c
	}
	c := &converted{body: make([]string, len(segs)), tags: make([]string, len(s.Tags))}
	conv := func(text string) string {
		if cfg == script.None || text == "" || c.err != nil {
			return text
		}
		out, err := a.conv.ConvertWith(cfg, text, g)
		if err != nil {
			c.err = err
			return text
		}
		return out
	}
	c.title = conv(s.Title)
	for i, sg := range segs {
		if sg.mention == "" {
			c.body[i] = conv(sg.text)
		}
	}
	for i, tag := range s.Tags {
		c.tags[i] = conv(tag)
	}
	cache[cfg] = c
	return c
}

func (a *Adapter) adapt(s Story, segs []segment, t Target, env Env, cache map[script.Config]*converted) Variant {
	v := Variant{AccountID: t.AccountID, Platform: t.Platform, Hashtags: []string{}, Media: []ferry.VariantMedia{}}
	if !t.Platform.Valid() {
		v.Problems = []ferry.Problem{errorf(CodeUnknownPlatform, "", nil,
			"Ferry does not know the platform %q.", "Ferry 不支援平台「%s」。", t.Platform)}
		return v
	}
	var notes []ferry.Problem
	cfg := conversion(s.Script, t, &notes)
	v.Script = s.Script
	if cfg != script.None {
		v.Script = cfg.Target()
	}
	c := a.convert(cfg, s, segs, env.Glossary, cache)
	if c.err != nil {
		notes = append(notes, errorf(CodeScriptInvalid, "", nil,
			"The text could not be converted to script %q: %v.", "文字無法轉換為「%s」：%v。", v.Script, c.err))
	}

	body := a.renderBody(segs, c, t.Platform, env, &notes)
	if t.Platform == ferry.Xiaohongshu {
		var removed int
		if body, removed = stripURLs(body); removed > 0 || len(s.Links) > 0 {
			notes = append(notes, warnf(CodeLinksRemoved, "text", nil,
				"Xiaohongshu does not link external addresses: %d link(s) were left out.",
				"小紅書不支援外部連結：已略去 %d 個連結。", removed+len(s.Links)))
		}
	}
	v.Hashtags = renderHashtags(c.tags, t.Platform, body, &notes)

	tmpl := env.Templates[t.Platform]
	if tmpl == nil {
		tmpl = DefaultTemplate(t.Platform)
	}
	v.Text = tidy(tmpl.render(varsFor(t, c.title, body, v.Hashtags, s.Links)))
	if t.Platform == ferry.Xiaohongshu {
		v.Title = strings.TrimSpace(c.title)
	} else {
		checkLinksPlaced(v.Text, s.Links, t.Platform, &notes)
	}
	v.Media = planMedia(s.Media, t.Platform, &notes)
	var checks []ferry.Problem
	v.Length, checks = Check(v, t)
	v.Problems = append(append(notes, checks...), env.Screen.Problems(v)...)
	if v.Problems == nil {
		v.Problems = []ferry.Problem{}
	}
	return v
}

// conversion picks the conversion from the story's script to the
// target's audience (the platform's default when the account does not
// say); an unknown script is an error, and the text is left as written.
func conversion(src script.Script, t Target, notes *[]ferry.Problem) script.Config {
	audience := t.Audience
	if audience == "" {
		audience = DefaultAudience(t.Platform)
	}
	cfg, ok := script.ConfigFor(src, audience)
	if !ok || !ValidAudience(audience) {
		*notes = append(*notes, errorf(CodeScriptInvalid, "", nil,
			"Cannot convert from script %q to %q: scripts are s, hk, tw, t (and source for audiences).",
			"無法由「%s」轉換為「%s」：文字設定須為 s、hk、tw、t（受眾亦可為 source）。", src, audience))
		return script.None
	}
	return cfg
}

// varsFor gives a template its values for a target: the title (which
// Xiaohongshu keeps in its own field), the body, the link (Weibo's safe
// link there, the story's first elsewhere), the links and the hashtags,
// escaped on Telegram.
func varsFor(t Target, title, body string, hashtags, links []string) templateVars {
	vars := templateVars{title: title, body: body, hashtags: strings.Join(hashtags, " ")}
	switch t.Platform {
	case ferry.Xiaohongshu:
		vars.title = ""
	case ferry.Weibo:
		vars.link = t.LinkURL
		vars.links = strings.Join(links, " ")
	default:
		if len(links) > 0 {
			vars.link = links[0]
		}
		vars.links = strings.Join(links, "\n")
	}
	if t.Platform == ferry.Telegram {
		vars = vars.escaped()
	}
	return vars
}

// checkLinksPlaced warns about story links a (workspace's) template leaves
// out of the text.
func checkLinksPlaced(text string, links []string, p ferry.Platform, notes *[]ferry.Problem) {
	for _, l := range links {
		want := l
		if p == ferry.Telegram {
			want = count.EscapeHTML(l)
		}
		if !strings.Contains(text, want) {
			*notes = append(*notes, warnf(CodeLinkOmitted, "text", nil,
				"The link %s is not in the text: the template leaves it out.",
				"連結 %s 不在內文中：範本沒有使用它。", l))
		}
	}
}

// TextHashtags returns the hashtags a text carries as the platform would
// link them, for variants a person wrote. Weibo links none (its topics are
// #between# signs, which Ferry cannot publish).
func TextHashtags(p ferry.Platform, text string) []string {
	out := []string{}
	if p == ferry.Weibo {
		return out
	}
	runes := []rune(text)
	for _, e := range hashtagsIn(text) {
		out = append(out, string(runes[e.Start:e.End]))
	}
	return out
}

// validUTF8 replaces invalid UTF-8 with U+FFFD, so that what is counted is
// what the platform receives.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func validUTF8s(ss []string) []string {
	for i, s := range ss {
		if !utf8.ValidString(s) {
			out := append([]string(nil), ss...)
			for j := i; j < len(out); j++ {
				out[j] = validUTF8(out[j])
			}
			return out
		}
	}
	return ss
}

// parseMentions splits a body into text and @{key} mentions. A key is up
// to 64 bytes without braces or line breaks; anything else is text.
func parseMentions(body string) []segment {
	var segs []segment
	for {
		i := strings.Index(body, "@{")
		if i < 0 {
			break
		}
		j := strings.IndexByte(body[i+2:], '}')
		key := ""
		if j >= 0 && j <= 64 {
			key = strings.TrimSpace(body[i+2 : i+2+j])
		}
		if key == "" || strings.ContainsAny(key, "{\n\r") {
			segs = appendText(segs, body[:i+2])
			body = body[i+2:]
			continue
		}
		segs = appendText(segs, body[:i])
		segs = append(segs, segment{mention: key})
		body = body[i+2+j+1:]
	}
	return appendText(segs, body)
}

func appendText(segs []segment, s string) []segment {
	if s == "" {
		return segs
	}
	if n := len(segs); n > 0 && segs[n-1].mention == "" {
		segs[n-1].text += s
		return segs
	}
	return append(segs, segment{text: s})
}

// renderBody joins the converted body with mentions written for the
// platform. A handle runs into a following letter or digit on most
// platforms ("@张三今天" is a mention of 张三今天), so one gets a space.
func (a *Adapter) renderBody(segs []segment, c *converted, p ferry.Platform, env Env, notes *[]ferry.Problem) string {
	var b strings.Builder
	for i, sg := range segs {
		if sg.mention == "" {
			b.WriteString(c.body[i])
			continue
		}
		person, ok := env.People[sg.mention]
		switch {
		case !ok:
			*notes = append(*notes, errorf(CodeMentionUnknown, "text", nil,
				"@{%s} is not in the people directory.", "人物名錄中沒有 @{%s}。", sg.mention))
			b.WriteString(sg.mention)
		case strings.TrimSpace(person.Handles[p]) == "":
			*notes = append(*notes, warning(CodeMentionNoHandle, "text", nil,
				fmt.Sprintf("%s has no %s handle in the people directory: their name is written instead.", person.displayName(), p.Name()),
				fmt.Sprintf("人物名錄中沒有 %s 的%s帳號：改為寫出名字。", person.displayName(), platformNameZH(p))))
			b.WriteString(person.displayName())
		default:
			b.WriteString("@" + strings.TrimPrefix(strings.TrimSpace(person.Handles[p]), "@"))
			if i+1 < len(segs) {
				if r, _ := utf8.DecodeRuneInString(c.body[i+1]); unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
					b.WriteByte(' ')
				}
			}
		}
	}
	return b.String()
}

func (p Person) displayName() string {
	if n := strings.TrimSpace(p.Name); n != "" {
		return n
	}
	return p.Key
}

// stripURLs removes the links in text and reports how many there were.
func stripURLs(text string) (string, int) {
	urls := urlsIn(text)
	if len(urls) == 0 {
		return text, 0
	}
	runes := []rune(text)
	var b strings.Builder
	at := 0
	for _, u := range urls {
		b.WriteString(string(runes[at:u.Start]))
		at = u.End
	}
	b.WriteString(string(runes[at:]))
	return b.String(), len(urls)
}

// Hashtag limits of platforms that take them at the end of the text.
const (
	xiaohongshuTopicLimit = 10
	instagramHashtagLimit = count.InstagramHashtagLimit
)

// renderHashtags writes tags as the platform does: "#tag" on Instagram,
// Facebook, Telegram and Xiaohongshu (whose app turns them into topics), at
// most as many as the platform takes beside those already in the body, and
// none on Weibo, whose statuses/share refuses #topics#.
func renderHashtags(tags []string, p ferry.Platform, body string, notes *[]ferry.Problem) []string {
	out := []string{}
	if len(tags) == 0 {
		return out
	}
	if p == ferry.Weibo {
		*notes = append(*notes, warnf(CodeTopicsDropped, "hashtags", nil,
			"Weibo's publishing API refuses #topics#: the story's %d tag(s) were left out.",
			"微博發布介面不接受 #話題#：已略去 %d 個標籤。", len(tags)))
		return out
	}
	seen := map[string]bool{}
	for _, tag := range tags {
		norm := normalizeTag(tag)
		if norm == "" {
			*notes = append(*notes, warnf(CodeHashtagInvalid, "hashtags", nil,
				"The tag %q has no letters or digits and was left out.", "標籤「%s」沒有文字或數字，已略去。", tag))
			continue
		}
		key := strings.ToLower(norm)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, "#"+norm)
	}
	if limit, ok := hashtagLimit(p); ok {
		room := max(limit-len(hashtagsIn(body)), 0)
		if len(out) > room {
			*notes = append(*notes, warning(CodeHashtagsTruncated, "hashtags", nil,
				fmt.Sprintf("%s takes at most %d hashtags: %d were left out.", p.Name(), limit, len(out)-room),
				fmt.Sprintf("%s最多接受 %d 個標籤：已略去 %d 個。", platformNameZH(p), limit, len(out)-room)))
			out = out[:room]
		}
	}
	return out
}

// hashtagLimit is how many hashtags a platform takes in one text, if it
// limits them.
func hashtagLimit(p ferry.Platform) (int, bool) {
	switch p {
	case ferry.Xiaohongshu:
		return xiaohongshuTopicLimit, true
	case ferry.Instagram:
		return instagramHashtagLimit, true
	}
	return 0, false
}

// normalizeTag keeps what every platform accepts in a hashtag: letters,
// marks, digits and '_' (spaces and punctuation end a hashtag, so they are
// removed).
func normalizeTag(tag string) string {
	tag = strings.TrimSpace(tag)
	tag = strings.TrimLeft(tag, "#＃")
	var b strings.Builder
	for _, r := range tag {
		if unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || r == '_' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// planMedia chooses the images a platform takes: the story's, in order, up
// to the platform's maximum, each to be fitted to the platform's spec.
func planMedia(ms []Media, p ferry.Platform, notes *[]ferry.Problem) []ferry.VariantMedia {
	out := []ferry.VariantMedia{}
	rules, ok := media.RulesFor(media.Platform(p))
	if !ok {
		return out
	}
	if len(ms) > rules.Count.Max {
		*notes = append(*notes, warning(CodeMediaTruncated, "media", nil,
			fmt.Sprintf("%s takes at most %d image(s): only the first %d of %d are used.", p.Name(), rules.Count.Max, rules.Count.Max, len(ms)),
			fmt.Sprintf("%s最多接受 %d 張圖片：只使用 %d 張中的前 %d 張。", platformNameZH(p), rules.Count.Max, len(ms), rules.Count.Max)))
		ms = ms[:rules.Count.Max]
	}
	for _, m := range ms {
		out = append(out, ferry.VariantMedia{SourceID: m.ID, Spec: rules.Spec.Name, Focal: m.Focal, Width: m.Width, Height: m.Height})
	}
	return out
}

// tidy trims trailing spaces from lines, keeps at most one blank line in a
// row and trims the whole text, so that empty template sections leave no
// gaps.
func tidy(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	blank := 0
	for line := range strings.Lines(s) {
		line = strings.TrimRight(line, " \t\r\n")
		if line == "" {
			blank++
			continue
		}
		if b.Len() > 0 {
			b.WriteString(strings.Repeat("\n", min(blank, 1)+1))
		}
		blank = 0
		b.WriteString(line)
	}
	return strings.TrimSpace(b.String())
}
