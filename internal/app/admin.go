package app

import (
	"context"
	"fmt"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/auth"
	"github.com/ferry-social/ferry/internal/sandbox"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/store"
)

// DefaultWorkspace is the workspace users join when none is named.
const DefaultWorkspace = "Default"

// CreateUser creates a user with a role in a workspace, creating the
// workspace if it does not exist.
func CreateUser(ctx context.Context, db *store.DB, email, password, workspace string, role ferry.Role) (*ferry.User, *ferry.Workspace, error) {
	if !role.Valid() {
		return nil, nil, ferry.Errorf(ferry.EINVALID, "Role %q is not one of owner, admin, editor, reviewer, viewer.", role)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, nil, ferry.Errorf(ferry.EINVALID, "%v.", err)
	}
	u := &ferry.User{Email: email, PasswordHash: hash}
	var ws *ferry.Workspace
	err = db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if ws, err = workspaceNamed(ctx, tx, workspace); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.SetMembership(ctx, ws.ID, u.ID, role); err != nil {
			return err
		}
		return tx.Audit(ctx, ferry.Audit{WorkspaceID: ws.ID, Actor: "system", Action: "user.create", TargetType: "user", TargetID: u.ID, Data: map[string]any{"email": u.Email, "role": role}})
	})
	if err != nil {
		return nil, nil, err
	}
	return u, ws, nil
}

func workspaceNamed(ctx context.Context, tx *store.Tx, name string) (*ferry.Workspace, error) {
	ws, err := tx.WorkspaceByName(ctx, name)
	if err == nil || !ferry.IsCode(err, ferry.ENOTFOUND) {
		return ws, err
	}
	ws = &ferry.Workspace{Name: name}
	if err := tx.CreateWorkspace(ctx, ws); err != nil {
		return nil, err
	}
	return ws, tx.Audit(ctx, ferry.Audit{WorkspaceID: ws.ID, Actor: "system", Action: "workspace.create", TargetType: "workspace", TargetID: ws.ID, Data: map[string]any{"name": name}})
}

// CreateToken makes an API token for a user in one of their workspaces (the
// first they joined when workspace is empty) and returns it; only its hash
// is stored. The input is checked as the settings page checks it (an empty
// scope is admin: everything the user's role allows).
func CreateToken(ctx context.Context, db *store.DB, email, workspace string, in service.TokenInput) (string, error) {
	var token string
	err := db.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		ms, err := tx.Memberships(ctx, u.ID)
		if err != nil {
			return err
		}
		var wsID string
		for _, m := range ms {
			if workspace == "" {
				wsID = m.WorkspaceID
				break
			}
			if ws, err := tx.Workspace(ctx, m.WorkspaceID); err == nil && ws.Name == workspace {
				wsID = ws.ID
				break
			}
		}
		if wsID == "" {
			return ferry.Errorf(ferry.ENOTFOUND, "%s is not a member of workspace %q.", email, workspace)
		}
		t, tok, err := service.NewAPIToken(in, u.ID, wsID, db.Now())
		if err != nil {
			return err
		}
		if err := tx.CreateToken(ctx, t); err != nil {
			return err
		}
		token = tok
		return tx.Audit(ctx, ferry.Audit{WorkspaceID: wsID, Actor: "user:" + u.ID, Action: "token.create", TargetType: "token", TargetID: t.ID, Data: service.TokenAudit(t)})
	})
	return token, err
}

// Demo credentials, printed by `serve --demo`.
const (
	DemoEmail     = "demo@ferry.example"
	DemoPassword  = "ferry-demo-password"
	DemoWorkspace = "Demo"
)

// demoAccounts are wired to the built-in sandbox.
var demoAccounts = []service.AccountInput{
	{Platform: ferry.Telegram, Name: "Ferry Demo Channel", ExternalID: "@ferry_demo", Credentials: map[string]string{"bot_token": "100000001:sandbox-demo-bot-token-0001"}},
	{Platform: ferry.Weibo, Name: "Ferry Demo 微博", ExternalID: "5000000001", Credentials: map[string]string{"access_token": "sandbox-weibo-5000000001"}, Settings: map[string]any{"link_url": "https://ferry.example/demo"}},
	{Platform: ferry.Facebook, Name: "Ferry Demo Page", ExternalID: "1000000000001", Credentials: map[string]string{"page_access_token": sandbox.FacebookPageToken("1000000000001")}},
	{Platform: ferry.Instagram, Name: "Ferry Demo Instagram", ExternalID: sandbox.InstagramUserOf("1000000000001"), Credentials: map[string]string{"access_token": sandbox.InstagramToken(sandbox.InstagramUserOf("1000000000001"))}},
	{Platform: ferry.Xiaohongshu, Name: "Ferry Demo 小红书", ExternalID: "ferry_demo", Settings: map[string]any{"operators": []any{
		map[string]any{"email": DemoEmail, "name": "Demo operator", "telegram_chat_id": DemoOperatorChatID}}}},
}

// SeedDemo creates the demo workspace, user and sandbox accounts, once.
// It needs the server running: accounts are verified against the sandbox.
func (m *Main) SeedDemo(ctx context.Context) error {
	if _, err := m.DB.Read().UserByEmail(ctx, DemoEmail); err == nil {
		return nil
	} else if !ferry.IsCode(err, ferry.ENOTFOUND) {
		return err
	}
	u, ws, err := CreateUser(ctx, m.DB, DemoEmail, DemoPassword, DemoWorkspace, ferry.RoleOwner)
	if err != nil {
		return fmt.Errorf("demo user: %w", err)
	}
	p := ferry.Principal{UserID: u.ID, WorkspaceID: ws.ID, Role: ferry.RoleOwner}
	for _, in := range demoAccounts {
		if _, err := m.Service.CreateAccount(ctx, p, in); err != nil {
			return fmt.Errorf("demo %s account: %w", in.Platform, err)
		}
	}
	if m.Config.DemoHistory {
		if err := seedDemoHistory(ctx, m.DB, ws.ID, u.ID, m.DB.Now()); err != nil {
			return fmt.Errorf("demo history: %w", err)
		}
	}
	return m.seedDemoPeers(ctx, p)
}

// RotateSecrets re-encrypts every sealed value under the current key (see
// store.RotateSecrets), batch rows per transaction. A pass that finds
// values rewritten meanwhile is followed by another, up to five, so the
// counts it returns are of a pass that met no concurrent write (they add
// up the passes' re-encryptions).
func RotateSecrets(ctx context.Context, db *store.DB, batch int) ([]store.RotationCount, error) {
	var total []store.RotationCount
	for pass := 0; pass < 5; pass++ {
		counts, err := db.RotateSecrets(ctx, batch, nil)
		if total == nil {
			total = counts
		} else {
			for i := range counts {
				counts[i].Rotated += total[i].Rotated
			}
			total = counts
		}
		if err != nil {
			return total, err
		}
		changed := 0
		for _, c := range counts {
			changed += c.Changed
		}
		if changed == 0 {
			break
		}
	}
	return total, nil
}
