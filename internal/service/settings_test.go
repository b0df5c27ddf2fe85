package service_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/service"
	"github.com/ferry-social/ferry/internal/testdb"
)

// setUpOwner runs setup and returns the owner.
func setUpOwner(t *testing.T, svc *service.Service) ferry.Principal {
	t.Helper()
	ses, _, err := svc.Setup(context.Background(), goodSetup, "test")
	require.NoError(t, err)
	return ses.Principal()
}

func requireDetails(t *testing.T, err error, want map[string]string) {
	t.Helper()
	require.Equal(t, ferry.EINVALID, ferry.ErrorCode(err), "%v", err)
	var fe *ferry.Error
	require.ErrorAs(t, err, &fe)
	require.Equal(t, want, fe.Details)
}

func TestUpdateAccount_SettingsAreCheckedFieldByFieldAndNothingIsSaved(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, _ := newWebService(t, b)
		svc.Connectors = platform.NewRegistry()
		owner := setUpOwner(t, svc)
		a, err := svc.CreateAccount(ctx, owner, service.AccountInput{Platform: ferry.Xiaohongshu, ExternalID: "harbour_red"})
		require.NoError(t, err)

		_, err = svc.UpdateAccount(ctx, owner, a.ID, service.AccountPatch{Settings: map[string]any{
			"link_url": "ferry.example/x", "audience_script": "klingon", "operators": []any{"not-an-email"},
			"lead_time": "soon", "deadline_after": "9999h", "something_else": 1}})
		requireDetails(t, err, map[string]string{"settings.link_url": "invalid", "settings.audience_script": "invalid",
			"settings.operators": "invalid", "settings.lead_time": "invalid", "settings.deadline_after": "invalid", "settings.something_else": "unknown"})
		got, err := svc.Account(ctx, owner, a.ID)
		require.NoError(t, err)
		require.Empty(t, got.Settings)

		good := map[string]any{"link_url": "https://ferry.example/x", "audience_script": "hk", "lead_time": "15m", "deadline_after": "2h",
			"operators": []any{"ops@example.org", map[string]any{"email": "li@example.org", "name": "Li", "telegram_chat_id": "123"}}}
		_, err = svc.UpdateAccount(ctx, owner, a.ID, service.AccountPatch{Settings: good})
		require.NoError(t, err)

		_, err = svc.CreateAccount(ctx, owner, service.AccountInput{Platform: ferry.Xiaohongshu, ExternalID: "other_red", Settings: map[string]any{"operators": "ops"}})
		require.Equal(t, ferry.EINVALID, ferry.ErrorCode(err), "a new account's settings are checked too")
	})
}

func TestInvitation_WorksOnceBeforeItExpiresAndSignsTheInviteeIn(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, clock := newWebService(t, b)
		owner := setUpOwner(t, svc)

		_, _, err := svc.Invite(ctx, owner, service.InviteInput{Email: "nope", Role: ferry.RoleEditor})
		requireDetails(t, err, map[string]string{"email": "invalid"})
		_, _, err = svc.Invite(ctx, owner, service.InviteInput{Email: "ada@example.org", Role: ferry.RoleEditor})
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(err), "already a member")

		inv, token, err := svc.Invite(ctx, owner, service.InviteInput{Email: " Lee@Example.org ", Role: ferry.RoleReviewer})
		require.NoError(t, err)
		require.Equal(t, "lee@example.org", inv.Email)
		open, err := svc.Invitations(ctx, owner)
		require.NoError(t, err)
		require.Len(t, open, 1)

		view, err := svc.OpenInvitation(ctx, token)
		require.NoError(t, err)
		require.False(t, view.Existing)
		require.Equal(t, "Harbour News", view.Workspace.Name)

		_, _, err = svc.AcceptInvitation(ctx, token, service.AcceptInput{Name: "Lee", Password: "short"}, "")
		requireDetails(t, err, map[string]string{"password": "too_short"})
		_, _, err = svc.AcceptInvitation(ctx, token, service.AcceptInput{Name: "Lee", Password: "1QAZ2WSX3EDC"}, "")
		requireDetails(t, err, map[string]string{"password": "common"})
		ses, sessionToken, err := svc.AcceptInvitation(ctx, token, service.AcceptInput{Name: "Lee", Password: "a-long-new-password", Language: "zh-Hant"}, "")
		require.NoError(t, err)
		require.Equal(t, ferry.RoleReviewer, ses.Role)
		got, err := svc.Session(ctx, sessionToken)
		require.NoError(t, err)
		require.Equal(t, ferry.RoleReviewer, got.Role)
		_, _, err = svc.AcceptInvitation(ctx, token, service.AcceptInput{Name: "Lee", Password: "a-long-new-password"}, "")
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err), "the link works once")

		// A late one and a withdrawn one do not work.
		_, late, err := svc.Invite(ctx, owner, service.InviteInput{Email: "late@example.org", Role: ferry.RoleViewer})
		require.NoError(t, err)
		withdrawn, gone, err := svc.Invite(ctx, owner, service.InviteInput{Email: "gone@example.org", Role: ferry.RoleViewer})
		require.NoError(t, err)
		require.NoError(t, svc.WithdrawInvitation(ctx, owner, withdrawn.ID))
		_, err = svc.OpenInvitation(ctx, gone)
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))
		clock.Add(service.InvitationTTL)
		_, err = svc.OpenInvitation(ctx, late)
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(err))

	})
}

