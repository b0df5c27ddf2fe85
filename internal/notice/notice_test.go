package notice

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
)

// Every kind has a label, a title and a body in every language, and the
// three catalogs have the same keys and the same {placeholders} per key.
func TestCatalogs_CompleteAndAlike(t *testing.T) {
	placeholders := regexp.MustCompile(`\{[a-z_]+\}`)
	for _, lang := range Languages {
		for _, k := range ferry.NoticeKinds {
			for _, part := range []string{".label", ".title", ".body"} {
				require.NotEmpty(t, catalogs[lang][string(k)+part], "%s: %s%s", lang, k, part)
			}
		}
		require.Len(t, catalogs[lang], len(catalogs["en"]), lang)
		for key, en := range catalogs["en"] {
			text, ok := catalogs[lang][key]
			require.True(t, ok, "%s: %s", lang, key)
			require.ElementsMatch(t, placeholders.FindAllString(en, -1), placeholders.FindAllString(text, -1), "%s: %s", lang, key)
		}
	}
}

func TestWords(t *testing.T) {
	n := &ferry.Notice{Kind: ferry.NoticePublicationFailed, Actor: "system", TargetType: "publication",
		Data: map[string]string{"story": "Lantern festival", "account": "City Weibo", "platform": "Weibo", "reason": "Refused: text too long.", "story_id": "sty_1"}}
	title, body := Words("en", n, nil)
	require.Equal(t, "Failed on City Weibo: Lantern festival", title)
	require.Equal(t, "“Lantern festival” could not be published on City Weibo (Weibo): Refused: text too long.", body)
	_, body = Words("zh-Hant", n, func(string, *ferry.Notice) string { return "字數過多。" })
	require.Equal(t, "「Lantern festival」未能在 City Weibo（Weibo）發佈：字數過多。", body)
	require.Equal(t, "/stories/sty_1", Link(n))

	paused := &ferry.Notice{Kind: ferry.NoticePaused, Actor: "user:usr_1", ActorName: "陳大文", TargetType: "pause", Data: map[string]string{"reason": "Mourning"}}
	title, _ = Words("zh-Hans", paused, nil)
	require.Equal(t, "陳大文 暂停了发送", title, "a name is never converted")
	require.Equal(t, "/pause", Link(paused))
}
