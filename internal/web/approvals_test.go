package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// The approval pages without JavaScript: the policy editor on an account's
// page (a stranger refused with the form kept), submit on the review page,
// the reviewer's inbox, a rejection without a comment refused, approval,
// a comment, and an external approver's link — in the three languages.
func TestApprovals_Pages(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	ctx := context.Background()
	acct := tb.account(owner, ferry.Telegram, "@harbour", "Harbour Telegram")
	tb.addPerson(owner, "rita@example.org", "Rita", ferry.RoleReviewer)
	br := tb.signedIn("ada@example.org", "en")
	csrf := br.csrf()

	p := br.post("/accounts/"+acct.ID+"/approval-policy", "same-origin", url.Values{"csrf": {csrf}, "approvers0": {"user:usr_stranger"}, "required0": {"1"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status, p.body)
	require.Contains(t, p.body, `value="user:usr_stranger"`, "the form comes back as typed")
	require.Contains(t, text(p.body), "The policy was not saved")
	p = br.post("/accounts/"+acct.ID+"/approval-policy", "same-origin", url.Values{"csrf": {csrf}, "approvers0": {"role:reviewer"}, "required0": {"1"}, "approvers1": {"email:legal@gov.example"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	p = br.get("/accounts/" + acct.ID)
	require.Contains(t, p.body, `value="email:legal@gov.example"`)

	st, err := tb.svc.CreateStory(ctx, owner, service.StoryInput{Title: "颱風消息", Body: "渡輪今日中午停航。", Targets: []string{acct.ID}})
	require.NoError(t, err)
	p = br.get("/stories/" + st.ID + "/review")
	require.Equal(t, http.StatusOK, p.status, p.body)
	require.Contains(t, text(p.body), "Not submitted")
	require.Contains(t, p.body, "渡輪今日中午停航", "the preview shows what is sent")
	p = br.post("/stories/"+st.ID+"/submit", "same-origin", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)

	rita := tb.signedIn("rita@example.org", "zh-Hant")
	p = rita.get("/approvals")
	require.Equal(t, http.StatusOK, p.status)
	require.Contains(t, p.body, "/stories/"+st.ID+"/review")
	require.Contains(t, text(p.body), "審批中")
	p = rita.get("/stories/" + st.ID + "/review")
	fp := regexp.MustCompile(`name="fingerprint" value="([0-9a-f]+)"`).FindStringSubmatch(p.body)
	require.NotNil(t, fp, p.body)
	rcsrf := rita.csrf()
	p = rita.post("/stories/"+st.ID+"/reject", "same-origin", url.Values{"csrf": {rcsrf}, "account": {acct.ID}, "fingerprint": {fp[1]}, "decision": {"reject"}})
	require.Equal(t, http.StatusConflict, p.status)
	require.Contains(t, text(p.body), "退回時須留下意見")
	p = rita.post("/stories/"+st.ID+"/approve", "same-origin", url.Values{"csrf": {rcsrf}, "account": {acct.ID}, "fingerprint": {"stale"}, "decision": {"approve"}})
	require.Equal(t, http.StatusConflict, p.status)
	p = rita.post("/stories/"+st.ID+"/approve", "same-origin", url.Values{"csrf": {rcsrf}, "account": {acct.ID}, "fingerprint": {fp[1]}, "comment": {"好"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	p = rita.get(p.location)
	require.Contains(t, text(p.body), "已核准")
	require.Contains(t, text(p.body), "第 2 步：正在等候 legal@gov.example")
	p = rita.post("/stories/"+st.ID+"/comments", "same-origin", url.Values{"csrf": {rcsrf}, "body": {"@ada@example.org 時間對嗎？"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	comments, err := tb.svc.StoryComments(ctx, owner, st.ID)
	require.NoError(t, err)
	require.Equal(t, []string{owner.UserID}, comments[0].Mentions)

	// An external approver: the link is shown once; its page needs no account.
	p = br.post("/stories/"+st.ID+"/approval-links", "same-origin", url.Values{"csrf": {csrf}, "email": {"legal@gov.example"}})
	require.Equal(t, http.StatusOK, p.status, p.body)
	link := regexp.MustCompile(`http://ferry\.test(/review/[A-Za-z0-9_-]+)`).FindStringSubmatch(p.body)
	require.NotNil(t, link, p.body)
	ext := tb.browser()
	ext.lang = "zh-Hans"
	p = ext.get(link[1])
	require.Equal(t, http.StatusOK, p.status, p.body)
	require.Contains(t, text(p.body), "legal@gov.example")
	require.Contains(t, p.body, "渡輪今日中午停航")
	require.NotContains(t, p.body, `name="csrf"`, "no session, no CSRF token: the cross-origin check guards the form")
	efp := regexp.MustCompile(`name="fingerprint" value="([0-9a-f]+)"`).FindStringSubmatch(p.body)
	require.NotNil(t, efp)
	p = ext.post(link[1], "same-origin", url.Values{"account": {acct.ID}, "fingerprint": {efp[1]}, "decision": {"reject"}, "comment": {"日期有误"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	list, err := tb.svc.StoryApprovals(ctx, owner, st.ID)
	require.NoError(t, err)
	require.Equal(t, ferry.ApprovalRejected, list[0].State)
	require.Equal(t, "legal@gov.example", list[0].Decisions[len(list[0].Decisions)-1].Email)
	p = ext.get("/review/fry_nothing")
	require.Equal(t, http.StatusNotFound, p.status)
	require.True(t, strings.Contains(p.body, "lang=\"zh-Hans\"") || strings.Contains(p.body, "lang=\"zh-CN\""), "the error page in the reader's language")
}

// The workspace's default approval policy in the settings (admins): a bad
// count and an unknown approver come back beside the form, kept as typed,
// and change nothing; a good policy is saved, applies to an account
// without its own, and can be emptied again. A reviewer is refused.
func TestApprovals_WorkspaceDefaultInTheSettings(t *testing.T) {
	t.Parallel()
	tb := setup(t, testdb.Backends()[0])
	owner := tb.setUp()
	ctx := context.Background()
	acct := tb.account(owner, ferry.Telegram, "@harbour", "Harbour Telegram")
	tb.addPerson(owner, "rita@example.org", "Rita", ferry.RoleReviewer)
	br := tb.signedIn("ada@example.org", "zh-Hant")
	csrf := br.csrf()

	p := br.get("/settings/approvals")
	require.Equal(t, http.StatusOK, p.status, p.body)
	require.Contains(t, text(p.body), "未設專屬規則的帳戶都沿用此預設規則")
	require.Contains(t, p.body, `href="/settings/approvals" aria-current="page"`)
	require.NotContains(t, p.body, `name="reset"`, "the default has nothing to fall back to")

	p = br.post("/settings/approvals", "same-origin", url.Values{"csrf": {csrf}, "approvers0": {"role:reviewer"}, "required0": {"0"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status, p.body)
	require.Contains(t, p.body, `value="role:reviewer"`, "the form comes back as typed")
	require.Contains(t, p.body, `id="required0-error"`)
	p = br.post("/settings/approvals", "same-origin", url.Values{"csrf": {csrf}, "approvers0": {"user:usr_stranger"}, "required0": {"1"}})
	require.Equal(t, http.StatusUnprocessableEntity, p.status, p.body)
	require.Contains(t, p.body, `value="user:usr_stranger"`)
	require.Contains(t, text(p.body), "規則未儲存")
	pol, err := tb.svc.ApprovalPolicy(ctx, owner, "")
	require.NoError(t, err)
	require.Empty(t, pol.Steps, "a refused policy changes nothing")

	p = br.post("/settings/approvals", "same-origin", url.Values{"csrf": {csrf}, "approvers0": {"role:reviewer"}, "required0": {"1"}, "allow_self": {"yes"}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	require.Equal(t, "/settings/approvals?done=policy", p.header.Get("Location"))
	p = br.get("/settings/approvals?done=policy")
	require.Contains(t, p.body, `value="role:reviewer"`)
	require.Contains(t, text(p.body), "已儲存")
	pol, err = tb.svc.ApprovalPolicy(ctx, owner, acct.ID)
	require.NoError(t, err)
	require.True(t, pol.Inherited, "the account has no policy of its own")
	p = br.get("/accounts/" + acct.ID)
	require.Contains(t, p.body, `<a href="/settings/approvals">修改預設規則</a>`, "the account's page leads to the default")
	require.Equal(t, []ferry.ApprovalStep{{Approvers: []string{"role:reviewer"}, Required: 1}}, pol.Steps)
	require.True(t, pol.AllowSelf)

	p = br.post("/settings/approvals", "same-origin", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	pol, err = tb.svc.ApprovalPolicy(ctx, owner, "")
	require.NoError(t, err)
	require.Empty(t, pol.Steps, "every step empty: no approval")

	rita := tb.signedIn("rita@example.org", "en")
	require.Equal(t, http.StatusForbidden, rita.get("/settings/approvals").status)
	require.NotContains(t, rita.get("/settings/profile").body, `href="/settings/approvals"`)
}