func TestInvitation_ExistingUserConfirmsWithTheirPassword(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, _ := newWebService(t, b)
		owner := setUpOwner(t, svc)
		_, first, err := svc.Invite(ctx, owner, service.InviteInput{Email: "lee@example.org", Role: ferry.RoleEditor})
		require.NoError(t, err)
		_, _, err = svc.AcceptInvitation(ctx, first, service.AcceptInput{Password: "a-long-new-password"}, "")
		require.NoError(t, err)
		lee := findMember(t, svc, owner, "lee@example.org")
		require.NoError(t, svc.RemoveMember(ctx, owner, lee))

		_, again, err := svc.Invite(ctx, owner, service.InviteInput{Email: "lee@example.org", Role: ferry.RoleViewer})
		require.NoError(t, err)
		view, err := svc.OpenInvitation(ctx, again)
		require.NoError(t, err)
		require.True(t, view.Existing)
		_, _, err = svc.AcceptInvitation(ctx, again, service.AcceptInput{Password: "not the password"}, "")
		requireDetails(t, err, map[string]string{"password": "wrong"})
		ses, _, err := svc.AcceptInvitation(ctx, again, service.AcceptInput{Password: "a-long-new-password"}, "")
		require.NoError(t, err)
		require.Equal(t, lee, ses.UserID)
		require.Equal(t, ferry.RoleViewer, ses.Role)
	})
}

func findMember(t *testing.T, svc *service.Service, p ferry.Principal, email string) string {
	t.Helper()
	members, err := svc.Members(context.Background(), p)
	require.NoError(t, err)
	for _, m := range members {
		if m.User.Email == email {
			return m.User.ID
		}
	}
	t.Fatalf("no member %s", email)
	return ""
}

func TestMembers_AdminsManageBelowOwnerAndTheLastOwnerStays(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, _ := newWebService(t, b)
		owner := setUpOwner(t, svc)
		join := func(email string, role ferry.Role) ferry.Principal {
			_, tok, err := svc.Invite(ctx, owner, service.InviteInput{Email: email, Role: role})
			require.NoError(t, err)
			ses, _, err := svc.AcceptInvitation(ctx, tok, service.AcceptInput{Password: "a-long-new-password"}, "")
			require.NoError(t, err)
			return ses.Principal()
		}
		admin := join("admin@example.org", ferry.RoleAdmin)
		editor := join("ed@example.org", ferry.RoleEditor)

		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(svc.SetMemberRole(ctx, owner, owner.UserID, ferry.RoleAdmin)), "the last owner stays")
		require.Equal(t, ferry.ECONFLICT, ferry.ErrorCode(svc.RemoveMember(ctx, owner, owner.UserID)))
		require.Equal(t, ferry.EFORBIDDEN, ferry.ErrorCode(svc.SetMemberRole(ctx, admin, owner.UserID, ferry.RoleViewer)), "an admin does not touch an owner")
		require.Equal(t, ferry.EFORBIDDEN, ferry.ErrorCode(svc.SetMemberRole(ctx, admin, editor.UserID, ferry.RoleOwner)))
		require.Equal(t, ferry.EFORBIDDEN, ferry.ErrorCode(svc.SetMemberRole(ctx, editor, admin.UserID, ferry.RoleViewer)))
		require.Equal(t, ferry.EINVALID, ferry.ErrorCode(svc.SetMemberRole(ctx, admin, editor.UserID, "chief")))
		require.NoError(t, svc.SetMemberRole(ctx, admin, editor.UserID, ferry.RoleReviewer))

		// A second owner lets the first step down.
		require.NoError(t, svc.SetMemberRole(ctx, owner, admin.UserID, ferry.RoleOwner))
		require.NoError(t, svc.SetMemberRole(ctx, owner, owner.UserID, ferry.RoleAdmin))

		tok, secret, err := svc.CreateAPIToken(ctx, editor, service.TokenInput{Name: "Script"})
		require.NoError(t, err)
		require.NotEmpty(t, tok.ID)
		_, err = svc.Authenticate(service.WithClientAddr(ctx, netip.MustParseAddr("192.0.2.7")), secret)
		require.NoError(t, err)
		require.NoError(t, svc.RemoveMember(ctx, admin, editor.UserID))
		_, err = svc.Authenticate(service.WithClientAddr(ctx, netip.MustParseAddr("192.0.2.7")), secret)
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err), "a removed member's token stops working")
	})
}

