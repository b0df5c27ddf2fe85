package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// Approvals' pages (service/approvals.go): the inbox of what waits for
// me, a story's review page — what each platform will receive, drawn by
// compose's previews, the change since the content submitted before, a
// decision per target, the comment thread — and the page an external
// approver's link opens.

// approvalsPage is /approvals' data.
type approvalsPage struct {
	Items []service.ApprovalItem
}

func (s *Server) approvalsInbox(w http.ResponseWriter, r *http.Request, rq *request) {
	items, err := s.svc.Approvals(r.Context(), rq.principal())
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	v := s.view(r, rq, "approvals.title")
	v.Data = approvalsPage{Items: items}
	s.pages.Render(w, r, http.StatusOK, "approvals.html", v)
}

// reviewTarget is one target on the review page.
type reviewTarget struct {
	Status  ferry.ApprovalStatus
	Name    string
	Preview previewSet
	// Diff is the change of the text since the content submitted before
	// (nil when none).
	Diff []ferry.TextEdit
	// Awaited words who the target waits for.
	Awaited string
	// MayDecide says whether the person may decide on it.
	MayDecide bool
}

// reviewPage is /stories/{id}/review's data.
type reviewPage struct {
	Story    *service.StoryView
	Title    string
	Targets  []reviewTarget
	Comments []*ferry.StoryComment
	// CanSubmit says whether the person may submit, and something awaits
	// submission.
	CanSubmit bool
	CanEdit   bool
	Comment   string
	Link      *service.ApprovalLink
	LinkEmail string
	Done      string
	// External is set on an external approver's page.
	External *service.ExternalReview
	Token    string
	// V is the page's view; the actions are where decisions go.
	V                           *view
	ApproveAction, RejectAction string
}

// ApprovalTone is an approval state's colour class.
func (v *view) ApprovalTone(state string) string {
	switch state {
	case ferry.ApprovalApproved:
		return "ok"
	case ferry.ApprovalRejected, ferry.ApprovalBroken:
		return "bad"
	case ferry.ApprovalPending:
		return "warn"
	}
	return "off"
}

// approverWords words approvers for people: a role by its name in the
// page's language, a member by name, an email as is.
func (v *view) approverWords(approvers []string) string {
	// An external approver's page has no member to ask as: members are
	// then named by id.
	members, _ := v.s.svc.Members(v.ctx, v.rq.principal())
	var out []string
	for _, a := range approvers {
		kind, value, err := ferry.ParseApprover(a)
		switch {
		case err != nil:
			out = append(out, a)
		case kind == ferry.ApproverRole:
			out = append(out, v.T("role."+value))
		case kind == ferry.ApproverUser:
			out = append(out, ferry.MemberName(members, value))
		default:
			out = append(out, value)
		}
	}
	return strings.Join(out, v.T("summary.separator"))
}

// Plus1 is n+1: a 0-based index as people count.
func (v *view) Plus1(n int) int { return n + 1 }

func (s *Server) review(w http.ResponseWriter, r *http.Request, rq *request) {
	page := reviewPage{Done: r.URL.Query().Get("done")}
	if !strings.HasPrefix(page.Done, "review.done.") {
		page.Done = ""
	}
	s.renderReview(w, r, rq, http.StatusOK, page, nil)
}

func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, rq *request, status int, page reviewPage, errs map[string]string) {
	ctx, p := r.Context(), rq.principal()
	id := r.PathValue("id")
	st, err := s.svc.Story(ctx, p, id)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	statuses, err := s.svc.StoryApprovals(ctx, p, id)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	if page.Comments, err = s.svc.StoryComments(ctx, p, id); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	_, accts, err := s.accountGroups(ctx, p)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	v := s.view(r, rq, "review.title")
	v.Errors = errs
	f := composeForm{Title: st.Title, Body: st.Body, Tags: strings.Join(st.Tags, " "), Links: strings.Join(st.Links, "\n"),
		SourceScript: st.SourceScript, Targets: st.Targets, MediaIDs: st.MediaIDs}
	previews, err := s.previews(ctx, rq, v, f, st.ID, accts)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	cards := map[string]previewCard{}
	for _, c := range previews.Cards {
		cards[c.AccountID] = c
	}
	page.Story, page.Title, page.CanEdit = st, service.StoryTitle(st.Story), p.Role.AtLeast(ferry.RoleEditor)
	if page.Targets, err = s.reviewTargets(r, rq, v, st.Story, statuses, cards, accts, p); err != nil {
		s.fail(w, r, rq, err)
		return
	}
	for _, t := range page.Targets {
		if page.CanEdit && (t.Status.State == ferry.ApprovalDraft || t.Status.State == ferry.ApprovalRejected) {
			page.CanSubmit = true
		}
	}
	page.V, page.ApproveAction, page.RejectAction = v, "/stories/"+st.ID+"/approve", "/stories/"+st.ID+"/reject"
	v.Data = page
	v.Here = "/stories/" + st.ID + "/review"
	s.pages.Render(w, r, status, "review.html", v)
}

