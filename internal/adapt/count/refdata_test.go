package count

import (
	"bufio"
	"encoding/json"
	"testing"

	"github.com/ferry-social/ferry/internal/refdata"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// readJSONL decodes every line of a JSON Lines file in the reference data.
func readJSONL[T any](t testing.TB, parts ...string) []T {
	t.Helper()
	f := refdata.Open(t, parts...)
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
	data := refdata.Read(t, parts...)
	var v T
	require.NoError(t, yaml.Unmarshal(data, &v))
	return v
}
