// Package textdiff compares two versions of a text the way a reader does:
// character by character in Chinese (and Japanese and Korean) text, where a
// character is a word's worth of meaning, and word by word in Latin text,
// where a changed letter reads as a changed word. Reviewers see it between
// the content they approved and the content now submitted; the version
// history shows it between any two versions.
package textdiff

import (
	"unicode"

	"github.com/ferry-social/ferry"
)

// maxEdits bounds the work: texts that differ in more tokens than this
// (after their common start and end) are one deletion and one insertion,
// which is what such a rewrite amounts to for a reader.
const maxEdits = 2000

// Diff returns the steps that turn a into b as runs of "equal", "delete"
// and "insert": concatenating the equal and delete runs gives a, the equal
// and insert runs give b. It returns nil when a and b are equal.
func Diff(a, b string) []ferry.TextEdit {
	if a == b {
		return nil
	}
	ta, tb := Tokens(a), Tokens(b)
	pre := 0
	for pre < len(ta) && pre < len(tb) && ta[pre] == tb[pre] {
		pre++
	}
	suf := 0
	for suf < len(ta)-pre && suf < len(tb)-pre && ta[len(ta)-1-suf] == tb[len(tb)-1-suf] {
		suf++
	}
	var out edits
	out.add("equal", ta[:pre]...)
	ma, mb := ta[pre:len(ta)-suf], tb[pre:len(tb)-suf]
	if ops, ok := myers(ma, mb, maxEdits); ok {
		for _, op := range ops {
			out.add(op.op, op.tok)
		}
	} else {
		out.add("delete", ma...)
		out.add("insert", mb...)
	}
	out.add("equal", ta[len(ta)-suf:]...)
	return out
}

// Tokens splits a text into what Diff compares: each Han, kana or hangul
// character alone; a run of other letters, digits and joining marks (a
// Latin word, a number); a run of spaces; any other character alone.
func Tokens(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		j := i + 1
		switch {
		case ideographic(r):
		case word(r):
			for j < len(rs) && word(rs[j]) && !ideographic(rs[j]) {
				j++
			}
		case unicode.IsSpace(r):
			for j < len(rs) && unicode.IsSpace(rs[j]) {
				j++
			}
		}
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}

func ideographic(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

func word(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '\'' || r == '’' || r == '_'
}

type edits []ferry.TextEdit

// add appends tokens as a run, merged with the previous one of its kind.
func (l *edits) add(op string, toks ...string) {
	text := ""
	for _, t := range toks {
		text += t
	}
	if text == "" {
		return
	}
	if n := len(*l); n > 0 && (*l)[n-1].Op == op {
		(*l)[n-1].Text += text
		return
	}
	*l = append(*l, ferry.TextEdit{Op: op, Text: text})
}

type tokOp struct {
	op  string
	tok string
}

// myers finds a shortest edit script from a to b with at most maxD edits
// (Myers' O(ND) algorithm), or reports false.
func myers(a, b []string, maxD int) ([]tokOp, bool) {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		var ops []tokOp
		for _, t := range a {
			ops = append(ops, tokOp{"delete", t})
		}
		for _, t := range b {
			ops = append(ops, tokOp{"insert", t})
		}
		return ops, true
	}
	limit := min(n+m, maxD)
	off := limit + 1
	v := make([]int, 2*limit+3)
	var trace [][]int
	for d := 0; d <= limit; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, off, d), true
			}
		}
	}
	return nil, false
}

// backtrack walks the trace from (n, m) back to (0, 0).
func backtrack(a, b []string, trace [][]int, off, dEnd int) []tokOp {
	x, y := len(a), len(b)
	var rev []tokOp
	for d := dEnd; d > 0; d-- {
		v := trace[d]
		k := x - y
		prevK := k - 1
		if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
			prevK = k + 1
		}
		prevX := v[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			rev = append(rev, tokOp{"equal", a[x-1]})
			x--
			y--
		}
		if x == prevX {
			rev = append(rev, tokOp{"insert", b[y-1]})
		} else {
			rev = append(rev, tokOp{"delete", a[x-1]})
		}
		x, y = prevX, prevY
	}
	for x > 0 && y > 0 {
		rev = append(rev, tokOp{"equal", a[x-1]})
		x--
		y--
	}
	ops := make([]tokOp, 0, len(rev))
	for i := len(rev) - 1; i >= 0; i-- {
		ops = append(ops, rev[i])
	}
	return ops
}