// reviewTargets builds each target's part of a review page.
func (s *Server) reviewTargets(r *http.Request, rq *request, v *view, story *ferry.Story, statuses []ferry.ApprovalStatus, cards map[string]previewCard, accts map[string]*ferry.Account, p ferry.Principal) ([]reviewTarget, error) {
	ctx := r.Context()
	var out []reviewTarget
	for _, st := range statuses {
		t := reviewTarget{Status: st}
		if a := accts[st.AccountID]; a != nil {
			t.Name = a.Name
		}
		if c, ok := cards[st.AccountID]; ok {
			t.Preview = previewSet{V: v, Cards: []previewCard{c}}
		}
		if st.PreviousFingerprint != "" {
			diff, err := s.svc.ApprovalDiff(ctx, p, story.ID, st.AccountID)
			if err != nil {
				return nil, err
			}
			t.Diff = diff
		}
		t.Awaited = v.approverWords(st.Awaited)
		if st.State == ferry.ApprovalPending || st.State == ferry.ApprovalRejected {
			t.MayDecide = p.UserID == "" || ferry.ApproverMatches(st.Awaited, p.UserID, p.Role, "")
		}
		out = append(out, t)
	}
	return out, nil
}

// decisionInput reads a decision form: the target and the fingerprint of
// what the person saw.
func decisionInput(r *http.Request) service.DecisionInput {
	in := service.DecisionInput{Comment: r.PostForm.Get("comment")}
	if acct := r.PostForm.Get("account"); acct != "" {
		in.AccountIDs = []string{acct}
		if fp := r.PostForm.Get("fingerprint"); fp != "" {
			in.Fingerprints = map[string]string{acct: fp}
		}
	}
	return in
}

