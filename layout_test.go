package ferry_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/ferry-social/ferry"

// imports returns what the non-test files of the package in dir import.
func imports(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range file.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			out[path] = true
		}
	}
	return out
}

// TestLayout_DependenciesPointInward keeps the architecture of
// docs/architecture.md: the domain package imports nothing of Ferry's, and
// the doors (REST API, web UI) reach storage only through the service.
func TestLayout_DependenciesPointInward(t *testing.T) {
	t.Parallel()
	for path := range imports(t, ".") {
		require.False(t, strings.HasPrefix(path, module+"/"), "package ferry imports %s", path)
	}
	for _, door := range []string{"internal/api", "internal/web"} {
		if _, err := os.Stat(door); os.IsNotExist(err) {
			continue
		}
		require.NotContains(t, imports(t, door), module+"/internal/store", "%s must go through the service", door)
	}
}
