package calendar

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// refdataPath returns the path of a file under shared/refdata/calendar, and
// fails the test when it is missing: these tests exist to check the package
// against the outside world, so skipping would hide a broken setup.
func refdataPath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "refdata", "calendar", name)
	_, err := os.Stat(p)
	require.NoError(t, err, "reference data %s is missing: these tests need the shared/refdata checkout beside the repository", p)
	return p
}
