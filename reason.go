package ferry

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// ReasonCode says why a publication is in its state, for a machine: the
// API gives it beside the English words, and the web UI words it in the
// page's language from its catalogs ("reason.<code>"). The codes, their
// arguments and their English words are defined here and nowhere else.
type ReasonCode string

// Reason codes. The arguments each takes are named in its English words
// (reasonEnglish); ReasonArgKindOf says how each argument is written.
const (
	// Stopped by what happened to the story or the account.
	ReasonStoryDeleted       ReasonCode = "story_deleted"      // canceled: the story was deleted
	ReasonAccountClosed      ReasonCode = "account_closed"     // canceled: the account was closed
	ReasonTargetRemoved      ReasonCode = "target_removed"     // canceled: the account is no longer a target
	ReasonCanceledByPerson   ReasonCode = "canceled_by_person" // canceled by someone
	ReasonPostDeleted        ReasonCode = "post_deleted"       // canceled after it went out: someone deleted the live post on {platform}
	ReasonNoConnector        ReasonCode = "no_connector"       // failed: Ferry cannot publish to {platform}
	ReasonWindowPassed       ReasonCode = "window_passed"      // missed: not out within {within} of its time
	ReasonNeedsReauth        ReasonCode = "needs_reauth"       // the account must be reconnected: {message}
	ReasonReauthExpired      ReasonCode = "reauth_expired"     // missed: not reconnected within {within}
	ReasonAccountReconnected ReasonCode = "account_reconnected"
	ReasonReconnectedDuring  ReasonCode = "reconnected_during_attempt" // sending again with the new credentials

	// Waiting for a slot.
	ReasonPlatformHold ReasonCode = "platform_hold" // {platform} asked Ferry to wait until {at}
	ReasonRateLimit    ReasonCode = "rate_limit"    // {platform}'s limit of {max} posts per {window}; next slot {at}

	// Sending, and what came of it.
	ReasonAttemptSending  ReasonCode = "attempt_sending"   // attempt {attempt} is being sent
	ReasonNextAttempt     ReasonCode = "next_attempt"      // {message}; tried again at {at}
	ReasonNextCheck       ReasonCode = "next_check"        // {message}; looked for again at {at}
	ReasonRefused         ReasonCode = "refused"           // failed: {platform} refused it: {message}
	ReasonGiveUp          ReasonCode = "give_up"           // failed after {attempts} attempts over {after}: {message}
	ReasonNotOnPlatform   ReasonCode = "not_on_platform"   // the last attempt did not take effect; sending again
	ReasonFoundAfterAll   ReasonCode = "found_on_platform" // published: found on the platform after all
	ReasonCheckingOutcome ReasonCode = "checking_outcome"  // unknown: looking on the platform ({message})

	// Unknown: a person decides.
	ReasonCannotCheck    ReasonCode = "cannot_check"    // {platform} offers no way to look for attempt {attempt}
	ReasonOutcomeUnknown ReasonCode = "outcome_unknown" // {message}; the platform offers no way to check
	ReasonCheckFailed    ReasonCode = "check_failed"    // looking failed: {message}
	ReasonGiveUpUnknown  ReasonCode = "give_up_unknown" // gave up looking after {attempts} attempts over {after}: {message}

	// A person's decision.
	ReasonConfirmedByPerson ReasonCode = "confirmed_by_person" // published: someone confirmed it went out
	ReasonNotSentResend     ReasonCode = "not_sent_resend"     // someone confirmed it did not go out; sending again
	ReasonRetryRequested    ReasonCode = "retry_requested"     // someone asked to send it again

	// Publishing by hand (Xiaohongshu).
	ReasonHandoffWaiting     ReasonCode = "handoff_waiting"      // waiting for an operator until {at}
	ReasonHandoffNoOperators ReasonCode = "handoff_no_operators" // the same, and the account has no operators
	ReasonHandoffLate        ReasonCode = "handoff_late"         // missed: the deadline {at} had passed when it became due
	ReasonHandoffMissed      ReasonCode = "handoff_missed"       // missed: nobody confirmed by {at}
	ReasonHandoffConfirmed   ReasonCode = "handoff_confirmed"    // published by hand, confirmed by an operator

	// Held: due, but not sent until a person decides (pause.go).
	ReasonPaused         ReasonCode = "paused"           // sending is paused (by {by}, since {at}); held
	ReasonHeldAfterPause ReasonCode = "held_after_pause" // came due during a pause; a person decides
	ReasonBlackoutHold   ReasonCode = "blackout_hold"    // its time falls in the blackout period {name}, created after it was scheduled
	ReasonReleased       ReasonCode = "released"         // a person released it from a hold: sent now

	// Approval (approval.go).
	ReasonAwaitingApproval ReasonCode = "awaiting_approval" // due, its content not approved; waiting for {who}
	ReasonApprovalRejected ReasonCode = "approval_rejected" // due, its content rejected by {who}
	ReasonApprovalBroken   ReasonCode = "approval_broken"   // due, and its approval policy cannot be satisfied: {message}
	ReasonApprovalMissed   ReasonCode = "approval_missed"   // missed: not approved within {within} of its time
	ReasonApproved         ReasonCode = "approved_late"     // approved after its time: sent now
)

