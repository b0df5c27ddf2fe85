package web

import (
	"errors"

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
