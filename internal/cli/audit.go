package cli

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/ferry-social/ferry/internal/app"
)

// errAuditBroken makes `ferry audit verify` exit non-zero; the broken link
// is already printed.
var errAuditBroken = errors.New("the audit log does not verify")

func (e *env) audit(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(e.stderr, "Usage: ferry audit verify [--workspace ID]")
		return errUsage
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	var workspace string
	fs := e.flagSet("audit verify", "audit verify [--workspace ID]   (exit status 1 when a chain is broken)")
	e.storeFlags(fs, &cfg)
	fs.StringVar(&workspace, "workspace", "", "check only this workspace's chain (its id); default: every workspace")
	if err := e.parse(fs, args[1:]); err != nil {
		return err
	}
	m := app.New(cfg, slog.New(slog.DiscardHandler))
	defer closeMain(m)
	if err := m.Open(e.ctx, false); err != nil {
		return err
	}
	v, err := m.DB.Read().VerifyAudit(e.ctx, workspace)
	if err != nil {
		return err
	}
	if b := v.Broken; b != nil {
		fmt.Fprintf(e.stdout, "BROKEN: workspace %q, event #%d (row id %d, %s %s %s:%s at %s): %s.\n",
			b.Event.WorkspaceID, b.Event.Seq, b.Event.ID, b.Event.Actor, b.Event.Action, b.Event.TargetType, b.Event.TargetID,
			b.Event.At.UTC().Format("2006-01-02 15:04:05.000Z"), b.Reason)
		fmt.Fprintf(e.stdout, "Checked %d events before it; the events before #%d in that workspace verify.\n", v.Events-1, b.Event.Seq)
		return errAuditBroken
	}
	fmt.Fprintf(e.stdout, "OK: %d events in %d workspace chains verify.\n", v.Events, v.Chains)
	if len(v.Heads) > 0 {
		fmt.Fprintln(e.stdout, "Newest event of each chain (keep these elsewhere: removing the newest events shows only against a copy):")
		for _, h := range v.Heads {
			fmt.Fprintf(e.stdout, "  %s #%d %s\n", h.WorkspaceID, h.Seq, h.Hash)
		}
	}
	return nil
}
