package service

import (
	"context"
	"slices"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/handoff"
	"github.com/ferry-social/ferry/internal/store"
)

// Handing an account over to a successor: its responsible person (the
// account's "owner" setting, a member of the workspace) and its operators
// change in one audited act, and so do the approvers: where the account's
// own approval policy names the previous owner (user:<id>), it names the
// successor instead. Its history stays as it is.

// OwnerSetting is the account setting naming the member responsible for
// the account. It is changed by a handover only, never by a PATCH.
const OwnerSetting = "owner"

// HandoverInput hands an account over (API POST /accounts/{id}/handover).
type HandoverInput struct {
	// Owner is the user id of the member who becomes responsible.
	Owner string `json:"owner"`
	// Operators replace the account's operators (emails or {email, name,
	// telegram_chat_id}) when given; absent keeps them.
	Operators *[]any `json:"operators"`
	// Note says why, for the audit log.
	Note string `json:"note"`
}

// AccountOwner returns the id of the member responsible for an account,
// "" when none was named.
func AccountOwner(a *ferry.Account) string {
	s, _ := a.Settings[OwnerSetting].(string)
	return s
}

// HandOver passes an account to a successor (admin).
func (s *Service) HandOver(ctx context.Context, p ferry.Principal, id string, in HandoverInput) (*ferry.Account, error) {
	if err := require(p, ferry.RoleAdmin, "hand accounts over"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	if _, err := q.Account(ctx, p.WorkspaceID, id); err != nil {
		return nil, err
	}
	details := map[string]string{}
	in.Owner, in.Note = strings.TrimSpace(in.Owner), strings.TrimSpace(in.Note)
	members, err := q.WorkspaceMembers(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	isMember := false
	for _, m := range members {
		isMember = isMember || m.User.ID == in.Owner
	}
	switch {
	case in.Owner == "":
		details["owner"] = "is required: the user id of the member who takes the account over"
	case !isMember:
		details["owner"] = "is not a member of this workspace"
	}
	if in.Operators != nil {
		if _, err := handoff.ParseSettings(map[string]any{"operators": *in.Operators}, handoff.Timing{}); err != nil {
			details["operators"] = err.Error()
		}
	}
	if len(in.Note) > 1000 {
		details["note"] = "must be at most 1000 characters"
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The handover is not valid.").WithDetails(details)
	}
	var a *ferry.Account
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if a, err = tx.AccountForUpdate(ctx, p.WorkspaceID, id); err != nil {
			return err
		}
		data := map[string]any{"from_owner": AccountOwner(a), "to_owner": in.Owner, "note": in.Note}
		patch := map[string]any{OwnerSetting: in.Owner}
		if in.Operators != nil {
			data["from_operators"], data["to_operators"] = a.Settings["operators"], *in.Operators
			patch["operators"] = *in.Operators
			if len(*in.Operators) == 0 {
				patch["operators"] = nil
			}
		}
		if err := tx.SetAccountProfile(ctx, a, a.Name, mergeSettings(a.Settings, patch)); err != nil {
			return err
		}
		if from := data["from_owner"].(string); from != "" && from != in.Owner {
			pol, own, err := tx.ApprovalPolicy(ctx, p.WorkspaceID, a.ID)
			if err != nil {
				return err
			}
			if own && replaceApprover(pol, "user:"+from, "user:"+in.Owner) {
				pol.UpdatedBy, pol.UpdatedAt = p.UserID, tx.Now()
				if err := tx.PutApprovalPolicy(ctx, pol); err != nil {
					return err
				}
				data["approvers"] = pol.Steps
			}
		}
		return tx.Audit(ctx, audit(p, "account.handover", "account", a.ID, data))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// replaceApprover names to instead of from in every step of pol (once per
// step); it reports whether anything changed.
func replaceApprover(pol *ferry.ApprovalPolicy, from, to string) bool {
	changed := false
	for i, st := range pol.Steps {
		var out []string
		has := slices.Contains(st.Approvers, to)
		for _, a := range st.Approvers {
			switch {
			case a == from && has:
				changed = true // the successor is there already
			case a == from:
				out, has, changed = append(out, to), true, true
			default:
				out = append(out, a)
			}
		}
		pol.Steps[i].Approvers = out
	}
	return changed
}
