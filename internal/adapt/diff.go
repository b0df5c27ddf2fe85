package adapt

import "github.com/ferry-social/ferry"

// maxDiffEdits bounds the work of Diff: texts that differ in more runes than
// this (after their common start and end) are reported as one deletion and
// one insertion, which is what such a rewrite amounts to for a reader.
const maxDiffEdits = 500

// Diff returns the steps that turn a into b, rune by rune (Myers' O(ND)
// algorithm), as runs of "equal", "delete" and "insert". Concatenating the
// equal and delete runs gives a; the equal and insert runs give b. It
// returns nil when a and b are equal.
func Diff(a, b string) []ferry.TextEdit {
	if a == b {
		return nil
	}
	ra, rb := []rune(a), []rune(b)
	pre := 0
	for pre < len(ra) && pre < len(rb) && ra[pre] == rb[pre] {
		pre++
	}
	suf := 0
	for suf < len(ra)-pre && suf < len(rb)-pre && ra[len(ra)-1-suf] == rb[len(rb)-1-suf] {
		suf++
	}
	var out editList
	out.add("equal", ra[:pre])
	ma, mb := ra[pre:len(ra)-suf], rb[pre:len(rb)-suf]
	if ops, ok := myers(ma, mb, maxDiffEdits); ok {
		for _, op := range ops {
			out.add(op.op, op.text)
		}
	} else {
		out.add("delete", ma)
		out.add("insert", mb)
	}
	out.add("equal", ra[len(ra)-suf:])
	return out
}

type editList []ferry.TextEdit

// add appends a run, merging it with the previous one of the same kind.
func (l *editList) add(op string, text []rune) {
	if len(text) == 0 {
		return
	}
	if n := len(*l); n > 0 && (*l)[n-1].Op == op {
		(*l)[n-1].Text += string(text)
		return
	}
	*l = append(*l, ferry.TextEdit{Op: op, Text: string(text)})
}

type runeOp struct {
	op   string
	text []rune
}

// myers finds a shortest edit script from a to b with at most maxD edits,
// or reports false.
func myers(a, b []rune, maxD int) ([]runeOp, bool) {
	n, m := len(a), len(b)
	if n+m == 0 {
		return nil, true
	}
	if n+m > 0 && (n == 0 || m == 0) {
		return []runeOp{{"delete", a}, {"insert", b}}, true
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

// backtrack walks the trace from (n, m) back to (0, 0), collecting runs in
// reverse.
func backtrack(a, b []rune, trace [][]int, off, dEnd int) []runeOp {
	x, y := len(a), len(b)
	var rev []runeOp
	for d := dEnd; d > 0; d-- {
		v := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := v[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			rev = append(rev, runeOp{"equal", a[x-1 : x]})
			x--
			y--
		}
		if x == prevX {
			rev = append(rev, runeOp{"insert", b[y-1 : y]})
		} else {
			rev = append(rev, runeOp{"delete", a[x-1 : x]})
		}
		x, y = prevX, prevY
	}
	for x > 0 && y > 0 {
		rev = append(rev, runeOp{"equal", a[x-1 : x]})
		x--
		y--
	}
	ops := make([]runeOp, 0, len(rev))
	for i := len(rev) - 1; i >= 0; i-- {
		ops = append(ops, rev[i])
	}
	return ops
}
