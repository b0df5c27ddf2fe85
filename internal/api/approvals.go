package api

import (
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// approvalRoutes are approvals' (service/approvals.go).
func (s *Server) approvalRoutes() []route {
	conflict := map[string]any{"409": "The content changed since the approver saw it (details.fingerprints: account → current fingerprint; details.story_version), or the account's policy cannot be satisfied."}
	return []route{
		{method: "GET", path: "/api/v1/approval-policy", handler: s.getDefaultPolicy, response: "ApprovalPolicy",
			summary: "The workspace's default approval policy: what an account without its own needs."},
		{method: "PUT", path: "/api/v1/approval-policy", handler: s.putDefaultPolicy, request: "ApprovalPolicyInput", response: "ApprovalPolicy",
			summary: "Set the workspace's default approval policy (admin). {\"steps\":[]}: no approval. 422 for an approver who is not a member or a step its approvers cannot satisfy."},
		{method: "GET", path: "/api/v1/accounts/{id}/approval-policy", handler: s.getAccountPolicy, response: "ApprovalPolicy",
			summary: "The approval policy that applies to an account: its own, or the workspace's default (inherited: true). problem says why it cannot be satisfied (a step's last approver left or changed role); until fixed nothing can be approved."},
		{method: "PUT", path: "/api/v1/accounts/{id}/approval-policy", handler: s.putAccountPolicy, request: "ApprovalPolicyInput", response: "ApprovalPolicy",
			summary: "Set an account's approval policy (admin). approvers items: role:<role>, user:<user id> (a member) or email:<address> (an external approver, who decides through a link). 422 as for the default."},
		{method: "DELETE", path: "/api/v1/accounts/{id}/approval-policy", handler: s.deleteAccountPolicy, response: "ApprovalPolicy",
			summary: "Remove an account's own approval policy: it follows the workspace's default (admin)."},
		{method: "GET", path: "/api/v1/approvals", handler: s.listApprovals, response: "ApprovalInbox",
			summary: "What waits for the calling person's decision: targets submitted, at a step that names them, not yet approved by them."},
		{method: "GET", path: "/api/v1/stories/{id}/approvals", handler: s.storyApprovals, response: "ApprovalStatusList",
			summary: "Where each target of a story stands: not_needed, not_submitted, pending (step, awaited), approved, rejected, or policy_broken (problem); with the fingerprint of what would be sent and the decisions on it."},
		{method: "POST", path: "/api/v1/stories/{id}/submit", handler: s.submitStory, request: "SubmitInput", response: "ApprovalStatusList",
			summary: "Ask for approval of what would be sent to the story's targets (editor; account_ids: some of them). Scheduling a story whose targets need approval submits it. Submitting content already waiting or approved changes nothing.", responses: conflict},
		{method: "POST", path: "/api/v1/stories/{id}/approve", handler: s.approveStory, request: "DecisionInput", response: "ApprovalStatusList",
			summary: "Approve what would be sent (account_ids: some targets; fingerprints: what you saw, by account). Approving twice changes nothing. A publication that came due waiting for this approval is sent at once. 403 on your own story unless the policy allows it, or when what waits is for other approvers; 409 when nothing waits for a decision (not submitted) or the content changed.", responses: conflict},
		{method: "POST", path: "/api/v1/stories/{id}/reject", handler: s.rejectStory, request: "DecisionInput", response: "ApprovalStatusList",
			summary: "Reject what would be sent, with a comment (required).", responses: conflict},
		{method: "POST", path: "/api/v1/stories/{id}/approval-links", handler: s.createApprovalLink, request: "ApprovalLinkInput", response: "ApprovalLink", status: 201,
			summary: "Make a signed link for an external approver a policy names (email:<address>) to review the story and approve or reject it without an account (editor). The link is shown once (only its hash is kept) and expires after 7 days; decisions are recorded under the email address."},
		{method: "GET", path: "/api/v1/stories/{id}/comments", handler: s.listComments, response: "CommentList",
			summary: "A story's comment thread, oldest first."},
		{method: "POST", path: "/api/v1/stories/{id}/comments", handler: s.addComment, request: "CommentInput", response: "Comment", status: 201,
			summary: "Comment on a story (reviewer). Members named as @<email> or @<name> (followed by a space or punctuation) are mentioned and emailed."},
	}
}

func (s *Server) getDefaultPolicy(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	return s.writePolicy(w)(s.svc.ApprovalPolicy(r.Context(), p, ""))
}

func (s *Server) putDefaultPolicy(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.ApprovalPolicyInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if _, err := s.svc.SetApprovalPolicy(r.Context(), p, "", in); err != nil {
		return err
	}
	return s.writePolicy(w)(s.svc.ApprovalPolicy(r.Context(), p, ""))
}

func (s *Server) getAccountPolicy(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	return s.writePolicy(w)(s.svc.ApprovalPolicy(r.Context(), p, r.PathValue("id")))
}

func (s *Server) putAccountPolicy(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.ApprovalPolicyInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if _, err := s.svc.SetApprovalPolicy(r.Context(), p, r.PathValue("id"), in); err != nil {
		return err
	}
	return s.writePolicy(w)(s.svc.ApprovalPolicy(r.Context(), p, r.PathValue("id")))
}

func (s *Server) deleteAccountPolicy(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	return s.writePolicy(w)(s.svc.ResetApprovalPolicy(r.Context(), p, r.PathValue("id")))
}

func (s *Server) writePolicy(w http.ResponseWriter) func(*service.ApprovalPolicyView, error) error {
	return func(v *service.ApprovalPolicyView, err error) error {
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}

func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	items, err := s.svc.Approvals(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"approvals": items})
	return nil
}

