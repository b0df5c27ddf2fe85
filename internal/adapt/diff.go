package adapt

import (
	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/textdiff"
)

// Diff returns the steps that turn a into b, as runs of "equal",
// "delete" and "insert" (textdiff: character by character for Chinese,
// word by word for Latin text). Concatenating the equal and delete runs
// gives a; the equal and insert runs give b. It returns nil when a and b
// are equal.
func Diff(a, b string) []ferry.TextEdit {
	if a == b {
		return nil
	}
	var out []ferry.TextEdit
	for _, op := range textdiff.Diff(a, b) {
		out = append(out, ferry.TextEdit{Op: op.Kind.String(), Text: op.Text})
	}
	return out
}
