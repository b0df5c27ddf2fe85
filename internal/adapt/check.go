package adapt

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt/count"
	"github.com/ferry-social/ferry/internal/media"
)

// Check measures a variant as its platform counts it and lists what the
// platform would refuse (errors) or what a person should know (warnings).
// It looks only at the variant as it stands (Title, Text, Media), so it
// serves variants people edited as well as generated ones; what happened
// while generating (tags left out, mentions without handles) is reported
// by Adapt. Spans are rune offsets in the field they name; on Telegram,
// offsets in the HTML source.
func Check(v Variant, t Target) (ferry.TextLength, []ferry.Problem) {
	ps := []ferry.Problem{}
	var length ferry.TextLength
	switch v.Platform {
	case ferry.Weibo:
		length = checkLength(count.Weibo(), v.Text, v.Platform, &ps)
		checkWeiboLink(v.Text, t, &ps)
		checkWeiboTopics(v.Text, &ps)
	case ferry.Xiaohongshu:
		checkTitle(v.Title, &ps)
		length = checkLength(count.XiaohongshuBody(), v.Text, v.Platform, &ps)
		checkHashtagCount(v.Text, xiaohongshuTopicLimit, v.Platform, &ps)
		checkUnlinked(v.Text, v.Platform, &ps)
	case ferry.Instagram:
		length = checkLength(count.InstagramCaption(), v.Text, v.Platform, &ps)
		checkHashtagCount(v.Text, instagramHashtagLimit, v.Platform, &ps)
		if ms := mentionsIn(v.Text); len(ms) > count.InstagramMentionLimit {
			first := ms[count.InstagramMentionLimit]
			ps = append(ps, errorf(CodeTooManyMentions, "text", span(first.Start, ms[len(ms)-1].End),
				"Instagram links at most %d @mentions in a caption; this one has %d.",
				"Instagram 說明文字最多 %d 個 @提及，這裏有 %d 個。", count.InstagramMentionLimit, len(ms)))
		}
		checkUnlinked(v.Text, v.Platform, &ps)
	case ferry.Telegram:
		rule := count.TelegramMessage()
		if len(v.Media) > 0 {
			rule = count.TelegramCaption()
		}
		length = ferry.TextLength{Limit: rule.Limit, Unit: string(rule.Unit)}
		parsed, err := count.ParseTelegramHTML(v.Text)
		if err != nil {
			at := len(v.Text)
			if he, ok := err.(*count.TelegramHTMLError); ok && he.Offset >= 0 && he.Offset <= len(v.Text) {
				at = he.Offset
			}
			r := utf8.RuneCountInString(v.Text[:at])
			ps = append(ps, errorf(CodeTelegramHTMLInvalid, "text", span(r, min(r+1, utf8.RuneCountInString(v.Text))),
				"Telegram would refuse the HTML: %v.", "Telegram 無法解析這段 HTML：%v。", err))
			break
		}
		l := rule.Count(parsed.Text)
		length.Used = l.Used
		if sp, over := rule.Overflow(parsed.Text); !l.Fits() && over {
			start, end := sourceSpan(v.Text, sp.RuneStart, sp.RuneEnd)
			ps = append(ps, tooLong(v.Platform, "text", l, span(start, end), len(v.Media) > 0))
		}
		if strings.TrimSpace(parsed.Text) == "" && len(v.Media) == 0 {
			ps = append(ps, emptyText(v.Platform))
		}
	case ferry.Facebook:
		length = checkLength(count.FacebookPost(), v.Text, v.Platform, &ps)
	default:
		ps = append(ps, errorf(CodeUnknownPlatform, "", nil, "Ferry does not know the platform %q.", "Ferry 不支援平台「%s」。", v.Platform))
		return length, ps
	}
	if v.Platform != ferry.Telegram && strings.TrimSpace(v.Text) == "" && (len(v.Media) == 0 || v.Platform == ferry.Weibo) {
		ps = append(ps, emptyText(v.Platform))
	}
	if rules, ok := media.RulesFor(media.Platform(v.Platform)); ok {
		if n := len(v.Media); n < rules.Count.Min || n > rules.Count.Max {
			ps = append(ps, mediaCount(v.Platform, rules.Count, n))
		}
	}
	return length, ps
}