func writeStatuses(w http.ResponseWriter, list []ferry.ApprovalStatus, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"targets": list})
	return nil
}

func (s *Server) storyApprovals(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	list, err := s.svc.StoryApprovals(r.Context(), p, r.PathValue("id"))
	return writeStatuses(w, list, err)
}

// submitInput is POST /submit's body, which may be left out.
type submitInput struct {
	AccountIDs []string `json:"account_ids"`
}

func (s *Server) submitStory(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in submitInput
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	list, err := s.svc.SubmitStory(r.Context(), p, r.PathValue("id"), in.AccountIDs)
	return writeStatuses(w, list, err)
}

func (s *Server) approveStory(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.DecisionInput
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			return err
		}
	}
	list, err := s.svc.Approve(r.Context(), p, r.PathValue("id"), in)
	return writeStatuses(w, list, err)
}

func (s *Server) rejectStory(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.DecisionInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	list, err := s.svc.Reject(r.Context(), p, r.PathValue("id"), in)
	return writeStatuses(w, list, err)
}

func (s *Server) createApprovalLink(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	l, err := s.svc.CreateApprovalLink(r.Context(), p, r.PathValue("id"), in.Email, base)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, l)
	return nil
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	list, err := s.svc.StoryComments(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"comments": list})
	return nil
}

