package service

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/store"
)

// Checks is a workspace's pre-publish checks: its sensitive terms, and the
// sites its Weibo and Xiaohongshu readers cannot open (the maintained list
// and the workspace's own).
type Checks struct {
	Terms []ferry.SensitiveTerm `json:"terms"`
	// Hosts are the workspace's own; BuiltIn the maintained list.
	Hosts   []string `json:"hosts"`
	BuiltIn []string `json:"built_in_hosts"`
}

// screen compiles the workspace's checks for adaptation.
func (s *Service) screen(ctx context.Context, q *store.Q, workspaceID string) (*adapt.Screen, error) {
	terms, err := q.SensitiveTerms(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	hosts, err := q.BlockedHostsOf(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return s.adapter().Screen(terms, hosts), nil
}

// Checks returns the workspace's checks; anyone in it may read them.
func (s *Service) Checks(ctx context.Context, p ferry.Principal) (*Checks, error) {
	if err := require(p, ferry.RoleViewer, "see the pre-publish checks"); err != nil {
		return nil, err
	}
	q := s.DB.Read()
	terms, err := q.SensitiveTerms(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	hosts, err := q.BlockedHostsOf(ctx, p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	return &Checks{Terms: terms, Hosts: hosts, BuiltIn: adapt.BlockedHosts()}, nil
}

// SensitiveTermInput is a term to add or change.
type SensitiveTermInput struct {
	Term       string         `json:"term"`
	Severity   ferry.Severity `json:"severity"`
	Suggestion string         `json:"suggestion"`
}

// PutSensitiveTerm adds a term to the workspace's list, or changes its
// severity and suggestion (admin). Stories are checked against it from
// their next save or preview.
func (s *Service) PutSensitiveTerm(ctx context.Context, p ferry.Principal, in SensitiveTermInput) (*ferry.SensitiveTerm, error) {
	if err := require(p, ferry.RoleAdmin, "change the pre-publish checks"); err != nil {
		return nil, err
	}
	t := ferry.SensitiveTerm{Term: strings.TrimSpace(in.Term), Severity: in.Severity, Suggestion: strings.TrimSpace(in.Suggestion), CreatedBy: p.Actor()}
	details := map[string]string{}
	switch n := len([]rune(t.Term)); {
	case n == 0:
		details["term"] = "is required"
	case n > 100:
		details["term"] = "must be at most 100 characters"
	}
	if t.Severity == "" {
		t.Severity = ferry.SeverityWarning
	}
	if t.Severity != ferry.SeverityWarning && t.Severity != ferry.SeverityError {
		details["severity"] = `must be "warning" or "error"`
	}
	if len([]rune(t.Suggestion)) > 200 {
		details["suggestion"] = "must be at most 200 characters"
	}
	if len(details) > 0 {
		return nil, ferry.Errorf(ferry.EINVALID, "The sensitive term is not valid.").WithDetails(details)
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutSensitiveTerm(ctx, p.WorkspaceID, &t); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "checks.term_put", "sensitive_term", t.Term, map[string]any{"severity": t.Severity, "suggestion": t.Suggestion}))
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// DeleteSensitiveTerm removes a term from the list (admin).
func (s *Service) DeleteSensitiveTerm(ctx context.Context, p ferry.Principal, term string) error {
	if err := require(p, ferry.RoleAdmin, "change the pre-publish checks"); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSensitiveTerm(ctx, p.WorkspaceID, term); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "checks.term_delete", "sensitive_term", term, nil))
	})
}

var hostName = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// normalHost reads a host from what a person typed: "YouTube.com",
// "https://www.example.org/path" → "www.example.org".
func normalHost(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil {
			s = u.Hostname()
		}
	} else if h, _, ok := strings.Cut(s, "/"); ok {
		s = h
	}
	return strings.TrimSuffix(s, ".")
}

// AddBlockedHost adds a site to the workspace's list of sites its
// mainland readers cannot open (admin); its subdomains are covered too.
func (s *Service) AddBlockedHost(ctx context.Context, p ferry.Principal, host string) (string, error) {
	if err := require(p, ferry.RoleAdmin, "change the pre-publish checks"); err != nil {
		return "", err
	}
	h := normalHost(host)
	if !hostName.MatchString(h) {
		return "", ferry.Errorf(ferry.EINVALID, "%q is not a domain name such as example.com.", host).WithDetails(map[string]string{"host": "must be a domain name such as example.com"})
	}
	err := s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.AddBlockedHost(ctx, p.WorkspaceID, h, p.Actor()); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "checks.host_add", "blocked_host", h, nil))
	})
	return h, err
}

// DeleteBlockedHost removes a site of the workspace's own list (admin);
// the maintained list cannot be shortened.
func (s *Service) DeleteBlockedHost(ctx context.Context, p ferry.Principal, host string) error {
	if err := require(p, ferry.RoleAdmin, "change the pre-publish checks"); err != nil {
		return err
	}
	h := normalHost(host)
	return s.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteBlockedHost(ctx, p.WorkspaceID, h); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(p, "checks.host_delete", "blocked_host", h, nil))
	})
}
