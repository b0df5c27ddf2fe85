package api

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	accts, err := s.svc.Accounts(r.Context(), p)
	if err != nil {
		return err
	}
	if accts == nil {
		accts = []*ferry.Account{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": accts})
	return nil
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.AccountInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.svc.CreateAccount(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	a, err := s.svc.Account(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) patchAccount(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var patch service.AccountPatch
	if err := decode(w, r, &patch); err != nil {
		return err
	}
	a, err := s.svc.UpdateAccount(r.Context(), p, r.PathValue("id"), patch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	a, err := s.svc.CloseAccount(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return ferry.Errorf(ferry.EINVALID, "Upload media as multipart/form-data with the image in the field \"file\".")
	}
	// Room for the multipart envelope around the largest accepted file.
	r.Body = http.MaxBytesReader(w, r.Body, s.svc.MaxUploadBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return ferry.Errorf(ferry.EINVALID, "The multipart body is malformed: %v.", err)
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return ferry.Errorf(ferry.ETOOLARGE, "The file is larger than the %d-byte limit.", s.svc.MaxUploadBytes)
			}
			return ferry.Errorf(ferry.EINVALID, "The multipart body has no field \"file\".")
		}
		if part.FormName() != "file" {
			continue
		}
		m, err := s.svc.UploadMedia(r.Context(), p, part)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return ferry.Errorf(ferry.ETOOLARGE, "The file is larger than the %d-byte limit.", s.svc.MaxUploadBytes)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, m)
		return nil
	}
}

func (s *Server) listStories(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	q := r.URL.Query()
	f := ferry.StoryFilter{State: ferry.PublicationState(q.Get("state")), Query: q.Get("q"), Cursor: q.Get("cursor")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return ferry.Errorf(ferry.EINVALID, "limit must be a number from 1 to 200.")
		}
		f.Limit = n
	}
	if f.State != "" && !f.State.Valid() {
		return ferry.Errorf(ferry.EINVALID, "state %q is not a publication state.", f.State)
	}
	stories, next, err := s.svc.Stories(r.Context(), p, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"stories": stories, "next_cursor": next})
	return nil
}

func (s *Server) createStory(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var in service.StoryInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	v, err := s.svc.CreateStory(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) getStory(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	v, err := s.svc.Story(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// patchStory distinguishes an absent scheduled_at (unchanged) from null
// (back to draft): a json.RawMessage is empty for one and "null" for the
// other, where a pointer would be nil for both.
func (s *Server) patchStory(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var body struct {
		Title       *string         `json:"title"`
		Body        *string         `json:"body"`
		MediaIDs    *[]string       `json:"media_ids"`
		Targets     *[]string       `json:"targets"`
		ScheduledAt json.RawMessage `json:"scheduled_at"`
		// Tailoring: see service.StoryInput.
		Tags         *[]string `json:"tags"`
		Links        *[]string `json:"links"`
		SourceScript *string   `json:"source_script"`
		// OverrideBlackout: see service.StoryInput.
		OverrideBlackout bool `json:"override_blackout"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	patch := service.StoryPatch{Title: body.Title, Body: body.Body, MediaIDs: body.MediaIDs, Targets: body.Targets}
	patch.OverrideBlackout = body.OverrideBlackout
	patch.Tags, patch.Links, patch.SourceScript = body.Tags, body.Links, body.SourceScript
	switch {
	case len(body.ScheduledAt) == 0:
	case string(body.ScheduledAt) == "null":
		patch.ScheduledAt = ferry.Null[time.Time]()
	default:
		t, err := parseTime("scheduled_at", body.ScheduledAt)
		if err != nil {
			return err
		}
		patch.ScheduledAt = ferry.Some(t)
	}
	v, err := s.svc.UpdateStory(r.Context(), p, r.PathValue("id"), patch)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func parseTime(field string, raw json.RawMessage) (time.Time, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, ferry.Errorf(ferry.EINVALID, "%s must be an RFC 3339 time string or null.", field).WithDetails(map[string]string{field: "wrong type"})
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, ferry.Errorf(ferry.EINVALID, "A time must be in RFC 3339 format, like 2026-11-26T20:00:00+08:00: %q is not.", s)
	}
	return t, nil
}

func (s *Server) deleteStory(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	v, err := s.svc.DeleteStory(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) scheduleStory(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var body struct {
		At json.RawMessage `json:"at"`
		// OverrideBlackout: see service.StoryInput.
		OverrideBlackout bool `json:"override_blackout"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	in := service.ScheduleInput{OverrideBlackout: body.OverrideBlackout}
	if len(body.At) > 0 && string(body.At) != "null" { // null is no time: "at is required"
		var err error
		if in.At, err = parseTime("at", body.At); err != nil {
			return err
		}
	}
	v, err := s.svc.ScheduleStory(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// publishStory takes an optional body, {"override_blackout": true}.
func (s *Server) publishStory(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var body struct {
		OverrideBlackout bool `json:"override_blackout"`
	}
	if err := decodeOptional(w, r, &body); err != nil {
		return err
	}
	v, err := s.svc.PublishStoryNow(r.Context(), p, r.PathValue("id"), service.PublishInput{OverrideBlackout: body.OverrideBlackout})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) getPublication(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	pub, err := s.svc.Publication(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pub)
	return nil
}

func (s *Server) resolvePublication(w http.ResponseWriter, r *http.Request, p ferry.Principal) error {
	var res service.Resolution
	if err := decode(w, r, &res); err != nil {
		return err
	}
	pub, err := s.svc.Resolve(r.Context(), p, r.PathValue("id"), res)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pub)
	return nil
}
