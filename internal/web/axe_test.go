package web_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// axeSource is axe-core (testdata/axe, vendored with its licence): the
// browser tests inject it into every page they look at. Never served.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("testdata/axe/axe.min.js")
	return string(b), err
})

// axeViolation is one failed axe rule with the elements that fail it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// accessible runs axe-core's WCAG 2.0 and 2.1 A and AA rules on the page
// shown and fails on any violation, naming the rule and the elements.
// DevTools evaluation is not bound by the page's Content-Security-Policy,
// so the pages' CSP stays as strict as it is.
func (b *browserSession) accessible(page string) {
	b.t.Helper()
	src, err := axeSource()
	require.NoError(b.t, err, "axe-core is vendored in testdata/axe")
	_, err = chromedp.Run(b.ctx, chromedp.Evaluate[any](src+";undefined"))
	require.NoError(b.t, err)
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]}).then(r => JSON.stringify({violations: r.violations, passes: r.passes.length}))`,
		chromedp.EvalAwaitPromise))
	require.NoError(b.t, err)
	var res struct {
		Violations []axeViolation
		Passes     int
	}
	require.NoError(b.t, json.Unmarshal([]byte(out), &res))
	require.Positive(b.t, res.Passes, "axe checked %s", page)
	var lines []string
	for _, v := range res.Violations {
		for _, n := range v.Nodes {
			lines = append(lines, fmt.Sprintf("%s (%s): %s at %v\n    %s", v.ID, v.Impact, v.Help, n.Target, strings.ReplaceAll(n.Summary, "\n", "\n    ")))
		}
	}
	require.Empty(b.t, lines, "accessibility violations on %s:\n%s", page, strings.Join(lines, "\n"))
}