func (s *Server) addComment(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in struct {
		Body string `json:"body"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.svc.AddComment(r.Context(), p, r.PathValue("id"), in.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func approvalSchemas() map[string]any {
	step := obj([]string{"approvers", "required"}, map[string]any{
		"approvers": map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"type": "string", "pattern": "^(role|user|email):.+$"}, "description": "role:<owner|admin|editor|reviewer|viewer>, user:<user id> (a member), email:<address> (an external approver)."},
		"required":  map[string]any{"type": "integer", "minimum": 1, "description": "How many of the approvers must approve."}})
	decision := obj(nil, map[string]any{"id": str, "story_id": str, "account_id": str, "fingerprint": str, "user_id": str, "email": str, "name": str,
		"decision": map[string]any{"type": "string", "enum": []any{ferry.DecisionApprove, ferry.DecisionReject}}, "comment": str, "created_at": dateTime})
	status := obj([]string{"account_id", "state", "fingerprint"}, map[string]any{"account_id": str,
		"state":       map[string]any{"type": "string", "enum": []any{ferry.ApprovalNotNeeded, ferry.ApprovalDraft, ferry.ApprovalPending, ferry.ApprovalApproved, ferry.ApprovalRejected, ferry.ApprovalBroken}},
		"fingerprint": map[string]any{"type": "string", "description": "Of what would be sent to the account now (the attempt's fingerprint): text after conversion and template, title, images (fitted copies) and alt text."},
		"step":        map[string]any{"type": "integer", "description": "The step waited for (0-based), when pending or rejected."},
		"awaited":     strList, "problem": str,
		"decisions":            map[string]any{"type": "array", "items": decision},
		"previous_fingerprint": map[string]any{"type": "string", "description": "The content submitted before, when it differs from the current one."}})
	return map[string]any{
		"ApprovalStep": step,
		"ApprovalPolicyInput": obj([]string{"steps"}, map[string]any{"steps": map[string]any{"type": "array", "maxItems": 10, "items": ref("ApprovalStep"), "description": "[]: no approval."},
			"allow_self_approval": map[string]any{"type": "boolean", "description": "Whether a person may approve a story they wrote or submitted (default false)."}}),
		"ApprovalPolicy": obj([]string{"steps", "inherited"}, map[string]any{"account_id": str, "steps": map[string]any{"type": "array", "items": ref("ApprovalStep")},
			"allow_self_approval": boolean, "updated_by": str, "updated_at": dateTime, "inherited": boolean,
			"problem": map[string]any{"type": "string", "description": "Why the policy cannot be satisfied now; nothing can be approved until it is fixed."}}),
		"ApprovalDecision":   decision,
		"ApprovalStatus":     status,
		"ApprovalStatusList": obj([]string{"targets"}, map[string]any{"targets": map[string]any{"type": "array", "items": ref("ApprovalStatus")}}),
		"ApprovalInbox": obj([]string{"approvals"}, map[string]any{"approvals": map[string]any{"type": "array", "items": obj(nil, map[string]any{
			"story_id": str, "story_title": str, "account_id": str, "account_name": str, "platform": str, "scheduled_at": nullTime,
			"submitted_by": str, "submitted_at": dateTime, "status": ref("ApprovalStatus")})}}),
		"ApprovalLinkInput": obj([]string{"email"}, map[string]any{"email": map[string]any{"type": "string", "format": "email"}}),
		"ApprovalLink": obj([]string{"email", "url", "token", "expires_at"}, map[string]any{"email": str,
			"url": map[string]any{"type": "string", "format": "uri", "description": "Pass it on; it is not shown again."}, "token": str, "expires_at": dateTime}),
		"Comment": obj(nil, map[string]any{"id": str, "story_id": str, "user_id": str, "email": str, "name": str, "body": str,
			"mentions": map[string]any{"type": "array", "items": str, "description": "User ids of the members mentioned."}, "created_at": dateTime}),
		"CommentList":  obj([]string{"comments"}, map[string]any{"comments": map[string]any{"type": "array", "items": ref("Comment")}}),
		"CommentInput": obj([]string{"body"}, map[string]any{"body": map[string]any{"type": "string", "maxLength": 4000}}),
		"SubmitInput":  obj(nil, map[string]any{"account_ids": map[string]any{"type": "array", "items": str, "description": "Leave out for every target."}}),
		"DecisionInput": obj(nil, map[string]any{"comment": map[string]any{"type": "string", "maxLength": 4000, "description": "Required to reject."},
			"account_ids":  map[string]any{"type": "array", "items": str, "description": "Leave out for every target waiting for you."},
			"fingerprints": map[string]any{"type": "object", "additionalProperties": str, "description": "account id → the fingerprint of the content you reviewed; a target whose content changed since is refused with 409."}}),
	}
}