// decisionError is the review page's word for a refused decision, or "".
func decisionError(err error) (string, string) {
	switch ferry.ErrorCode(err) {
	case ferry.ECONFLICT:
		return "decision", "review.error.changed"
	case ferry.EFORBIDDEN:
		return "decision", "review.error.not_yours"
	case ferry.EUNPROCESSABLE:
		return "comment", "review.error.comment"
	}
	return "", ""
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request, rq *request, decision string) {
	in := decisionInput(r)
	var err error
	if decision == ferry.DecisionApprove {
		_, err = s.svc.Approve(r.Context(), rq.principal(), r.PathValue("id"), in)
	} else {
		_, err = s.svc.Reject(r.Context(), rq.principal(), r.PathValue("id"), in)
	}
	if field, key := decisionError(err); key != "" {
		s.renderReview(w, r, rq, http.StatusConflict, reviewPage{Comment: in.Comment}, map[string]string{field: key})
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/stories/"+r.PathValue("id")+"/review?done=review.done."+decision, http.StatusSeeOther)
}

func (s *Server) approveStory(w http.ResponseWriter, r *http.Request, rq *request) {
	s.decide(w, r, rq, ferry.DecisionApprove)
}

func (s *Server) rejectStory(w http.ResponseWriter, r *http.Request, rq *request) {
	s.decide(w, r, rq, ferry.DecisionReject)
}

func (s *Server) submitStory(w http.ResponseWriter, r *http.Request, rq *request) {
	_, err := s.svc.SubmitStory(r.Context(), rq.principal(), r.PathValue("id"), nil)
	if ferry.IsCode(err, ferry.ECONFLICT) {
		s.renderReview(w, r, rq, http.StatusConflict, reviewPage{}, map[string]string{"submit": "review.error.submit"})
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/stories/"+r.PathValue("id")+"/review?done=review.done.submit", http.StatusSeeOther)
}

func (s *Server) commentStory(w http.ResponseWriter, r *http.Request, rq *request) {
	body := r.PostForm.Get("body")
	_, err := s.svc.AddComment(r.Context(), rq.principal(), r.PathValue("id"), body)
	if ferry.IsCode(err, ferry.EUNPROCESSABLE) {
		s.renderReview(w, r, rq, http.StatusBadRequest, reviewPage{Comment: body}, map[string]string{"body": "review.error.body"})
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/stories/"+r.PathValue("id")+"/review?done=review.done.comment#comments", http.StatusSeeOther)
}

func (s *Server) approvalLink(w http.ResponseWriter, r *http.Request, rq *request) {
	email := strings.TrimSpace(r.PostForm.Get("email"))
	l, err := s.svc.CreateApprovalLink(r.Context(), rq.principal(), r.PathValue("id"), email, s.baseURL(r))
	if ferry.IsCode(err, ferry.EUNPROCESSABLE) {
		s.renderReview(w, r, rq, http.StatusBadRequest, reviewPage{LinkEmail: email}, map[string]string{"email": "review.error.email"})
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	// Shown once: only its hash is kept.
	s.renderReview(w, r, rq, http.StatusOK, reviewPage{Link: l}, nil)
}

// baseURL is Ferry's address as this browser reaches it.
func (s *Server) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// externalReview is the page an external approver's link opens.
func (s *Server) externalReview(w http.ResponseWriter, r *http.Request, rq *request) {
	s.renderExternal(w, r, rq, http.StatusOK, reviewPage{Done: r.URL.Query().Get("done")}, nil)
}

func (s *Server) renderExternal(w http.ResponseWriter, r *http.Request, rq *request, status int, page reviewPage, errs map[string]string) {
	token := r.PathValue("token")
	ext, err := s.svc.OpenApprovalLink(r.Context(), token)
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	if !strings.HasPrefix(page.Done, "review.done.") {
		page.Done = ""
	}
	v := s.view(r, rq, "review.title")
	v.Errors = errs
	page.External, page.Token, page.Title = ext, token, service.StoryTitle(ext.Story)
	for _, st := range ext.Targets {
		t := reviewTarget{Status: st, MayDecide: st.State == ferry.ApprovalPending || st.State == ferry.ApprovalRejected, Awaited: v.approverWords(st.Awaited)}
		vv, err := s.svc.SentContent(r.Context(), ext.Story, st.AccountID)
		if err != nil {
			s.fail(w, r, rq, err)
			return
		}
		t.Name = vv.AccountName
		c := previewCard{AccountID: st.AccountID, Platform: vv.Platform, Name: vv.AccountName, Length: vv.Length, Script: vv.Script}
		c.TitleUsed = len([]rune(vv.Title))
		c.Title = mark(vv.Title, vv.Platform, nil, "", v.ProblemMessage)
		c.Text = mark(vv.Text, vv.Platform, nil, vv.Source, v.ProblemMessage)
		c.Converted = vv.Source != "" && vv.Source != vv.Text
		t.Preview = previewSet{V: v, Cards: []previewCard{c}}
		if st.PreviousFingerprint != "" {
			t.Diff = vv.Diff
		}
		page.Targets = append(page.Targets, t)
	}
	page.V, page.ApproveAction, page.RejectAction = v, "/review/"+token, "/review/"+token
	v.Data = page
	v.Here = "/review/" + token
	s.pages.Render(w, r, status, "review_external.html", v)
}

func (s *Server) externalDecide(w http.ResponseWriter, r *http.Request, rq *request) {
	decision := r.PostForm.Get("decision")
	in := decisionInput(r)
	_, err := s.svc.DecideByLink(r.Context(), r.PathValue("token"), decision, in)
	if field, key := decisionError(err); key != "" {
		s.renderExternal(w, r, rq, http.StatusConflict, reviewPage{Comment: in.Comment}, map[string]string{field: key})
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/review/"+r.PathValue("token")+"?done=review.done."+decision, http.StatusSeeOther)
}

// policyForm is the approval policy editor's input, on an account's page
// or, for the workspace's default, in the settings: up to three steps,
// each a list of approvers (comma-separated) and a count.
type policyForm struct {
	Steps     []policyStepForm
	AllowSelf bool
	Inherited bool
	// Default is the workspace's default policy, not an account's.
	Default bool
	Problem string
}

// policyEditor is what the "policy-editor" template shows: the form, where
// it is sent, and whether the person may change it.
type policyEditor struct {
	V        *view
	F        policyForm
	Action   string
	Editable bool
}

// PolicyEditor is the editor of a policy whose form is sent to action.
func (v *view) PolicyEditor(f policyForm, action string, editable bool) policyEditor {
	return policyEditor{V: v, F: f, Action: action, Editable: editable}
}

type policyStepForm struct {
	N         int // 1-based
	Approvers string
	Required  string
}

// maxPolicySteps is how many steps the editor offers.
const maxPolicySteps = 3

// policyFormOf is the editor's form for a policy.
func policyFormOf(v *service.ApprovalPolicyView) policyForm {
	f := policyForm{AllowSelf: v.AllowSelf, Inherited: v.Inherited, Problem: v.Problem}
	for i, st := range v.Steps {
		f.Steps = append(f.Steps, policyStepForm{N: i + 1, Approvers: strings.Join(st.Approvers, ", "), Required: strconv.Itoa(st.Required)})
	}
	for len(f.Steps) < maxPolicySteps {
		f.Steps = append(f.Steps, policyStepForm{N: len(f.Steps) + 1})
	}
	return f
}

func (s *Server) savePolicy(w http.ResponseWriter, r *http.Request, rq *request) {
	id := r.PathValue("id")
	ctx, p := r.Context(), rq.principal()
	if r.PostForm.Get("reset") == "yes" {
		if _, err := s.svc.ResetApprovalPolicy(ctx, p, id); err != nil {
			s.fail(w, r, rq, err)
			return
		}
		http.Redirect(w, r, "/accounts/"+id+"?done=policy#approval", http.StatusSeeOther)
		return
	}
	form, errs, err := s.setPolicy(r, p, id)
	if errs != nil {
		o, oerr := s.svc.AccountOverview(ctx, p, id)
		if oerr != nil {
			s.fail(w, r, rq, oerr)
			return
		}
		s.renderAccount(w, r, rq, http.StatusUnprocessableEntity, accountPage{AccountOverview: *o, Form: formOf(o.Account), Policy: form}, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/accounts/"+id+"?done=policy#approval", http.StatusSeeOther)
}

// setPolicy sets the policy of an account (or, with accountID "", the
// workspace's default) from the editor's form. When the form is refused it
// returns the form as sent and the errors to show beside its fields;
// other failures are err.
func (s *Server) setPolicy(r *http.Request, p ferry.Principal, accountID string) (policyForm, map[string]string, error) {
	form := policyForm{AllowSelf: r.PostForm.Get("allow_self") == "yes", Default: accountID == ""}
	in := service.ApprovalPolicyInput{AllowSelf: form.AllowSelf, Steps: []ferry.ApprovalStep{}}
	errs := map[string]string{}
	for i := range maxPolicySteps {
		sf := policyStepForm{N: i + 1, Approvers: strings.TrimSpace(r.PostForm.Get("approvers" + strconv.Itoa(i))), Required: strings.TrimSpace(r.PostForm.Get("required" + strconv.Itoa(i)))}
		form.Steps = append(form.Steps, sf)
		if sf.Approvers == "" {
			continue
		}
		step := ferry.ApprovalStep{Required: 1}
		for _, a := range strings.Split(sf.Approvers, ",") {
			if a = strings.TrimSpace(a); a != "" {
				step.Approvers = append(step.Approvers, a)
			}
		}
		if sf.Required != "" {
			n, err := strconv.Atoi(sf.Required)
			if err != nil || n < 1 {
				errs["required"+strconv.Itoa(i)] = "policy.error.required"
			}
			step.Required = n
		}
		in.Steps = append(in.Steps, step)
	}
	if len(errs) > 0 {
		return form, errs, nil
	}
	_, err := s.svc.SetApprovalPolicy(r.Context(), p, accountID, in)
	if ferry.IsCode(err, ferry.EUNPROCESSABLE) {
		form.Problem = ferry.ErrorMessage(err)
		return form, map[string]string{"policy": "policy.error.invalid"}, nil
	}
	return form, nil, err
}

// approvalSettings is the workspace's default approval policy, in the
// settings (admins).
func (s *Server) approvalSettings(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.adminOnly(w, r, rq) {
		return
	}
	pol, err := s.svc.ApprovalPolicy(r.Context(), rq.principal(), "")
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	form := policyFormOf(pol)
	form.Default = true
	s.renderSettings(w, r, rq, http.StatusOK, "approvals", approvalSettingsData{Policy: form, Saved: r.URL.Query().Get("done") == "policy"}, nil)
}

// approvalSettingsData is the default policy's settings page.
type approvalSettingsData struct {
	Policy policyForm
	Saved  bool
}

func (s *Server) saveApprovalSettings(w http.ResponseWriter, r *http.Request, rq *request) {
	if !s.adminOnly(w, r, rq) {
		return
	}
	form, errs, err := s.setPolicy(r, rq.principal(), "")
	if errs != nil {
		s.renderSettings(w, r, rq, http.StatusUnprocessableEntity, "approvals", approvalSettingsData{Policy: form}, errs)
		return
	}
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/settings/approvals?done=policy", http.StatusSeeOther)
}
