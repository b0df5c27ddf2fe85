package count

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// refdata returns the path of a file in the shared reference data, failing the test when it is missing.
func refdata(t testing.TB, parts ...string) string {
	t.Helper()
	path := filepath.Join(append([]string{"..", "..", "..", "..", "shared", "refdata"}, parts...)...)
	_, err := os.Stat(path)
	require.NoError(t, err, "reference data %s is missing: it is expected in ../shared/refdata beside the repository", path)
	return path
}

// readJSONL decodes every line of a JSON Lines file in the reference data.
func readJSONL[T any](t testing.TB, parts ...string) []T {
	t.Helper()
	f, err := os.Open(refdata(t, parts...))
	require.NoError(t, err)
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var v T
		require.NoError(t, json.Unmarshal(sc.Bytes(), &v), "line %q", sc.Text())
		out = append(out, v)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, out)
	return out
}

// readYAML decodes a YAML file in the reference data.
func readYAML[T any](t testing.TB, parts ...string) T {
	t.Helper()
	data, err := os.ReadFile(refdata(t, parts...))
	require.NoError(t, err)
	var v T
	require.NoError(t, yaml.Unmarshal(data, &v))
	return v
}
