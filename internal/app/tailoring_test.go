package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/app"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// End-to-end tests of tailoring: previews, variants that people edit,
// problems that block scheduling, and fitted images reaching the platform.

type problem struct {
	Code      string `json:"code"`
	Severity  string `json:"severity"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
	Field     string `json:"field"`
	Span      []int  `json:"span"`
}

type variantMedia struct {
	SourceID string `json:"source_id"`
	MediaID  string `json:"media_id"`
	Spec     string `json:"spec"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
}

type variant struct {
	AccountID string         `json:"account_id"`
	Platform  string         `json:"platform"`
	State     string         `json:"state"`
	Script    string         `json:"script"`
	Title     string         `json:"title"`
	Text      string         `json:"text"`
	Hashtags  []string       `json:"hashtags"`
	Media     []variantMedia `json:"media"`
	Length    struct {
		Used  int    `json:"used"`
		Limit int    `json:"limit"`
		Unit  string `json:"unit"`
	} `json:"length"`
	Problems []problem `json:"problems"`
	Edited   bool      `json:"edited"`
	Stale    bool      `json:"stale"`
	Diff     *struct {
		Text []struct {
			Op   string `json:"op"`
			Text string `json:"text"`
		} `json:"text"`
	} `json:"diff"`
}

func codesOf(ps []problem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

func (b *testBundle) variants(t *testing.T, storyID string) map[string]variant {
	t.Helper()
	var list struct {
		Variants []variant `json:"variants"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/stories/"+storyID+"/variants", nil, &list))
	out := map[string]variant{}
	for _, v := range list.Variants {
		out[v.Platform] = v
	}
	return out
}

// waitAccountState waits for the story's publication to one account to
// reach a state.
func (b *testBundle) waitAccountState(t *testing.T, storyID, accountID, state string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := b.variants(t, storyID)
		for _, v := range got {
			if v.AccountID == accountID && v.State == state {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("story %s: the publication to %s is not %q after %v: %+v", storyID, accountID, state, within, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestTailoring_PreviewAdaptsForEachTargetAndSavesNothing(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	weibo, xhs, tg := b.accountID(t, ferry.Weibo), b.accountID(t, ferry.Xiaohongshu), b.accountID(t, ferry.Telegram)
	var out struct {
		Variants []variant `json:"variants"`
	}
	in := map[string]any{"title": "中秋節快樂", "body": "維港煙花 <今晚> & 明晚", "tags": []string{"中秋", "#維港"}, "links": []string{"https://www.gov.hk/"},
		"source_script": "hk", "targets": []string{weibo, xhs, tg}}
	require.Equal(t, 200, b.do(t, "POST", "/api/v1/preview", in, &out))
	require.Len(t, out.Variants, 3)
	w, x, g := out.Variants[0], out.Variants[1], out.Variants[2]

	require.Equal(t, "【中秋节快乐】维港烟花 <今晚> & 明晚 https://ferry.example/demo", w.Text, "Simplified, the account's safe link, no topics")
	require.Equal(t, "s", w.Script)
	require.Equal(t, 140, w.Length.Limit)
	require.Equal(t, "weibo_char", w.Length.Unit)
	require.Contains(t, codesOf(w.Problems), "weibo_topics_dropped")

	require.Equal(t, "中秋节快乐", x.Title)
	require.Equal(t, []string{"#中秋", "#维港"}, x.Hashtags)
	require.Contains(t, codesOf(x.Problems), "media_count", "Xiaohongshu needs an image")
	for _, p := range x.Problems {
		require.NotEmpty(t, p.MessageZH)
	}

	require.Equal(t, "<b>中秋節快樂</b>\n\n維港煙花 &lt;今晚&gt; &amp; 明晚\n\nhttps://www.gov.hk/\n\n#中秋 #維港", g.Text)
	require.Equal(t, "hk", g.Script)
	require.Empty(t, g.Problems)

	// By platform: no account settings, so the Weibo link is a warning.
	require.Equal(t, 200, b.do(t, "POST", "/api/v1/preview", map[string]any{"body": "正文", "platforms": []string{"weibo", "instagram"}}, &out))
	require.Len(t, out.Variants, 2)
	require.Equal(t, "weibo_link_unset", out.Variants[0].Problems[0].Code)
	require.Equal(t, "warning", out.Variants[0].Problems[0].Severity)
	require.Equal(t, []string{"media_count"}, codesOf(out.Variants[1].Problems))

	var e apiError
	require.Equal(t, 400, b.do(t, "POST", "/api/v1/preview", map[string]any{"body": "x"}, &e))
	require.Equal(t, 400, b.do(t, "POST", "/api/v1/preview", map[string]any{"body": "x", "platforms": []string{"myspace"}}, &e))
	require.Contains(t, e.Error.Details, "platforms[0]")
	require.Equal(t, 400, b.do(t, "POST", "/api/v1/preview", map[string]any{"body": "x", "targets": []string{tg}, "source_script": "klingon"}, &e))
	require.Contains(t, e.Error.Details, "source_script")

	var list struct {
		Stories []story `json:"stories"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/stories", nil, &list))
	require.Empty(t, list.Stories, "a preview saves nothing")
}

func TestTailoring_ErrorsBlockSchedulingDraftsKeepThem(t *testing.T) {
	t.Parallel()
	for _, be := range testdb.Backends() {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			b := boot(t, t.TempDir(), be.Options(t).URL)
			xhs, tg := b.accountID(t, ferry.Xiaohongshu), b.accountID(t, ferry.Telegram)
			soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			body := map[string]any{"title": "沒有圖片的筆記", "body": "正文", "targets": []string{xhs, tg}, "scheduled_at": soon}

			var e apiError
			require.Equal(t, 422, b.do(t, "POST", "/api/v1/stories", body, &e))
			require.Equal(t, "unprocessable", e.Error.Code)
			problems := e.Error.Details["problems"].(map[string]any)
			require.Contains(t, problems, xhs)
			require.NotContains(t, problems, tg, "only the variants with errors are listed")
			first := problems[xhs].([]any)[0].(map[string]any)
			require.Equal(t, "media_count", first["code"])
			require.Equal(t, "error", first["severity"])
			require.NotEmpty(t, first["message_zh"])

			// A draft may be saved with problems, and shows them.
			body["scheduled_at"] = nil
			var s story
			require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", body, &s))
			vs := b.variants(t, s.ID)
			require.Equal(t, []string{"media_count"}, codesOf(vs["xiaohongshu"].Problems))
			require.Equal(t, "draft", vs["xiaohongshu"].State)

			// Scheduling it is refused; so is a title over 20.
			require.Equal(t, 422, b.do(t, "POST", "/api/v1/stories/"+s.ID+"/schedule", map[string]any{"at": soon}, &e))
			require.Equal(t, 422, b.do(t, "PATCH", "/api/v1/stories/"+s.ID, map[string]any{"title": strings.Repeat("長", 21), "scheduled_at": soon}, &e))
			require.Equal(t, "draft", b.variants(t, s.ID)["xiaohongshu"].State, "a refused change changes nothing")

			// Without the Xiaohongshu target it goes through.
			var ok story
			require.Equal(t, 200, b.do(t, "PATCH", "/api/v1/stories/"+s.ID, map[string]any{"targets": []string{tg}, "scheduled_at": soon}, &ok))
			require.Equal(t, "scheduled", b.variants(t, s.ID)["telegram"].State)
		})
	}
}

