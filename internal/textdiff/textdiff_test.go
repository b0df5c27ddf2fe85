package textdiff

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ferry-social/ferry"
)

func join(es []ferry.TextEdit, skip string) string {
	var b strings.Builder
	for _, e := range es {
		if e.Op != skip {
			b.WriteString(e.Text)
		}
	}
	return b.String()
}

func TestDiff(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want []ferry.TextEdit
	}{
		{"The ferry leaves at noon.", "The ferry leaves at dawn.", []ferry.TextEdit{{Op: "equal", Text: "The ferry leaves at "}, {Op: "delete", Text: "noon"}, {Op: "insert", Text: "dawn"}, {Op: "equal", Text: "."}}},
		// Latin: a changed letter is a changed word.
		{"colour scheme", "color scheme", []ferry.TextEdit{{Op: "delete", Text: "colour"}, {Op: "insert", Text: "color"}, {Op: "equal", Text: " scheme"}}},
		// Chinese: character by character.
		{"渡輪中午開出", "渡輪清晨開出", []ferry.TextEdit{{Op: "equal", Text: "渡輪"}, {Op: "delete", Text: "中午"}, {Op: "insert", Text: "清晨"}, {Op: "equal", Text: "開出"}}},
		{"今日天氣好 OK", "今日天气好 OK", []ferry.TextEdit{{Op: "equal", Text: "今日天"}, {Op: "delete", Text: "氣"}, {Op: "insert", Text: "气"}, {Op: "equal", Text: "好 OK"}}},
		{"same", "same", nil},
		{"", "new", []ferry.TextEdit{{Op: "insert", Text: "new"}}},
	}
	for _, c := range cases {
		got := Diff(c.a, c.b)
		require.Equal(t, c.want, got, "%q → %q", c.a, c.b)
		if got != nil {
			require.Equal(t, c.a, join(got, "insert"))
			require.Equal(t, c.b, join(got, "delete"))
		}
	}
	require.Equal(t, []string{"Hello", ",", " ", "渡", "輪", " ", "it's", " ", "2026"}, Tokens("Hello, 渡輪 it's 2026"))
}
