package web

import (
	"errors"
	"net/http"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/service"
)

// answerList is what the "answers" template shows: what a change to a
// story did to each of its publications (service.PublicationAnswer), in
// the page's language — the same answers the API gives.
type answerList struct {
	V       *view
	Answers []service.PublicationAnswer
	Names   map[string]string
}

// AnswerList binds answers and account names for the "answers" template.
func (v *view) AnswerList(answers []service.PublicationAnswer, names map[string]string) answerList {
	return answerList{V: v, Answers: answers, Names: names}
}

// AnswerKey is the catalog key of an answer's words.
func (v *view) AnswerKey(a service.PublicationAnswer) string {
	if a.Because != "" {
		return "cancels.answer." + string(a.Answer) + "." + a.Because
	}
	return "cancels.answer." + string(a.Answer)
}

// refusedAnswers are the answers of a change refused as too late, or nil.
func refusedAnswers(err error) []service.PublicationAnswer {
	var fe *ferry.Error
	if !errors.As(err, &fe) {
		return nil
	}
	if d, ok := fe.Details.(service.RefusedAnswers); ok {
		return d.Publications
	}
	return nil
}

// CanDeletePost says whether Ferry can take a published post down from its
// platform (a Telegram album is refused by the service, saying why), and
// DeletePostNote, when it cannot, the catalog key of the words saying so.
func (v *view) CanDeletePost(pub *ferry.Publication) bool {
	switch pub.Platform {
	case ferry.Weibo, ferry.Facebook, ferry.Telegram:
		return pub.State == ferry.StatePublished && pub.RemoteID != ""
	}
	return false
}

// DeletePostNote is the catalog key saying why a published post cannot be
// deleted from Ferry, or "".
func (v *view) DeletePostNote(pub *ferry.Publication) string {
	if pub.State != ferry.StatePublished {
		return ""
	}
	switch pub.Platform {
	case ferry.Instagram:
		return "cancels.delete_post.instagram"
	case ferry.Xiaohongshu:
		return "cancels.delete_post.xiaohongshu"
	}
	return ""
}

func (s *Server) deletePostForm(w http.ResponseWriter, r *http.Request, rq *request) {
	pub, err := s.svc.Publication(r.Context(), rq.principal(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, rq, err)
		return
	}
	if pub.State != ferry.StatePublished {
		s.fail(w, r, rq, ferry.Errorf(ferry.ECONFLICT, "Only a published post can be deleted from its platform; this publication is %s.", pub.State))
		return
	}
	s.confirmation(w, r, rq, pub.StoryID, confirmPage{Kind: "delete-post", Pub: pub})
}

// deletePost takes a published post down from its platform, after the
// confirmation page.
// A refusal comes back on the story page, beside the publication, in the
// page's language.
func (s *Server) deletePost(w http.ResponseWriter, r *http.Request, rq *request) {
	id := r.PathValue("id")
	pub, err := s.svc.DeleteLivePost(r.Context(), rq.principal(), id)
	if err == nil {
		backToStory(w, r, pub, "post_deleted")
		return
	}
	var fe *ferry.Error
	reason := ""
	if errors.As(err, &fe) {
		if d, ok := fe.Details.(map[string]string); ok {
			reason = d["reason"]
		}
	}
	known, kerr := s.svc.Publication(r.Context(), rq.principal(), id)
	if reason == "" || kerr != nil {
		s.fail(w, r, rq, err)
		return
	}
	status := http.StatusConflict
	if ferry.IsCode(err, ferry.EUNPROCESSABLE) {
		status = http.StatusUnprocessableEntity
	}
	form := actionForm{PubID: id, Action: "delete-post", Message: fe.Details.(map[string]string)["message"]}
	s.renderStory(w, r, rq, known.StoryID, status, form, map[string]string{"delete_post": "cancels.delete_post." + reason})
}