func TestTailoring_EditedVariantIsKeptFlaggedStaleAndSent(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	tg, weibo := b.accountID(t, ferry.Telegram), b.accountID(t, ferry.Weibo)
	var s story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "燈會", "body": "今晚七時開始", "targets": []string{tg, weibo}}, &s))

	var v variant
	var e apiError
	edit := "<b>燈會</b>\n\n今晚七時開始，<i>免費入場</i>"
	require.Equal(t, 200, b.do(t, "PUT", "/api/v1/stories/"+s.ID+"/variants/"+tg, map[string]any{"text": edit}, &v))
	require.True(t, v.Edited)
	require.False(t, v.Stale)
	require.Equal(t, edit, v.Text)
	require.Empty(t, v.Problems)
	require.Equal(t, 400, b.do(t, "PUT", "/api/v1/stories/"+s.ID+"/variants/"+tg, map[string]any{"title": "x", "text": "y"}, &e), "only Xiaohongshu has a title")
	require.Equal(t, 404, b.do(t, "PUT", "/api/v1/stories/"+s.ID+"/variants/acc_nope", map[string]any{"text": "y"}, &e))

	// Broken HTML in an edit is an error: kept on a draft, refused once scheduled.
	require.Equal(t, 200, b.do(t, "PUT", "/api/v1/stories/"+s.ID+"/variants/"+tg, map[string]any{"text": "<b>broken"}, &v))
	require.Equal(t, []string{"telegram_html_invalid"}, codesOf(v.Problems))
	require.Equal(t, 422, b.do(t, "POST", "/api/v1/stories/"+s.ID+"/schedule", map[string]any{"at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, &e))
	require.Equal(t, 200, b.do(t, "PUT", "/api/v1/stories/"+s.ID+"/variants/"+tg, map[string]any{"text": edit}, &v))

	// The story changes: the edit is kept and flagged, the other variant follows.
	require.Equal(t, 200, b.do(t, "PATCH", "/api/v1/stories/"+s.ID, map[string]any{"body": "今晚八時開始"}, nil))
	vs := b.variants(t, s.ID)
	require.Equal(t, edit, vs["telegram"].Text)
	require.True(t, vs["telegram"].Stale)
	require.Contains(t, codesOf(vs["telegram"].Problems), "variant_stale")
	require.NotNil(t, vs["telegram"].Diff)
	var deleted, inserted string
	for _, d := range vs["telegram"].Diff.Text {
		switch d.Op {
		case "delete":
			deleted += d.Text
		case "insert":
			inserted += d.Text
		}
	}
	require.Equal(t, "七", deleted)
	require.Equal(t, "八", inserted)
	require.Equal(t, "【灯会】今晚八时开始 https://ferry.example/demo", vs["weibo"].Text)
	require.False(t, vs["weibo"].Edited)

	// Publishing sends the edit, exactly.
	require.Equal(t, 200, b.do(t, "PATCH", "/api/v1/stories/"+s.ID, map[string]any{"targets": []string{tg}}, nil))
	require.Equal(t, 200, b.do(t, "POST", "/api/v1/stories/"+s.ID+"/publish", nil, nil))
	b.waitAccountState(t, s.ID, tg, "published", 15*time.Second)
	posts := b.m.Sandbox.Posts(ferry.Telegram, "@ferry_demo")
	require.Len(t, posts, 1)
	require.Equal(t, "燈會\n\n今晚七時開始，免費入場", posts[0].Text)
	require.Equal(t, 409, b.do(t, "PUT", "/api/v1/stories/"+s.ID+"/variants/"+tg, map[string]any{"reset": true}, &e), "a published variant cannot change")
}

func TestTailoring_ResetDropsTheEdit(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	tg := b.accountID(t, ferry.Telegram)
	var s story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"body": "原文", "targets": []string{tg}}, &s))
	var v variant
	require.Equal(t, 200, b.do(t, "PUT", "/api/v1/stories/"+s.ID+"/variants/"+tg, map[string]any{"text": "改寫"}, &v))
	require.Equal(t, 200, b.do(t, "PUT", "/api/v1/stories/"+s.ID+"/variants/"+tg, map[string]any{"reset": true}, &v))
	require.False(t, v.Edited)
	require.Equal(t, "原文", v.Text)
}