func checkLength(rule count.Rule, text string, p ferry.Platform, ps *[]ferry.Problem) ferry.TextLength {
	l := rule.Count(text)
	if !l.Fits() {
		sp, _ := rule.Overflow(text)
		*ps = append(*ps, tooLong(p, "text", l, span(sp.RuneStart, sp.RuneEnd), false))
	}
	return ferry.TextLength{Used: l.Used, Limit: l.Limit, Unit: string(l.Unit)}
}

func tooLong(p ferry.Platform, field string, l count.Length, sp *[2]int, caption bool) ferry.Problem {
	en, zh := unitName(string(l.Unit))
	what, whatZH := "text", "內文"
	if caption && p == ferry.Telegram {
		what, whatZH = "caption (the limit for posts with images)", "圖片說明（附圖帖文的上限）"
	}
	code := CodeTextTooLong
	if field == "title" {
		code, what, whatZH = CodeTitleTooLong, "title", "標題"
	}
	return errorP(code, field, sp,
		fmt.Sprintf("The %s %s is %d %s long; %s allows %d.", p.Name(), what, l.Used, en, p.Name(), l.Limit),
		fmt.Sprintf("%s%s長 %d %s，上限為 %d %s。", platformNameZH(p), whatZH, l.Used, zh, l.Limit, zh))
}

func emptyText(p ferry.Platform) ferry.Problem {
	return errorf(CodeTextEmpty, "text", nil, "The %s text is empty.", "%s內文是空的。", p.Name())
}

func mediaCount(p ferry.Platform, c media.CountRule, n int) ferry.Problem {
	want := fmt.Sprintf("%d–%d", c.Min, c.Max)
	if c.Min == 0 {
		want = fmt.Sprintf("at most %d", c.Max)
	}
	wantZH := fmt.Sprintf("%d 至 %d 張", c.Min, c.Max)
	if c.Min == 0 {
		wantZH = fmt.Sprintf("最多 %d 張", c.Max)
	}
	return errorP(CodeMediaCount, "media", nil,
		fmt.Sprintf("%s takes %s image(s) per post; this one has %d.", p.Name(), want, n),
		fmt.Sprintf("%s每篇帖文需要%s圖片，這篇有 %d 張。", platformNameZH(p), wantZH, n))
}

// checkTitle measures a Xiaohongshu title.
func checkTitle(title string, ps *[]ferry.Problem) {
	rule := count.XiaohongshuTitle()
	if l := rule.Count(title); !l.Fits() {
		sp, _ := rule.Overflow(title)
		*ps = append(*ps, tooLong(ferry.Xiaohongshu, "title", l, span(sp.RuneStart, sp.RuneEnd), false))
	}
}

func checkWeiboLink(text string, t Target, ps *[]ferry.Problem) {
	switch {
	case t.LinkURL == "" && t.AccountID == "":
		*ps = append(*ps, warning(CodeWeiboLinkUnset, "text", nil,
			"Every Weibo post must carry a link on the app's safe domain: the account's link_url setting will be added.",
			"每篇微博都須附上應用安全網域的連結：發布時會加上帳號設定的 link_url。"))
	case t.LinkURL == "":
		*ps = append(*ps, errorP(CodeWeiboLinkUnset, "text", nil,
			"Every Weibo post must carry a link on the app's safe domain: set the account's link_url setting.",
			"每篇微博都須附上應用安全網域的連結：請設定帳號的 link_url。"))
	case !strings.Contains(text, t.LinkURL):
		*ps = append(*ps, errorf(CodeWeiboLinkMissing, "text", nil,
			"Every Weibo post must carry the account's safe-domain link %s; the text does not.",
			"每篇微博都須附上帳號的安全網域連結 %s，這段內文沒有。", t.LinkURL))
	}
}

