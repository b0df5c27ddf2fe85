package facebook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/sandbox"
)

const sandboxPage = "100000000000001"

type sandboxBundle struct {
	sb   *sandbox.Sandbox
	srv  *httptest.Server
	fb   *Connector
	acct platform.Account
}

func setupSandbox(t *testing.T) sandboxBundle {
	t.Helper()
	sb := sandbox.New()
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sandboxBundle{
		sb:   sb,
		srv:  srv,
		fb:   New(Config{BaseURL: srv.URL + "/graph", DialogURL: srv.URL + "/graph", AppID: "ferry", AppSecret: "sandbox-secret"}),
		acct: platform.Account{ID: "a", ExternalID: sandboxPage, Credentials: map[string]string{"page_access_token": sandbox.FacebookPageToken(sandboxPage)}},
	}
}

func TestSandbox_PublishReconcileMeasureDelete(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	ctx := context.Background()
	since := time.Now()
	posts := []platform.Post{
		{Text: "Text only: Chung Yeung hike up Lion Rock"},
		{Text: "One photo", Media: []platform.Media{photo(t, "a")}},
		{Text: "Three photos", Media: []platform.Media{photo(t, "a"), photo(t, "b"), photo(t, "c")}},
	}
	var ids []string
	for _, p := range posts {
		res, err := b.fb.Publish(ctx, b.acct, p)
		require.NoError(t, err)
		require.Contains(t, res.URL, "https://www.facebook.com/"+sandboxPage+"/posts/")
		ids = append(ids, res.RemoteID)

		found, ok, err := b.fb.Lookup(ctx, b.acct, p, since)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, res.RemoteID, found.RemoteID)
	}
	recorded := b.sb.Posts(ferry.Facebook, sandboxPage)
	require.Len(t, recorded, 3)
	for i, r := range recorded {
		require.Equal(t, ids[i], r.RemoteID)
		require.Equal(t, posts[i].Text, r.Text)
		require.Len(t, r.Media, len(posts[i].Media))
	}

	id, err := b.fb.Verify(ctx, b.acct)
	require.NoError(t, err)
	require.Equal(t, platform.Identity{ExternalID: sandboxPage, Name: "Ferry Sandbox Page"}, id)
	am, err := b.fb.AccountMetrics(ctx, b.acct)
	require.NoError(t, err)
	require.Positive(t, *am.Followers)

	require.NoError(t, b.fb.Delete(ctx, b.acct, ids[0]))
	require.True(t, b.sb.Posts(ferry.Facebook, sandboxPage)[0].Deleted)
	pm, err := b.fb.PostMetrics(ctx, b.acct, ids)
	require.NoError(t, err)
	require.NotContains(t, pm, ids[0], "a deleted post is absent, and does not hide the others")
	require.Len(t, pm, 2)
	for _, m := range pm {
		require.NotNil(t, m.Likes)
		require.NotNil(t, m.Comments)
		require.NotNil(t, m.Shares)
		require.NotNil(t, m.Views)
	}
	_, ok, err := b.fb.Lookup(ctx, b.acct, posts[0], since)
	require.NoError(t, err)
	require.False(t, ok, "a deleted post is not found")
}

func TestSandbox_DuplicateAndRevokedToken(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	ctx := context.Background()
	_, err := b.fb.Publish(ctx, b.acct, platform.Post{Text: "Once"})
	require.NoError(t, err)
	_, err = b.fb.Publish(ctx, b.acct, platform.Post{Text: "Once"})
	require.Equal(t, platform.Duplicate, platform.Classify(err).Class)

	b.sb.RevokeGraphToken(sandbox.FacebookPageToken(sandboxPage))
	_, err = b.fb.Publish(ctx, b.acct, platform.Post{Text: "Twice"})
	pe := platform.Classify(err)
	require.Equal(t, platform.Reauth, pe.Class)
	require.Equal(t, "facebook:190/460", pe.Code)
	require.Len(t, b.sb.Posts(ferry.Facebook, ""), 1)
}

func TestSandbox_LostAnswerIsReconciledNotRepeated(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	ctx := context.Background()
	since := time.Now()
	post := platform.Post{Text: "Said once, heard never"}
	require.NoError(t, b.sb.SetFaults(sandbox.Faults{Platform: ferry.Facebook, DropResponseRate: 1}))
	_, err := b.fb.Publish(ctx, b.acct, post)
	require.Equal(t, platform.Unknown, platform.Classify(err).Class, "the post may be out: reconcile, do not resend")
	require.NoError(t, b.sb.SetFaults(sandbox.Faults{Platform: ferry.Facebook}))

	res, found, err := b.fb.Lookup(ctx, b.acct, post, since)
	require.NoError(t, err)
	require.True(t, found)
	recorded := b.sb.Posts(ferry.Facebook, sandboxPage)
	require.Len(t, recorded, 1)
	require.Equal(t, recorded[0].RemoteID, res.RemoteID)
}

func TestSandbox_LoginFlow(t *testing.T) {
	t.Parallel()
	b := setupSandbox(t)
	ctx := context.Background()
	redirect := "https://ferry.example/oauth/facebook"
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(b.fb.LoginURL(redirect, "xyz"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "xyz", back.Query().Get("state"))

	short, err := b.fb.ExchangeCode(ctx, back.Query().Get("code"), redirect)
	require.NoError(t, err)
	long, err := b.fb.LongLivedToken(ctx, short.AccessToken)
	require.NoError(t, err)
	require.True(t, long.ExpiresAt.After(time.Now().Add(59*24*time.Hour)))
	pages, err := b.fb.Pages(ctx, long.AccessToken)
	require.NoError(t, err)
	require.Len(t, pages, 2)
	require.Equal(t, sandbox.InstagramUserOf(pages[0].ID), pages[0].InstagramBusinessAccountID)

	acct := platform.Account{ExternalID: pages[1].ID, Credentials: map[string]string{"page_access_token": pages[1].AccessToken}}
	_, err = b.fb.Publish(ctx, acct, platform.Post{Text: "Connected through Facebook Login"})
	require.NoError(t, err)
	require.Len(t, b.sb.Posts(ferry.Facebook, pages[1].ID), 1)
}