// reasonEnglish is every reason's English words, with its arguments as
// {name} placeholders: the API's "reason", the logs and the audit trail.
var reasonEnglish = map[ReasonCode]string{
	ReasonStoryDeleted:       "The story was deleted.",
	ReasonAccountClosed:      "The account was closed.",
	ReasonTargetRemoved:      "The account was removed from the story's targets.",
	ReasonCanceledByPerson:   "Canceled by a person.",
	ReasonPostDeleted:        "Published, then deleted from {platform} by a person through Ferry.",
	ReasonNoConnector:        "Ferry cannot publish to {platform} automatically.",
	ReasonWindowPassed:       "It could not go out within {within} of its scheduled time.",
	ReasonNeedsReauth:        "The account must be reconnected: {message}",
	ReasonReauthExpired:      "The account was not reconnected within {within}.",
	ReasonAccountReconnected: "The account was reconnected.",
	ReasonReconnectedDuring:  "The account was reconnected during the attempt; sending again with the new credentials.",

	ReasonPlatformHold: "{platform} asked Ferry to wait; next slot {at}.",
	ReasonRateLimit:    "Waiting for the {platform} limit of {max} posts per {window}; next slot {at}.",

	ReasonAttemptSending:  "Attempt {attempt} is being sent.",
	ReasonNextAttempt:     "{message} Next attempt at {at}.",
	ReasonNextCheck:       "{message} Ferry looks on the platform again at {at}.",
	ReasonRefused:         "{platform} refused it: {message}",
	ReasonGiveUp:          "Gave up after {attempts} attempts over {after}: {message}",
	ReasonNotOnPlatform:   "The last attempt did not reach the platform; sending again.",
	ReasonFoundAfterAll:   "Found on the platform after all: it is not sent again.",
	ReasonCheckingOutcome: "Checking on the platform whether the post went out: {message}",

	ReasonCannotCheck:    "Ferry cannot tell whether attempt {attempt} reached {platform}, and {platform} offers no way to look. Check the account and resolve: published (with its URL) or retry.",
	ReasonOutcomeUnknown: "{message} The platform offers no way to check; verify the account and resolve: published (with its URL) or retry.",
	ReasonCheckFailed:    "Ferry could not check whether the post went out: {message} Verify the account and resolve: published (with its URL) or retry.",
	ReasonGiveUpUnknown:  "Gave up after {attempts} attempts over {after}: {message} Whether the last attempt went out is unknown; verify the account and resolve: published (with its URL) or retry.",

	ReasonConfirmedByPerson: "Confirmed by a person.",
	ReasonNotSentResend:     "A person confirmed it did not go out; sending again.",
	ReasonRetryRequested:    "A person asked to send it again.",

	ReasonHandoffWaiting:     "Waiting for an operator to publish it on Xiaohongshu and confirm with the note's URL by {at}.",
	ReasonHandoffNoOperators: "Waiting for an operator to publish it on Xiaohongshu and confirm with the note's URL by {at}. The account has no operators: add some to its settings, or open the handoff page from the API.",
	ReasonHandoffLate:        "Its handoff deadline ({at}) had passed when it became due.",
	ReasonHandoffMissed:      "Nobody confirmed it was published on Xiaohongshu by the deadline, {at}.",
	ReasonHandoffConfirmed:   "Published by hand on Xiaohongshu and confirmed by an operator.",

	ReasonPaused:         "Held: sending is paused (by {by}, since {at}). It is not sent until someone resumes and chooses to send it.",
	ReasonHeldAfterPause: "Held: it came due while sending was paused. Send it now, reschedule it or cancel it.",
	ReasonBlackoutHold:   "Held: its time falls in the blackout period {name}, which was set after it was scheduled. Send it now, reschedule it or cancel it.",
	ReasonReleased:       "Released from a hold by a person; sending now.",

	ReasonAwaitingApproval: "Due, but what would be sent is not approved: waiting for {who}. Approving it sends it at once.",
	ReasonApprovalRejected: "Due, but what would be sent was rejected by {who}. Change it and submit it again, or cancel it.",
	ReasonApprovalBroken:   "Due, but its account's approval policy cannot be satisfied: {message}",
	ReasonApprovalMissed:   "Not approved within {within} of its scheduled time.",
	ReasonApproved:         "Approved after its time; sending now.",
}