// checkWeiboTopics finds #topic#, which Weibo's statuses/share refuses:
// two '#' on one line with something other than spaces between them.
func checkWeiboTopics(text string, ps *[]ferry.Problem) {
	if strings.Count(text, "#")+strings.Count(text, "＃") < 2 {
		return
	}
	openRune, openByte := -1, 0
	n := 0
	for i, r := range text {
		switch {
		case r == '\n':
			openRune = -1
		case r == '#' || r == '＃':
			if topic := text[openByte:i]; openRune >= 0 && strings.TrimSpace(topic) != "" {
				*ps = append(*ps, errorP(CodeWeiboTopic, "text", span(openRune, n+1),
					"Weibo's publishing API refuses #topics#: remove the '#' around "+topic+".",
					"微博發布介面不接受 #話題#：請刪去「"+topic+"」兩旁的 #。"))
				openRune = -1
			} else {
				openRune, openByte = n, i+utf8.RuneLen(r)
			}
		}
		n++
	}
}

func checkHashtagCount(text string, limit int, p ferry.Platform, ps *[]ferry.Problem) {
	// Each hashtag needs a sign: with no more signs than the limit, there
	// is no need to look closer.
	if strings.Count(text, "#")+strings.Count(text, "＃") <= limit {
		return
	}
	tags := count.ExtractInstagramHashtags(text)
	if len(tags) <= limit {
		return
	}
	*ps = append(*ps, errorP(CodeTooManyHashtags, "text", span(tags[limit].Start, tags[len(tags)-1].End),
		fmt.Sprintf("%s takes at most %d hashtags; this text has %d.", p.Name(), limit, len(tags)),
		fmt.Sprintf("%s最多接受 %d 個標籤，這段內文有 %d 個。", platformNameZH(p), limit, len(tags))))
}

// checkUnlinked warns about addresses in a text that the platform shows as
// plain text.
func checkUnlinked(text string, p ferry.Platform, ps *[]ferry.Problem) {
	urls := urlsIn(text)
	if len(urls) == 0 {
		return
	}
	*ps = append(*ps, warning(CodeLinksNotClickable, "text", span(urls[0].Start, urls[0].End),
		fmt.Sprintf("%s does not make links in this text clickable (%d found); readers must copy them.", p.Name(), len(urls)),
		fmt.Sprintf("%s不會把這段內文中的連結變成可點擊（共 %d 個）；讀者須自行複製。", platformNameZH(p), len(urls))))
}

// hashtagsIn, mentionsIn and urlsIn skip the extractors' scans of texts
// that cannot hold what they look for: a hashtag needs '#', a mention '@'
// and a URL an ASCII dot before its top-level domain.
func hashtagsIn(text string) []count.Entity {
	if !strings.Contains(text, "#") && !strings.Contains(text, "＃") {
		return nil
	}
	return count.ExtractInstagramHashtags(text)
}

func mentionsIn(text string) []count.Entity {
	if strings.Count(text, "@") <= count.InstagramMentionLimit {
		return nil // only the count matters, and it cannot be over
	}
	return count.ExtractInstagramMentions(text)
}

func urlsIn(text string) []count.Entity {
	if !strings.Contains(text, ".") {
		return nil
	}
	return count.ExtractURLs(text)
}

// sourceSpan maps rune offsets in the text Telegram shows back to rune
// offsets in the HTML source: tags take no room in the shown text, and an
// entity such as &amp; is one character.
func sourceSpan(html string, start, end int) (int, int) {
	src, shown := 0, 0
	from, to := -1, -1
	for i := 0; i < len(html); {
		if shown == start && from < 0 {
			from = src
		}
		if shown == end && to < 0 {
			to = src
		}
		c := html[i]
		switch {
		case c == '<':
			j := strings.IndexByte(html[i:], '>')
			if j < 0 {
				j = len(html) - i - 1
			}
			src += utf8.RuneCountInString(html[i : i+j+1])
			i += j + 1
			continue
		case c == '&':
			if j := strings.IndexByte(html[i:], ';'); j > 1 && j <= 10 {
				src += j + 1
				i += j + 1
				shown++
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(html[i:])
		i += size
		src++
		shown++
	}
	if from < 0 {
		from = src
	}
	if to < 0 {
		to = src
	}
	return from, max(to, from)
}
