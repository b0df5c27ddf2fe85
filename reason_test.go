package ferry_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
)

// Every ReasonCode constant declared in reason.go has English words, and
// the words use only arguments whose kind is known.
func TestReasonCodes_EveryCodeHasEnglishWords(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "reason.go", nil, 0)
	require.NoError(t, err)
	var declared []ferry.ReasonCode
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "ReasonCode" {
				continue
			}
			v, err := strconv.Unquote(vs.Values[0].(*ast.BasicLit).Value)
			require.NoError(t, err)
			declared = append(declared, ferry.ReasonCode(v))
		}
	}
	require.Greater(t, len(declared), 25)
	require.ElementsMatch(t, declared, ferry.ReasonCodes(), "the codes declared are the codes with English words")
	for _, c := range declared {
		require.NotEmpty(t, c.EnglishTemplate(), c)
		for _, n := range c.ArgNames() {
			require.Regexp(t, `^[a-z]+$`, n, "%s: argument %s", c, n)
		}
	}
}

func TestReason_EnglishFillsItsArguments(t *testing.T) {
	t.Parallel()
	hk := time.FixedZone("HKT", 8*3600)
	at := time.Date(2026, 9, 25, 20, 7, 0, 0, hk)
	r := ferry.Because(ferry.ReasonRateLimit, "platform", ferry.Weibo, "max", 30, "window", time.Hour, "at", at)
	require.Equal(t, ferry.ReasonArgs{"platform": "weibo", "max": "30", "window": "1h0m0s", "at": "2026-09-25T20:07:00+08:00"}, r.Args)
	require.Equal(t, "Waiting for the Weibo limit of 30 posts per 1h0m0s; next slot 2026-09-25T20:07:00+08:00.", r.English())

	// A platform's own message is quoted as it wrote it.
	r = ferry.Because(ferry.ReasonGiveUp, "attempts", 3, "after", 2*time.Hour, "message", "发布失败：频率过高")
	require.Equal(t, "Gave up after 3 attempts over 2h0m0s: 发布失败：频率过高", r.English())

	require.Empty(t, ferry.Reason{}.English(), "no reason, no words")

	var p ferry.Publication
	p.SetReason(ferry.Because(ferry.ReasonNoConnector, "platform", ferry.Xiaohongshu))
	require.Equal(t, "Ferry cannot publish to Xiaohongshu automatically.", p.Reason)
	require.Equal(t, ferry.ReasonNoConnector, p.Because().Code)

	// The API always carries the code and an object of arguments.
	p.SetReason(ferry.Reason{})
	b, err := json.Marshal(p)
	require.NoError(t, err)
	require.Contains(t, string(b), `"reason_code":"","reason_args":{}`)
}