// ReasonCodes lists every reason code, sorted.
func ReasonCodes() []ReasonCode {
	out := make([]ReasonCode, 0, len(reasonEnglish))
	for c := range reasonEnglish {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// ReasonArgKind is how a reason's argument is written.
type ReasonArgKind int

// Argument kinds.
const (
	ArgText      ReasonArgKind = iota // as is: a number, or a platform's own message
	ArgTime                           // an instant, RFC 3339 in the offset it was made in
	ArgDuration                       // a Go duration ("2h0m0s")
	ArgPlatform                       // a platform code ("weibo")
	ArgApprovers                      // people, comma-separated: a member's name, an email, or role:<role> (any member with it)
)

// ReasonArgKindOf says how the argument called name is written: the kind
// goes by the name, the same in every reason.
func ReasonArgKindOf(name string) ReasonArgKind {
	switch name {
	case "at":
		return ArgTime
	case "after", "within", "window":
		return ArgDuration
	case "platform":
		return ArgPlatform
	case "who":
		return ArgApprovers
	}
	return ArgText
}

// ReasonArgs are a reason's arguments, name → value as text (see
// ReasonArgKindOf). They are JSON {} when there are none.
type ReasonArgs map[string]string

// MarshalJSON writes nil as {}.
func (a ReasonArgs) MarshalJSON() ([]byte, error) {
	if a == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(map[string]string(a))
}

// Reason is why a publication is where it is: a code and its arguments.
// The zero Reason is no reason.
type Reason struct {
	Code ReasonCode
	Args ReasonArgs
}

// Because builds a reason from a code and name/value pairs. A value is a
// time.Time (kept in its location), a time.Duration, a Platform, an int or
// a string.
func Because(code ReasonCode, pairs ...any) Reason {
	r := Reason{Code: code}
	if len(pairs) > 0 {
		r.Args = make(ReasonArgs, len(pairs)/2)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		var v string
		switch x := pairs[i+1].(type) {
		case time.Time:
			v = x.Format(time.RFC3339)
		case time.Duration:
			v = x.String()
		case Platform:
			v = string(x)
		case int:
			v = strconv.Itoa(x)
		case string:
			v = x
		default:
			v = fmt.Sprint(x)
		}
		r.Args[fmt.Sprint(pairs[i])] = v
	}
	return r
}

// reasonPlaceholder matches an argument's place in a reason's words.
var reasonPlaceholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// English is the reason in English words ("" for no reason).
func (r Reason) English() string {
	if r.Code == "" {
		return ""
	}
	msg, ok := reasonEnglish[r.Code]
	if !ok {
		return string(r.Code)
	}
	return reasonPlaceholder.ReplaceAllStringFunc(msg, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := r.Args[name]
		if !ok {
			return m
		}
		switch ReasonArgKindOf(name) {
		case ArgPlatform:
			return Platform(v).Name()
		case ArgApprovers:
			return ApproverWords(v, func(role string) string { return "any " + role })
		}
		return v
	})
}

// EnglishTemplate is a code's English words with their placeholders, or "".
func (c ReasonCode) EnglishTemplate() string { return reasonEnglish[c] }

// SetReason gives p a reason: its code and arguments, and its English
// words in Reason.
func (p *Publication) SetReason(r Reason) {
	p.Reason, p.ReasonCode, p.ReasonArgs = r.English(), r.Code, r.Args
}

// Because is p's reason as a code and arguments. For a publication last
// moved before reasons had codes, the code is empty and only the English
// words in Reason say why.
func (p *Publication) Because() Reason { return Reason{Code: p.ReasonCode, Args: p.ReasonArgs} }

// placeholders lists the argument names a message uses.
func placeholders(msg string) []string {
	var out []string
	for _, m := range reasonPlaceholder.FindAllStringSubmatch(msg, -1) {
		out = append(out, m[1])
	}
	return out
}

// ArgNames lists the arguments a code's words use, in order of
// first use.
func (c ReasonCode) ArgNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range placeholders(reasonEnglish[c]) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
