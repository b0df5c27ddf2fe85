package adapt

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt/script"
)

// Pre-publish check codes.
const (
	CodeSensitiveTerm = "sensitive_term" // a term on the workspace's list; its severity is the term's
	CodeBlockedLink   = "blocked_link"   // Weibo, Xiaohongshu: a link to a site mainland readers cannot open (a warning)
)

//go:embed blocked_hosts.txt
var blockedHostsFile string

// BlockedHosts is the maintained list of sites readers in mainland China
// cannot open (blocked_hosts.txt, with its sources).
func BlockedHosts() []string {
	var out []string
	for _, line := range strings.Split(blockedHostsFile, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, strings.ToLower(line))
		}
	}
	return out
}

// Screen is a workspace's pre-publish checks: its sensitive terms and the
// sites its Weibo and Xiaohongshu readers cannot open. The zero Screen
// checks nothing; build one with Adapter.Screen.
type Screen struct {
	terms []screenTerm
	hosts map[string]bool
}

type screenTerm struct {
	ferry.SensitiveTerm
	// forms are the term as written and in each Chinese script, lower
	// case: a term written in Traditional Chinese is found in a Weibo
	// variant converted to Simplified.
	forms []string
}

// Screen compiles a workspace's sensitive terms and its own blocked hosts
// (added to BlockedHosts).
func (a *Adapter) Screen(terms []ferry.SensitiveTerm, hosts []string) *Screen {
	sc := &Screen{hosts: map[string]bool{}}
	for _, h := range BlockedHosts() {
		sc.hosts[h] = true
	}
	for _, h := range hosts {
		sc.hosts[strings.ToLower(h)] = true
	}
	for _, t := range terms {
		st := screenTerm{SensitiveTerm: t, forms: []string{strings.ToLower(t.Term)}}
		for _, cfg := range []script.Config{script.HK2S, script.TW2S, script.T2S, script.S2HK, script.S2TW, script.S2T} {
			if c, err := a.conv.Convert(cfg, t.Term); err == nil && !slices.Contains(st.forms, strings.ToLower(c)) {
				st.forms = append(st.forms, strings.ToLower(c))
			}
		}
		sc.terms = append(sc.terms, st)
	}
	return sc
}

// Problems lists what the checks find in a variant's title and text.
func (sc *Screen) Problems(v Variant) []ferry.Problem {
	if sc == nil {
		return nil
	}
	var ps []ferry.Problem
	for _, f := range []struct{ name, text string }{{"title", v.Title}, {"text", v.Text}} {
		if f.text == "" {
			continue
		}
		lower := strings.ToLower(f.text)
		for _, t := range sc.terms {
			for _, form := range t.forms {
				i := strings.Index(lower, form)
				if i < 0 || len(lower) != len(f.text) {
					// Lower-casing changed byte lengths (rare letters):
					// search the text as written instead.
					if i = strings.Index(f.text, form); i < 0 {
						continue
					}
				}
				start := utf8.RuneCountInString(f.text[:i])
				ps = append(ps, termProblem(t.SensitiveTerm, f.name, start, start+utf8.RuneCountInString(form), f.text[i:i+len(form)]))
				break
			}
		}
		if v.Platform == ferry.Weibo || v.Platform == ferry.Xiaohongshu {
			ps = append(ps, sc.blockedLinks(v.Platform, f.name, f.text)...)
		}
	}
	return ps
}

func termProblem(t ferry.SensitiveTerm, field string, start, end int, found string) ferry.Problem {
	en := fmt.Sprintf("%q is on this workspace's list of sensitive terms.", found)
	zh := fmt.Sprintf("「%s」在本工作區的敏感詞清單上。", found)
	if t.Suggestion != "" {
		en += fmt.Sprintf(" Suggested wording: %q.", t.Suggestion)
		zh += fmt.Sprintf("建議改為「%s」。", t.Suggestion)
	}
	sev := t.Severity
	if sev != ferry.SeverityError {
		sev = ferry.SeverityWarning
	}
	return problem(sev, CodeSensitiveTerm, field, span(start, end), en, zh)
}

// linkHost finds web addresses and bare domains: "https://m.youtube.com/x",
// "youtu.be/abc", "www.google.com".
var linkHost = regexp.MustCompile(`(?i)(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?::\d+)?(?:[/?#][^\s<>"'）」』]*)?`)

func (sc *Screen) blockedLinks(p ferry.Platform, field, text string) []ferry.Problem {
	var ps []ferry.Problem
	for _, m := range linkHost.FindAllStringSubmatchIndex(text, -1) {
		host := strings.ToLower(text[m[2]:m[3]])
		blocked := ""
		for h := host; h != ""; {
			if sc.hosts[h] {
				blocked = h
				break
			}
			_, rest, ok := strings.Cut(h, ".")
			if !ok {
				break
			}
			h = rest
		}
		if blocked == "" {
			continue
		}
		start := utf8.RuneCountInString(text[:m[0]])
		end := start + utf8.RuneCountInString(text[m[0]:m[1]])
		link := text[m[0]:m[1]]
		ps = append(ps, warning(CodeBlockedLink, field, span(start, end),
			fmt.Sprintf("Readers in mainland China cannot open %s (%s is blocked there): most readers of this %s post will find the link dead. Link to a copy they can reach, or leave it out.", link, blocked, p.Name()),
			fmt.Sprintf("中國內地讀者無法開啟 %s（%s 在內地被封鎖）：這則%s帖文的大部分讀者會打不開這條連結。請改用他們能開啟的版本，或刪去連結。", link, blocked, platformNameZH(p))))
	}
	return ps
}
