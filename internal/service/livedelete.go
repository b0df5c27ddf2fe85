package service

import (
	"context"
	"errors"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/platform"
	"github.com/ferry-social/ferry/internal/store"
)

// DeleteLivePost takes a published post down from its platform, where the
// platform lets Ferry: an explicit act of an editor, audited. The
// publication is then canceled with the reason post_deleted; its remote id
// and link stay on record. Instagram's API cannot delete posts, and a
// Xiaohongshu note was posted by a person, who deletes it: both are
// refused (conflict) with words saying so. A Telegram album goes whole:
// every message Ferry recorded for it (RemoteIDs), in one call. An album
// published before Ferry recorded every message (migration 0020) has its
// first message's id only, and is refused with words saying so.
func (s *Service) DeleteLivePost(ctx context.Context, p ferry.Principal, id string) (*ferry.Publication, error) {
	if err := require(p, ferry.RoleEditor, "delete live posts"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	pub, err := q.Publication(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, err
	}
	if pub.State != ferry.StatePublished || pub.RemoteID == "" {
		return nil, ferry.Errorf(ferry.ECONFLICT, "Only a published post can be deleted from its platform; this publication is %s.", pub.State)
	}
	del, err := s.deleterFor(ctx, q, pub)
	if err != nil {
		return nil, err
	}
	acct, err := q.Account(ctx, p.WorkspaceID, pub.AccountID)
	if err != nil {
		return nil, err
	}
	if acct.Health != ferry.HealthConnected {
		return nil, ferry.Errorf(ferry.ECONFLICT, "The account is %s: reconnect it first, or delete the post on %s.", acct.Health, pub.Platform.Name()).WithDetails(map[string]string{"reason": "account_" + string(acct.Health)})
	}
	if _, err := s.deleteRemote(ctx, p, del, acct, pub); err != nil {
		return nil, err
	}
	return s.DB.Read().Publication(ctx, p.WorkspaceID, id)
}

// deleterFor says whether Ferry can delete pub's post on its platform, and
// with what; a refusal (ECONFLICT) says why not, its details' "reason"
// naming it: "instagram", "xiaohongshu", "no_connector", "telegram_album".
func (s *Service) deleterFor(ctx context.Context, q *store.Q, pub *ferry.Publication) (platform.Deleter, error) {
	switch pub.Platform {
	case ferry.Instagram:
		return nil, ferry.Errorf(ferry.ECONFLICT, "Instagram does not let apps delete posts: delete it in the Instagram app.").WithDetails(map[string]string{"reason": "instagram"})
	case ferry.Xiaohongshu:
		return nil, ferry.Errorf(ferry.ECONFLICT, "This Xiaohongshu note was posted by a person: a person deletes it, in the Xiaohongshu app.").WithDetails(map[string]string{"reason": "xiaohongshu"})
	}
	var del platform.Deleter
	if s.Connectors != nil {
		conn, _ := s.Connectors.Get(pub.Platform)
		del, _ = conn.(platform.Deleter)
	}
	if del == nil {
		return nil, ferry.Errorf(ferry.ECONFLICT, "Ferry cannot delete posts on %s: delete it there.", pub.Platform.Name()).WithDetails(map[string]string{"reason": "no_connector"})
	}
	if len(pub.RemoteIDs) > 1 {
		if _, ok := del.(platform.GroupDeleter); !ok {
			return nil, ferry.Errorf(ferry.ECONFLICT, "This post is %d messages, and Ferry cannot delete several at once on %s: delete it there.", len(pub.RemoteIDs), pub.Platform.Name()).WithDetails(map[string]string{"reason": "no_connector"})
		}
	}
	if pub.Platform == ferry.Telegram {
		// An album is one message per image; one published before Ferry
		// recorded every message knows the first one's id only, and
		// deleting that one would leave the others up.
		v, err := q.Variant(ctx, pub.StoryID, pub.AccountID)
		if err != nil && !ferry.IsCode(err, ferry.ENOTFOUND) {
			return nil, err
		}
		if v != nil && len(v.MediaIDs) > 1 && len(pub.RemoteIDs) < 2 {
			return nil, ferry.Errorf(ferry.ECONFLICT, "This Telegram post is an album of %d messages, published before Ferry recorded every message of an album, so it knows the first one's id only: delete the album in Telegram.", len(v.MediaIDs)).
				WithDetails(map[string]string{"reason": "telegram_album"})
		}
	}
	return del, nil
}

// deleteRemote deletes pub's post with del (every message of an album at
// once), outside any transaction, and records the outcome: audited either
// way; once deleted (or found already gone, which it reports) the
// publication is canceled with the reason post_deleted, its remote ids and
// link kept on record. Deleting a post already gone is no failure, so a
// repeat after a lost answer is harmless.
func (s *Service) deleteRemote(ctx context.Context, p ferry.Principal, del platform.Deleter, acct *ferry.Account, pub *ferry.Publication) (gone bool, err error) {
	pa := platform.Account{ID: acct.ID, ExternalID: acct.ExternalID, Credentials: acct.Credentials, Settings: acct.Settings}
	if gd, ok := del.(platform.GroupDeleter); ok && len(pub.RemoteIDs) > 1 {
		err = gd.DeleteGroup(ctx, pa, pub.RemoteIDs)
	} else {
		err = del.Delete(ctx, pa, pub.RemoteID)
	}
	gone = errors.Is(err, platform.ErrGone)
	if err != nil && !gone {
		s.Log.Warn("live post not deleted", "publication_id", pub.ID, "err", err)
		_ = s.DB.InTx(ctx, func(tx *store.Tx) error {
			return tx.Audit(ctx, audit(p, "publication.post_delete_failed", "publication", pub.ID, map[string]any{"remote_id": pub.RemoteID, "remote_ids": pub.RemoteIDs, "error": err.Error()}))
		})
		msg := platform.Classify(err).Message
		return false, ferry.Errorf(ferry.EUNPROCESSABLE, "%s did not delete the post: %s", pub.Platform.Name(), msg).WithDetails(map[string]string{"reason": "platform_refused", "message": msg})
	}
	action := "publication.post_deleted"
	if gone {
		action = "publication.post_gone"
	}
	return gone, s.DB.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.PublicationForUpdate(ctx, pub.ID)
		if err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(p, action, "publication", cur.ID, map[string]any{"remote_id": cur.RemoteID, "remote_ids": cur.RemoteIDs, "remote_url": cur.RemoteURL})); err != nil {
			return err
		}
		if cur.State != ferry.StatePublished {
			return nil
		}
		return s.cancel(ctx, tx, p, cur, ferry.Because(ferry.ReasonPostDeleted, "platform", cur.Platform))
	})
}
