package handoff

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Operator is a person who publishes an account's notes by hand. Account
// settings list them under "operators", each either an email (a workspace
// member's or anyone's) or an object {"email", "name", "telegram_chat_id"}.
type Operator struct {
	Email          string `json:"email"`
	Name           string `json:"name,omitempty"`
	TelegramChatID string `json:"telegram_chat_id,omitempty"`
}

// Timing says when a handoff opens and closes, relative to the
// publication's scheduled time.
type Timing struct {
	// Lead opens the handoff this long before the scheduled time (0: at it).
	Lead time.Duration
	// Deadline is how long after the scheduled time an unconfirmed handoff
	// is missed.
	Deadline time.Duration
}

// Limits of the timing settings.
const (
	MaxLead     = 24 * time.Hour
	MinDeadline = time.Second
	MaxDeadline = 7 * 24 * time.Hour
)

// Settings are an account's handoff settings.
type Settings struct {
	Operators []Operator
	Timing
}

// ParseSettings reads a Xiaohongshu account's settings:
//
//	{"operators": ["ops@example.org", {"email": "li@example.org", "name": "Li", "telegram_chat_id": "123456"}],
//	 "lead_time": "15m", "deadline_after": "2h"}
//
// Durations are Go durations ("90m", "2h"); absent ones take the defaults.
// It returns every setting it could read and, when some were not valid, an
// error saying which (the invalid ones are left out or defaulted).
func ParseSettings(raw map[string]any, defaults Timing) (Settings, error) {
	s := Settings{Timing: defaults}
	var problems []string
	if v, ok := raw["operators"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			problems = append(problems, "operators must be a list")
		}
		seen := map[string]bool{}
		for i, item := range list {
			op, err := parseOperator(item)
			if err != nil {
				problems = append(problems, fmt.Sprintf("operators[%d]: %v", i, err))
				continue
			}
			key := op.Email + "\x00" + op.TelegramChatID
			if !seen[key] {
				seen[key] = true
				s.Operators = append(s.Operators, op)
			}
		}
	}
	dur := func(key string, dst *time.Duration, lo, hi time.Duration) {
		v, ok := raw[key]
		if !ok || v == nil {
			return
		}
		str, ok := v.(string)
		d, err := time.ParseDuration(strings.TrimSpace(str))
		switch {
		case !ok || err != nil:
			problems = append(problems, fmt.Sprintf("%s must be a duration such as \"30m\" or \"2h\"", key))
		case d < lo || d > hi:
			problems = append(problems, fmt.Sprintf("%s must be between %v and %v", key, lo, hi))
		default:
			*dst = d
		}
	}
	dur("lead_time", &s.Lead, 0, MaxLead)
	dur("deadline_after", &s.Deadline, MinDeadline, MaxDeadline)
	if len(problems) > 0 {
		return s, fmt.Errorf("handoff settings: %s", strings.Join(problems, "; "))
	}
	return s, nil
}

func parseOperator(item any) (Operator, error) {
	var op Operator
	switch v := item.(type) {
	case string:
		op.Email = v
	case map[string]any:
		for k, val := range v {
			switch k {
			case "email":
				op.Email, _ = val.(string)
			case "name":
				op.Name, _ = val.(string)
			case "telegram_chat_id":
				switch id := val.(type) {
				case string:
					op.TelegramChatID = strings.TrimSpace(id)
				case float64:
					op.TelegramChatID = strconv.FormatInt(int64(id), 10)
				default:
					return op, fmt.Errorf("telegram_chat_id must be a number or a string")
				}
			default:
				return op, fmt.Errorf("unknown field %q (email, name, telegram_chat_id)", k)
			}
		}
	default:
		return op, fmt.Errorf("must be an email or an object with email, name, telegram_chat_id")
	}
	op.Email = strings.ToLower(strings.TrimSpace(op.Email))
	op.Name = strings.TrimSpace(op.Name)
	if op.Email != "" {
		a, err := mail.ParseAddress(op.Email)
		if err != nil || a.Address != op.Email {
			return op, fmt.Errorf("%q is not an email address", op.Email)
		}
	}
	if op.TelegramChatID != "" {
		if _, err := strconv.ParseInt(op.TelegramChatID, 10, 64); err != nil {
			return op, fmt.Errorf("telegram_chat_id %q is not a chat id", op.TelegramChatID)
		}
	}
	if op.Email == "" && op.TelegramChatID == "" {
		return op, fmt.Errorf("needs an email or a telegram_chat_id")
	}
	return op, nil
}

// Label names an operator for people.
func (o Operator) Label() string {
	switch {
	case o.Name != "" && o.Email != "":
		return o.Name + " <" + o.Email + ">"
	case o.Name != "":
		return o.Name
	case o.Email != "":
		return o.Email
	}
	return "Telegram chat " + o.TelegramChatID
}
