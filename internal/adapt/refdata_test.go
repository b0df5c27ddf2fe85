package adapt_test

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
	"github.com/ferry-social/ferry/internal/adapt"
	"github.com/ferry-social/ferry/internal/adapt/script"
	"github.com/ferry-social/ferry/internal/refdata"
)

type openccCase struct {
	Config   string `json:"config"`
	Input    string `json:"input"`
	Expected string `json:"expected"`
	ID       string `json:"id"`
}

// TestAdapt_ScriptConversionMatchesOpenCC runs OpenCC master's test cases
// through the whole pipeline, for each case whose configuration is the one
// the pipeline picks for a (story script, audience) pair: the audience gets
// exactly what the converter produces, and what OpenCC expects except where
// the converter itself differs (its product mode leaves out dictionaries
// that may output characters fonts cannot show).
func TestAdapt_ScriptConversionMatchesOpenCC(t *testing.T) {
	t.Parallel()
	pairs := map[script.Config][2]script.Script{}
	all := []script.Script{script.Simplified, script.HongKong, script.Taiwan, script.Traditional}
	for _, from := range all {
		for _, to := range all {
			if cfg, ok := script.ConfigFor(from, to); ok && cfg != script.None {
				pairs[cfg] = [2]script.Script{from, to}
			}
		}
	}
	f, err := os.Open(refdata.Path(t, "opencc", "normalized.master-5249273.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	conv := script.NewConverter()
	var run, pass, converterDiffers int
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var c openccCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		pair, ok := pairs[script.Config(c.Config)]
		if !ok {
			continue
		}
		run++
		v := adaptOne(t, adapt.Story{Body: c.Input, Script: pair[0]}, adapt.Target{Platform: ferry.Facebook, Audience: pair[1]}, adapt.Env{})
		direct, err := conv.Convert(script.Config(c.Config), c.Input)
		require.NoError(t, err)
		require.Equal(t, tidy(direct), v.Text, "case %s (%s): the pipeline adds nothing to the conversion", c.ID, c.Config)
		require.Equal(t, pair[1], v.Script)
		switch {
		case v.Text == tidy(c.Expected):
			pass++
		case direct != c.Expected:
			converterDiffers++
		default:
			t.Errorf("case %s (%s): got %q, want %q", c.ID, c.Config, v.Text, c.Expected)
		}
	}
	require.NoError(t, sc.Err())
	require.Greater(t, run, 300, "the audience configurations have hundreds of cases")
	t.Logf("OpenCC master cases through the pipeline: %d of %d pass; %d differ in the converter's product mode", pass, run, converterDiffers)
	require.LessOrEqual(t, converterDiffers, 3, "the script package documents 3 product-mode differences")
}

// tidy is what the pipeline does to whitespace: lines without trailing
// spaces, at most one blank line in a row, nothing around.
func tidy(s string) string {
	var lines []string
	blank := false
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			blank = len(lines) > 0
			continue
		}
		if blank {
			lines = append(lines, "")
		}
		blank = false
		lines = append(lines, l)
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
