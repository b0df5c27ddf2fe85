package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/archive"
	"github.com/ferry-social/ferry/internal/store"
)

// Account archives: a ZIP of the account's whole record (JSON), its media
// and an offline viewer, written by a River job into the media store and
// verified after it is written (docs/architecture.md, "Account archives").

// ArchiveJobs schedules the jobs that write archives and run closures
// (internal/jobs), in the transaction that asks for them.
type ArchiveJobs interface {
	ScheduleArchive(ctx context.Context, tx *store.Tx, archiveID string) error
	ScheduleClosure(ctx context.Context, tx *store.Tx, accountID string) error
}

// RequestArchive starts an archive of an account (admin): a job writes it.
func (s *Service) RequestArchive(ctx context.Context, p ferry.Principal, accountID string) (*ferry.Archive, error) {
	if err := require(p, ferry.RoleAdmin, "archive accounts"); err != nil {
		return nil, err
	}
	var a *ferry.Archive
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		acct, err := tx.Account(ctx, p.WorkspaceID, accountID)
		if err != nil {
			return err
		}
		if s.ArchiveJobs == nil {
			return ferry.Errorf(ferry.EUNAVAILABLE, "This Ferry process does not run archive jobs.")
		}
		a, err = s.queueArchive(ctx, tx, p, acct)
		return err
	})
	return a, err
}

func (s *Service) queueArchive(ctx context.Context, tx *store.Tx, p ferry.Principal, acct *ferry.Account) (*ferry.Archive, error) {
	a := &ferry.Archive{WorkspaceID: acct.WorkspaceID, AccountID: acct.ID, CreatedBy: p.Actor()}
	if err := tx.CreateArchive(ctx, a); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, audit(p, "account.archive_requested", "account", acct.ID, map[string]any{"archive_id": a.ID})); err != nil {
		return nil, err
	}
	return a, s.ArchiveJobs.ScheduleArchive(ctx, tx, a.ID)
}

// Archives lists an account's archives, newest first.
func (s *Service) Archives(ctx context.Context, p ferry.Principal, accountID string) ([]*ferry.Archive, error) {
	if err := require(p, ferry.RoleViewer, "see archives"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	if _, err := q.Account(ctx, p.WorkspaceID, accountID); err != nil {
		return nil, err
	}
	return q.Archives(ctx, p.WorkspaceID, accountID)
}

// OpenArchive returns a ready archive and its content, to be downloaded
// (admin: an archive holds the account's whole record).
func (s *Service) OpenArchive(ctx context.Context, p ferry.Principal, id string) (*ferry.Archive, io.ReadCloser, error) {
	if err := require(p, ferry.RoleAdmin, "download archives"); err != nil {
		return nil, nil, err
	}
	a, err := s.DB.Read().Archive(ctx, p.WorkspaceID, id)
	if err != nil {
		return nil, nil, err
	}
	if a.State != ferry.ArchiveReady {
		return nil, nil, ferry.Errorf(ferry.ECONFLICT, "Archive %s is %s, not ready to download.", a.ID, a.State).WithDetails(map[string]string{"state": string(a.State)})
	}
	rc, err := s.Blobs.Open(a.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("archive %s: %w", a.ID, err)
	}
	return a, rc, nil
}

// ArchiveFileName is the name an archive is downloaded under.
func ArchiveFileName(a *ferry.Archive) string {
	return "ferry-archive-" + a.AccountID + "-" + a.CreatedAt.UTC().Format("20060102-150405") + ".zip"
}

// WriteArchive writes a queued archive (the archive job): into a temporary
// file, streamed; read back and checked against its manifest; then into
// the media store. A failure is recorded on the archive and returned.
func (s *Service) WriteArchive(ctx context.Context, id string) error {
	q := s.DB.Read()
	a, err := q.Archive(ctx, "", id)
	if err != nil {
		return err
	}
	if a.State == ferry.ArchiveReady {
		return nil
	}
	a.State = ferry.ArchiveWriting
	if err := s.DB.Write().SaveArchive(ctx, a); err != nil {
		return err
	}
	werr := s.writeArchive(ctx, a)
	now := s.DB.Now()
	a.FinishedAt = &now
	if werr != nil {
		a.State, a.Error = ferry.ArchiveFailed, werr.Error()
	} else {
		a.State, a.Error = ferry.ArchiveReady, ""
	}
	err = s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SaveArchive(ctx, a); err != nil {
			return err
		}
		action, data := "account.archived", map[string]any{"archive_id": a.ID, "sha256": a.SHA256, "bytes": a.Bytes, "files": a.Files}
		if werr != nil {
			action, data = "account.archive_failed", map[string]any{"archive_id": a.ID, "error": a.Error}
		}
		return tx.Audit(ctx, ferry.Audit{WorkspaceID: a.WorkspaceID, Actor: "system", Action: action, TargetType: "account", TargetID: a.AccountID, Data: data})
	})
	return errors.Join(werr, err)
}