func TestAPITokens_ShownOnceListedWithLastUseAndRevoked(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, clock := newWebService(t, b)
		owner := setUpOwner(t, svc)
		_, _, err := svc.CreateAPIToken(ctx, owner, service.TokenInput{Name: " "})
		requireDetails(t, err, map[string]string{"name": "required"})
		tok, secret, err := svc.CreateAPIToken(ctx, owner, service.TokenInput{Name: "CMS"})
		require.NoError(t, err)
		clock.Add(time.Minute)
		_, err = svc.Authenticate(service.WithClientAddr(ctx, netip.MustParseAddr("192.0.2.7")), secret)
		require.NoError(t, err)
		list, err := svc.APITokens(ctx, owner)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, "CMS", list[0].Name)
		require.Nil(t, list[0].Hash)
		require.NoError(t, svc.RevokeAPIToken(ctx, owner, tok.ID))
		_, err = svc.Authenticate(service.WithClientAddr(ctx, netip.MustParseAddr("192.0.2.7")), secret)
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
		require.Equal(t, ferry.ENOTFOUND, ferry.ErrorCode(svc.RevokeAPIToken(ctx, owner, tok.ID)))
	})
}

func TestPassword_ChangeNeedsTheCurrentOneAndEndsTheOtherSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, _ := newWebService(t, b)
		owner := setUpOwner(t, svc)
		here, hereToken, err := svc.SignIn(ctx, goodSetup.Email, goodSetup.Password, "Chrome")
		require.NoError(t, err)
		_, elsewhere, err := svc.SignIn(ctx, goodSetup.Email, goodSetup.Password, "Firefox")
		require.NoError(t, err)
		list, err := svc.Sessions(ctx, owner)
		require.NoError(t, err)
		require.Len(t, list, 3)

		requireDetails(t, svc.ChangePassword(ctx, owner, "wrong", "short", here.ID), map[string]string{"current": "wrong", "new": "too_short"})
		requireDetails(t, svc.ChangePassword(ctx, owner, goodSetup.Password, "QWERTY123456", here.ID), map[string]string{"new": "common"})
		_, err = svc.Session(ctx, elsewhere)
		require.NoError(t, err, "nothing changed")

		require.NoError(t, svc.ChangePassword(ctx, owner, goodSetup.Password, "a-brand-new-password", here.ID))
		_, err = svc.Session(ctx, hereToken)
		require.NoError(t, err)
		_, err = svc.Session(ctx, elsewhere)
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
		_, _, err = svc.SignIn(ctx, goodSetup.Email, goodSetup.Password, "")
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))
		_, again, err := svc.SignIn(ctx, goodSetup.Email, "a-brand-new-password", "")
		require.NoError(t, err)

		n, err := svc.SignOutOthers(ctx, owner, here.ID)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		_, err = svc.Session(ctx, again)
		require.Equal(t, ferry.EUNAUTHORIZED, ferry.ErrorCode(err))

		requireDetails(t, svc.UpdateProfile(ctx, owner, service.ProfileInput{Name: "Ada", Language: "fr"}), map[string]string{"language": "invalid"})
		require.NoError(t, svc.UpdateProfile(ctx, owner, service.ProfileInput{Name: " Ada Lau ", Language: "zh-Hans"}))
		me, err := svc.Me(ctx, owner)
		require.NoError(t, err)
		require.Equal(t, "Ada Lau", me.User.Name)
		require.Equal(t, "zh-Hans", me.User.Language)
	})
}