func TestTailoring_FittedImagesAreSentAndOriginalsKept(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	tg, xhs := b.accountID(t, ferry.Telegram), b.accountID(t, ferry.Xiaohongshu)
	var m struct {
		ID     string `json:"id"`
		SHA256 string `json:"sha256"`
	}
	require.Equal(t, 201, b.upload(t, pngBytes(t, 400, 200), &m))
	var s story
	require.Equal(t, 201, b.do(t, "POST", "/api/v1/stories", map[string]any{"title": "圖", "body": "一張", "media_ids": []string{m.ID}, "targets": []string{tg, xhs}}, &s))
	vs := b.variants(t, s.ID)

	x := vs["xiaohongshu"].Media
	require.Len(t, x, 1)
	require.Equal(t, m.ID, x[0].SourceID)
	require.NotEqual(t, m.ID, x[0].MediaID, "a fitted copy")
	require.Equal(t, 3*x[0].Height, 4*x[0].Width, "3:4 for Xiaohongshu")
	require.Empty(t, vs["xiaohongshu"].Problems)

	ctx := context.Background()
	ws := b.workspace(t)
	fitted, err := b.m.DB.Read().Media(ctx, ws, vs["telegram"].Media[0].MediaID)
	require.NoError(t, err)
	require.Equal(t, m.ID, fitted.ParentID)
	require.Equal(t, "image/jpeg", fitted.Mime)
	orig, err := b.m.DB.Read().Media(ctx, ws, m.ID)
	require.NoError(t, err)
	require.Equal(t, m.SHA256, orig.SHA256, "the original is kept")

	// Moving the focal point fits again.
	var patched struct {
		Focal *ferry.Focal `json:"focal"`
	}
	require.Equal(t, 200, b.do(t, "PATCH", "/api/v1/media/"+m.ID, map[string]any{"focal": map[string]float64{"x": 0.1, "y": 0.5}}, &patched))
	require.Equal(t, &ferry.Focal{X: 0.1, Y: 0.5}, patched.Focal)
	moved := b.variants(t, s.ID)["xiaohongshu"].Media[0]
	require.NotEqual(t, x[0].MediaID, moved.MediaID, "a new crop")
	var e apiError
	require.Equal(t, 400, b.do(t, "PATCH", "/api/v1/media/"+m.ID, map[string]any{"focal": map[string]float64{"x": 2, "y": 0}}, &e))
	require.Equal(t, 400, b.do(t, "PATCH", "/api/v1/media/"+moved.MediaID, map[string]any{"focal": nil}, &e), "copies have no focal point of their own")

	// Telegram receives the fitted copy, not the original.
	require.Equal(t, 200, b.do(t, "PATCH", "/api/v1/stories/"+s.ID, map[string]any{"targets": []string{tg}}, nil))
	require.Equal(t, 200, b.do(t, "POST", "/api/v1/stories/"+s.ID+"/publish", nil, nil))
	b.waitAccountState(t, s.ID, tg, "published", 15*time.Second)
	sent, err := b.m.DB.Read().Media(ctx, ws, b.variants(t, s.ID)["telegram"].Media[0].MediaID)
	require.NoError(t, err)
	posts := b.m.Sandbox.Posts(ferry.Telegram, "@ferry_demo")
	require.Len(t, posts, 1)
	require.Equal(t, []string{"sha256:" + sent.SHA256}, posts[0].Media)
	require.NotEqual(t, "sha256:"+m.SHA256, posts[0].Media[0])
}