func (s *Service) writeArchive(ctx context.Context, a *ferry.Archive) error {
	tmp, err := os.CreateTemp("", "ferry-archive-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	files, posts, err := s.WriteArchiveTo(ctx, tmp, a.WorkspaceID, a.AccountID)
	if err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := archive.Verify(tmp, size); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sum, n, err := s.Blobs.PutReader(tmp)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("archive: %d bytes stored of %d", n, size)
	}
	a.SHA256, a.Bytes, a.Files, a.Posts = sum, n, files, posts
	return nil
}

// mediaExt names media files in an archive by their type.
var mediaExt = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}

// viewerPost is one post of the offline viewer's data.js.
type viewerPost struct {
	ID          string         `json:"id"`
	StoryID     string         `json:"story_id"`
	Title       string         `json:"title,omitempty"`
	State       string         `json:"state"`
	PublishedAt *time.Time     `json:"published_at"`
	ScheduledAt *time.Time     `json:"scheduled_at"`
	URL         string         `json:"url,omitempty"`
	Text        string         `json:"text"`
	Images      []viewerImage  `json:"images"`
	Counts      map[string]any `json:"counts"`
}

type viewerImage struct {
	Src string `json:"src"`
	Alt string `json:"alt,omitempty"`
}

// WriteArchiveTo writes an account's archive to w as a ZIP, reading the
// database row by row; it returns how many files and published posts it
// holds. The account is read whatever its state (a closed account's
// record is what archives are for).
func (s *Service) WriteArchiveTo(ctx context.Context, w io.Writer, workspaceID, accountID string) (files, posts int, err error) {
	q := s.DB.Read()
	acct, err := q.Account(ctx, workspaceID, accountID)
	if err != nil {
		return 0, 0, err
	}
	now := s.DB.Now().UTC()
	zw := archive.NewWriter(w, acct.ID, now)
	// each writes one JSON array file, its elements from rows.
	each := func(name string, rows func(add func(any) error) error) error {
		f, err := zw.Create(name, now)
		if err != nil {
			return err
		}
		arr := archive.NewArray(f)
		if err := rows(arr.Add); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return arr.Close()
	}
	f, err := zw.Create("account.json", now)
	if err != nil {
		return 0, 0, err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", " ")
	if err := enc.Encode(acct); err != nil { // credentials are never encoded (json:"-")
		return 0, 0, err
	}
	// media is what the variants sent (fitted copies) and their originals,
	// by id → its file in the archive; ids only are kept.
	media := map[string]string{}
	err = errors.Join(
		each("stories.json", func(add func(any) error) error {
			return q.EachAccountStory(ctx, acct.ID, func(st *ferry.Story) error { return add(st) })
		}),
		each("variants.json", func(add func(any) error) error {
			return q.EachAccountVariant(ctx, acct.ID, func(v *ferry.Variant) error {
				for _, id := range v.MediaIDs {
					media[id] = ""
				}
				for _, m := range v.Media {
					media[m.SourceID] = ""
				}
				return add(v)
			})
		}),
		each("versions.json", func(add func(any) error) error {
			return q.EachAccountVersion(ctx, workspaceID, acct.ID, func(v *ferry.ContentVersion) error { return add(v) })
		}),
		each("publications.json", func(add func(any) error) error {
			return q.EachAccountPublication(ctx, acct.ID, func(p *ferry.Publication) error { return add(p) })
		}),
		each("attempts.json", func(add func(any) error) error {
			return q.EachAccountAttempt(ctx, acct.ID, func(at *ferry.Attempt) error { return add(at) })
		}),
		each("handoffs.json", func(add func(any) error) error {
			return q.EachAccountHandoff(ctx, acct.ID, func(h *ferry.Handoff) error { return add(h) })
		}),
		each("account_readings.json", func(add func(any) error) error {
			return q.EachAccountSnapshot(ctx, workspaceID, acct.ID, time.Time{}, now.Add(time.Second), func(r *store.AccountSnapshotRow) error { return add(r.AccountSnapshot) })
		}),
		each("post_readings.json", func(add func(any) error) error {
			return q.EachAccountPostSnapshot(ctx, acct.ID, func(r *ferry.PostSnapshot) error { return add(r) })
		}),
		each("audit.json", func(add func(any) error) error {
			return q.EachAccountAudit(ctx, workspaceID, acct.ID, func(e *ferry.Audit) error { return add(e) })
		}),
	)
	if err != nil {
		return 0, 0, err
	}
	// The media files, then media.json describing them (a ZIP is written
	// one file at a time).
	for id := range media {
		m, err := q.Media(ctx, workspaceID, id)
		if ferry.IsCode(err, ferry.ENOTFOUND) {
			delete(media, id)
			continue
		}
		if err != nil {
			return 0, 0, err
		}
		media[id] = "media/" + m.ID + mediaExt[m.Mime]
		if err := s.copyBlob(zw, media[id], m.SHA256, now); err != nil {
			return 0, 0, err
		}
	}
	if err := each("media.json", func(add func(any) error) error {
		for id, name := range media {
			m, err := q.Media(ctx, workspaceID, id)
			if err != nil {
				return err
			}
			if err := add(struct {
				*ferry.Media
				File string `json:"file"`
			}{m, name}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	if posts, err = s.writeViewer(ctx, zw, acct, media, now); err != nil {
		return 0, 0, err
	}
	files = zw.Files()
	return files, posts, zw.Close()
}

func (s *Service) copyBlob(zw *archive.Writer, name, sum string, now time.Time) error {
	rc, err := s.Blobs.Open(sum)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	f, err := zw.Create(name, now)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, rc)
	return err
}

// writeViewer writes the offline viewer: its static files and data.js,
// the account's posts and follower readings as one script (a page opened
// from file:// may load scripts but not fetch JSON).
func (s *Service) writeViewer(ctx context.Context, zw *archive.Writer, acct *ferry.Account, media map[string]string, now time.Time) (int, error) {
	q := s.DB.Read()
	f, err := zw.Create("data.js", now)
	if err != nil {
		return 0, err
	}
	head, _ := json.Marshal(map[string]any{"id": acct.ID, "name": acct.Name, "platform": acct.Platform, "external_id": acct.ExternalID, "health": acct.Health})
	at, _ := json.Marshal(now)
	if _, err := fmt.Fprintf(f, "window.FERRY_ARCHIVE = {\"account\": %s,\n\"created_at\": %s,\n\"readings\": ", head, at); err != nil {
		return 0, err
	}
	readings := archive.NewArray(f)
	err = q.EachAccountSnapshot(ctx, acct.WorkspaceID, acct.ID, time.Time{}, now.Add(time.Second), func(r *store.AccountSnapshotRow) error {
		return readings.Add(map[string]any{"at": r.At, "followers": r.Followers})
	})
	if err != nil {
		return 0, err
	}
	if err := readings.Close(); err != nil {
		return 0, err
	}
	if _, err := io.WriteString(f, ",\n\"posts\": "); err != nil {
		return 0, err
	}
	list, published := archive.NewArray(f), 0
	err = q.EachPublication(ctx, acct.WorkspaceID, acct.ID, time.Time{}, now.Add(time.Second), func(r *store.PublicationRow) error {
		vp := viewerPost{ID: r.ID, StoryID: r.StoryID, Title: r.StoryTitle, State: string(r.State), PublishedAt: r.PublishedAt, ScheduledAt: r.ScheduledAt,
			URL: r.RemoteURL, Text: r.Text, Images: []viewerImage{}, Counts: map[string]any{"views": r.Views, "likes": r.Likes, "comments": r.Comments, "shares": r.Shares, "saves": r.Saves}}
		var ids []string
		_ = json.Unmarshal([]byte(r.MediaIDs), &ids)
		for _, id := range ids {
			if src := media[id]; src != "" {
				vp.Images = append(vp.Images, viewerImage{Src: src})
			}
		}
		if r.State == ferry.StatePublished {
			published++
		}
		return list.Add(vp)
	})
	if err != nil {
		return 0, err
	}
	if err := list.Close(); err != nil {
		return 0, err
	}
	if _, err := io.WriteString(f, "};\n"); err != nil {
		return 0, err
	}
	err = fs.WalkDir(archive.Viewer(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := archive.Viewer().Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := zw.Create(path, now)
		if err != nil {
			return err
		}
		_, err = io.Copy(dst, src)
		return err
	})
	return published, err
}