func TestUpdateWorkspace_AdminsChangeNameZoneAndRegion(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, _ := newWebService(t, b)
		owner := setUpOwner(t, svc)
		_, err := svc.UpdateWorkspace(ctx, owner, service.WorkspaceInput{Name: "", TimeZone: "Mars/Olympus", Region: "XX"})
		requireDetails(t, err, map[string]string{"name": "required", "time_zone": "invalid", "region": "invalid"})
		ws, err := svc.UpdateWorkspace(ctx, owner, service.WorkspaceInput{Name: "海港新聞", TimeZone: "Asia/Macau", Region: "MO"})
		require.NoError(t, err)
		require.Equal(t, "Asia/Macau", ws.TimeZone)
		me, err := svc.Me(ctx, owner)
		require.NoError(t, err)
		require.Equal(t, "海港新聞", me.Workspace.Name)
		require.Equal(t, "MO", me.Workspace.Region)
		viewer := owner
		viewer.Role = ferry.RoleEditor
		_, err = svc.UpdateWorkspace(ctx, viewer, service.WorkspaceInput{Name: "Mine", TimeZone: "UTC", Region: "HK"})
		require.Equal(t, ferry.EFORBIDDEN, ferry.ErrorCode(err))
	})
}

func TestAPITokens_ScopeExpiryAndLastUseRecordedAtMostOnceAMinute(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b testdb.Backend) {
		ctx := context.Background()
		svc, clock := newWebService(t, b)
		owner := setUpOwner(t, svc)
		_, _, err := svc.CreateAPIToken(ctx, owner, service.TokenInput{Name: "X", Scope: "root"})
		requireDetails(t, err, map[string]string{"scope": "invalid"})
		_, _, err = svc.CreateAPIToken(ctx, owner, service.TokenInput{Name: "X", Expires: "forever"})
		requireDetails(t, err, map[string]string{"expires": "invalid"})
		_, _, err = svc.CreateAPIToken(ctx, owner, service.TokenInput{Name: "X", Expires: "9999d"})
		requireDetails(t, err, map[string]string{"expires": "out_of_range"})

		dflt, _, err := svc.CreateAPIToken(ctx, owner, service.TokenInput{Name: "Old habits"})
		require.NoError(t, err)
		require.Equal(t, ferry.ScopeAdmin, dflt.Scope, "no scope given: everything the role allows, as before scopes")
		require.Nil(t, dflt.ExpiresAt)

		tok, secret, err := svc.CreateAPIToken(ctx, owner, service.TokenInput{Name: "Dashboard", Scope: ferry.ScopeRead, Expires: "2d"})
		require.NoError(t, err)
		require.Equal(t, ferry.ScopeRead, tok.Scope)
		require.NotNil(t, tok.ExpiresAt)
		p, err := svc.Authenticate(service.WithClientAddr(ctx, netip.MustParseAddr("192.0.2.7")), secret)
		require.NoError(t, err)
		require.Equal(t, ferry.ScopeRead, p.Scope)
		require.Equal(t, ferry.RoleOwner, p.Role, "the role is the user's; the scope caps it")

		lastUse := func() (time.Time, string) {
			list, err := svc.APITokens(ctx, owner)
			require.NoError(t, err)
			for _, l := range list {
				if l.ID == tok.ID {
					require.NotNil(t, l.LastUsedAt)
					return *l.LastUsedAt, l.LastUsedAddr
				}
			}
			t.Fatal("token not listed")
			return time.Time{}, ""
		}
		first, addr := lastUse()
		require.Equal(t, "192.0.2.7", addr)
		// Within the minute: no write, the first use stands.
		clock.Add(30 * time.Second)
		_, err = svc.Authenticate(service.WithClientAddr(ctx, netip.MustParseAddr("198.51.100.9")), secret)
		require.NoError(t, err)
		at, addr := lastUse()
		require.Equal(t, first, at)
		require.Equal(t, "192.0.2.7", addr)
		// A minute on: recorded, with the new address.
		clock.Add(31 * time.Second)
		_, err = svc.Authenticate(service.WithClientAddr(ctx, netip.MustParseAddr("198.51.100.9")), secret)
		require.NoError(t, err)
		at, addr = lastUse()
		require.True(t, at.After(first))
		require.Equal(t, "198.51.100.9", addr)

		// Expired: 401, saying so.
		clock.Add(48 * time.Hour)
		_, err = svc.Authenticate(service.WithClientAddr(ctx, netip.MustParseAddr("192.0.2.7")), secret)
		fe := requireCode(t, ferry.EUNAUTHORIZED, err)
		require.Contains(t, fe.Message, "expired")
		require.Equal(t, map[string]string{"token": "expired"}, fe.Details)
	})
}