func TestTailoring_GlossaryPeopleAndTemplatesShapeVariants(t *testing.T) {
	t.Parallel()
	b := boot(t, t.TempDir(), "")
	weibo, tg := b.accountID(t, ferry.Weibo), b.accountID(t, ferry.Telegram)
	var e apiError

	var g struct {
		Protected []string `json:"protected"`
	}
	require.Equal(t, 200, b.do(t, "PUT", "/api/v1/glossary", map[string]any{"protected": []string{"滑鼠"}, "phrases": []map[string]any{{"from": "硬碟", "to": "磁盘", "scripts": []string{"s"}}}}, &g))
	require.Equal(t, []string{"滑鼠"}, g.Protected)
	require.Equal(t, 400, b.do(t, "PUT", "/api/v1/glossary", map[string]any{"protected": []string{"x"}, "phrases": []map[string]any{{"from": "x", "to": "y"}}}, &e), "a term cannot be both")

	require.Equal(t, 200, b.do(t, "PUT", "/api/v1/people/chan", map[string]any{"name": "陳大文", "handles": map[string]string{"weibo": "@陈大文"}}, nil))
	require.Equal(t, 400, b.do(t, "PUT", "/api/v1/people/bad%7Bkey", map[string]any{"name": "x"}, &e))
	var people struct {
		People []struct {
			Key     string            `json:"key"`
			Handles map[string]string `json:"handles"`
		} `json:"people"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/people", nil, &people))
	require.Equal(t, "陈大文", people.People[0].Handles["weibo"])

	require.Equal(t, 200, b.do(t, "PUT", "/api/v1/templates/telegram", map[string]any{"source": "{{body}}{{#title}} — <i>{{title}}</i>{{/title}}"}, nil))
	require.Equal(t, 400, b.do(t, "PUT", "/api/v1/templates/telegram", map[string]any{"source": "{{colour}}"}, &e))
	require.Equal(t, 404, b.do(t, "PUT", "/api/v1/templates/myspace", map[string]any{"source": "{{body}}"}, &e))
	var templates struct {
		Templates []struct {
			Platform string `json:"platform"`
			Custom   bool   `json:"custom"`
		} `json:"templates"`
	}
	require.Equal(t, 200, b.do(t, "GET", "/api/v1/templates", nil, &templates))
	require.Len(t, templates.Templates, len(ferry.Platforms))

	var out struct {
		Variants []variant `json:"variants"`
	}
	require.Equal(t, 200, b.do(t, "POST", "/api/v1/preview", map[string]any{"title": "A&B", "body": "@{chan}的滑鼠和硬碟", "targets": []string{weibo, tg}}, &out))
	require.Equal(t, "【A&B】@陈大文 的滑鼠和磁盘 https://ferry.example/demo", out.Variants[0].Text)
	require.Equal(t, "陳大文的滑鼠和硬碟 — <i>A&amp;B</i>", out.Variants[1].Text)
	require.Equal(t, []string{"mention_no_handle"}, codesOf(out.Variants[1].Problems))

	// Back to the default.
	require.Equal(t, 200, b.do(t, "DELETE", "/api/v1/templates/telegram", nil, nil))
	require.Equal(t, 204, b.do(t, "DELETE", "/api/v1/people/chan", nil, nil))
	require.Equal(t, 404, b.do(t, "DELETE", "/api/v1/people/chan", nil, &e))

	// Readers read; only editors change.
	ctx := context.Background()
	_, _, err := app.CreateUser(ctx, b.m.DB, "reviewer@ferry.example", "reviewer-password", app.DemoWorkspace, ferry.RoleReviewer)
	require.NoError(t, err)
	tok, err := app.CreateToken(ctx, b.m.DB, "reviewer@ferry.example", app.DemoWorkspace, service.TokenInput{Name: "t"})
	require.NoError(t, err)
	reviewer := *b
	reviewer.token = tok
	require.Equal(t, 200, reviewer.do(t, "GET", "/api/v1/glossary", nil, nil))
	require.Equal(t, 403, reviewer.do(t, "PUT", "/api/v1/glossary", map[string]any{"protected": []string{}}, &e))
	require.Equal(t, 403, reviewer.do(t, "PUT", "/api/v1/templates/weibo", map[string]any{"source": "{{body}}"}, &e))
}
