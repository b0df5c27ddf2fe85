// Package textdiff compares two versions of a text the way a reader sees
// the change: Chinese (Han) and Japanese kana one character at a time, as
// a Chinese reader reads them, and Latin, Cyrillic and other alphabetic
// text one word at a time, so that "publish" → "published" shows as one
// replaced word rather than an inserted "ed".
package textdiff

import (
	"strings"
	"unicode"
)

// Kind says what happened to a piece of text.
type Kind int

// The kinds of change.
const (
	Equal  Kind = iota // in both versions
	Delete             // only in the old version
	Insert             // only in the new version
)

func (k Kind) String() string {
	switch k {
	case Delete:
		return "delete"
	case Insert:
		return "insert"
	}
	return "equal"
}

// Op is one piece of the diff. Consecutive ops never share a kind.
type Op struct {
	Kind Kind
	Text string
}

// MaxEdit bounds the work: when the two versions differ by more than this
// many tokens, the differing middle is reported as deleted and inserted as
// a whole instead of token by token. It keeps a diff of two unrelated long
// texts within O(MaxEdit²) memory (8 MB).
const MaxEdit = 1000

// Diff returns the changes that turn old into new. Concatenating the
// Equal and Delete ops gives old; Equal and Insert gives new.
func Diff(old, new string) []Op {
	a, b := Tokens(old), Tokens(new)
	// Common prefix and suffix cost nothing to find and shrink the search.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []Op
	ops = appendOp(ops, Equal, a[:pre])
	ops = append(ops, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	ops = appendOp(ops, Equal, a[len(a)-suf:])
	return merge(absorbSpaces(ops))
}

// absorbSpaces turns white space left equal between two changes into a
// change: "[-this-] [-Mid-Autumn-]{+on+} {+the+}" reads better as one
// replaced phrase than as words swapped around unchanged spaces.
func absorbSpaces(ops []Op) []Op {
	for i := 1; i+1 < len(ops); i++ {
		if ops[i].Kind == Equal && ops[i-1].Kind != Equal && ops[i+1].Kind != Equal && strings.TrimSpace(ops[i].Text) == "" {
			text := ops[i].Text
			ops[i] = Op{Delete, text}
			ops = append(ops[:i+1], append([]Op{{Insert, text}}, ops[i+1:]...)...)
			i++
		}
	}
	return ops
}

// Tokens splits s into the units Diff compares: each Han ideograph, kana
// or Hangul syllable, each CJK punctuation mark and each other
// punctuation mark or symbol is a token of its own; a run of letters,
// digits and joining marks (a word) is one token, and so is a run of
// white space. Concatenating the tokens gives s back.
func Tokens(s string) []string {
	var out []string
	start := -1 // start of the current word or space run
	var runKind int
	flush := func(end int) {
		if start >= 0 {
			out = append(out, s[start:end])
			start = -1
		}
	}
	for i, r := range s {
		switch k := class(r); k {
		case classSingle:
			flush(i)
			out = append(out, string(r))
		default:
			if start >= 0 && k == runKind {
				continue
			}
			// A combining mark continues whatever run it follows.
			if k == classWord && start >= 0 && unicode.Is(unicode.M, r) {
				continue
			}
			flush(i)
			start, runKind = i, k
		}
	}
	flush(len(s))
	return out
}

const (
	classSingle = iota
	classWord
	classSpace
)

func class(r rune) int {
	switch {
	case unicode.IsSpace(r):
		return classSpace
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar):
		// Scripts written without spaces between words: a word-level
		// diff would treat a whole sentence as one word.
		return classSingle
	case unicode.IsLetter(r), unicode.IsDigit(r), unicode.Is(unicode.M, r), r == '_', r == '\'', r == '’':
		return classWord
	}
	return classSingle
}

// myers is Myers' O((N+M)D) difference algorithm over tokens, keeping
// for each edit distance d only the 2d+1 diagonals it can reach.
func myers(a, b []string) []Op {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return append(appendOp(nil, Delete, a), appendOp(nil, Insert, b)...)
	}
	max := n + m
	if max > MaxEdit {
		max = MaxEdit
	}
	// v[k+offset] is the furthest x on diagonal k; trace[d] is v after
	// step d, restricted to diagonals -d..d.
	offset := max + 1
	v := make([]int, 2*max+3)
	var trace [][]int
	found := -1
	for d := 0; d <= max; d++ {
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[k-1+offset] < v[k+1+offset]) {
				x = v[k+1+offset] // down: insertion
			} else {
				x = v[k-1+offset] + 1 // right: deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[k+offset] = x
			if x >= n && y >= m {
				found = d
				break
			}
		}
		snap := make([]int, 2*d+1)
		copy(snap, v[-d+offset:d+offset+1])
		trace = append(trace, snap)
		if found >= 0 {
			break
		}
	}
	if found < 0 {
		return append(appendOp(nil, Delete, a), appendOp(nil, Insert, b)...)
	}
	// Walk back from (n, m) through the snapshots.
	var rev []Op
	x, y := n, m
	at := func(d, k int) int { return trace[d][k+d] }
	for d := found; d > 0; d-- {
		k := x - y
		var prevK int
		if k == -d || (k != d && at(d-1, k-1) < at(d-1, k+1)) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := at(d-1, prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			rev = append(rev, Op{Equal, a[x-1]})
			x, y = x-1, y-1
		}
		if x == prevX {
			rev = append(rev, Op{Insert, b[y-1]})
		} else {
			rev = append(rev, Op{Delete, a[x-1]})
		}
		x, y = prevX, prevY
	}
	for x > 0 && y > 0 {
		rev = append(rev, Op{Equal, a[x-1]})
		x, y = x-1, y-1
	}
	out := make([]Op, 0, len(rev))
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	return out
}

func appendOp(ops []Op, k Kind, toks []string) []Op {
	if len(toks) == 0 {
		return ops
	}
	return append(ops, Op{k, strings.Join(toks, "")})
}

// merge joins consecutive ops of one kind and, within each run of
// changes, puts the deletions before the insertions, so that a reader sees
// "old → new" once per changed stretch.
func merge(ops []Op) []Op {
	var out []Op
	var del, ins strings.Builder
	flush := func() {
		if del.Len() > 0 {
			out = append(out, Op{Delete, del.String()})
			del.Reset()
		}
		if ins.Len() > 0 {
			out = append(out, Op{Insert, ins.String()})
			ins.Reset()
		}
	}
	for _, o := range ops {
		switch o.Kind {
		case Delete:
			del.WriteString(o.Text)
		case Insert:
			ins.WriteString(o.Text)
		default:
			flush()
			if len(out) > 0 && out[len(out)-1].Kind == Equal {
				out[len(out)-1].Text += o.Text
			} else if o.Text != "" {
				out = append(out, o)
			}
		}
	}
	flush()
	return out
}
