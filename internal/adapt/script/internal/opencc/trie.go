package opencc

import (
	"cmp"
	"fmt"
	"slices"
	"unicode/utf8"
)

// maxLeaves bounds how many dictionaries one trie holds: a node records the
// dictionaries below it in a uint64.
const maxLeaves = 64

// trie holds the keys of every dictionary a Library loaded, each key once,
// with one terminal per dictionary that defines it. Sharing one trie between
// all configurations keeps STPhrases (used by five configurations) in memory
// once.
//
// The trie is static and laid out breadth-first, so the children of a node are
// consecutive nodes sorted by rune, and the whole structure is a few flat
// slices: small, cache-friendly and free of per-node allocations.
type trie struct {
	// nodes[0] is the root; nodes[len-1] is a sentinel that only closes the
	// child and terminal ranges of the last real node.
	nodes []node
	// label[n] is the rune on the edge into node n, apart from the nodes so
	// that scanning a node's children reads few cache lines.
	label []rune
	// rootBMP indexes the root's children by rune for the Basic Multilingual
	// Plane, where nearly every lookup starts; 0 means no child.
	rootBMP []int32
	// wide finds the children of nodes with more than maxScan children (a
	// common character begins hundreds of phrases) in one probe.
	wide edgeTable
	// starts caches the first-rune filters of matchers (see matcher.starts)
	// by the dictionaries they consult; it is only written while loading.
	starts map[uint64]*runeSet

	termLeaf  []uint8
	termValue []string
}

// node is one trie node: what a walk reads about a node sits in one
// 16-byte record, in one cache line with its successor.
type node struct {
	// The children of node n are nodes[n].child ... nodes[n+1].child-1.
	child int32
	// The terminals of node n are nodes[n].term ... nodes[n+1].term-1.
	term int32
	// below has bit i set when dictionary i has a key at or below the node;
	// a walk stops as soon as no dictionary it asks about lies ahead.
	below uint64
}

// trieKey is one key to insert: which dictionary defines it, and its value.
type trieKey struct {
	key   string
	value string
	leaf  uint8
}

// mergeRuns merges runs sorted by key into one, keeping equal keys in run
// order: pairs of neighbouring runs are merged until one is left, the left
// run winning ties.
func mergeRuns(runs [][]trieKey) []trieKey {
	if len(runs) == 0 {
		return nil
	}
	for len(runs) > 1 {
		merged := make([][]trieKey, 0, (len(runs)+1)/2)
		for i := 0; i < len(runs); i += 2 {
			if i+1 == len(runs) {
				merged = append(merged, runs[i])
				continue
			}
			a, b := runs[i], runs[i+1]
			out := make([]trieKey, 0, len(a)+len(b))
			for len(a) > 0 && len(b) > 0 {
				if b[0].key < a[0].key {
					out, b = append(out, b[0]), b[1:]
				} else {
					out, a = append(out, a[0]), a[1:]
				}
			}
			merged = append(merged, append(append(out, a...), b...))
		}
		runs = merged
	}
	return runs[0]
}

// buildTrie lays out the keys of dicts (dictionary i becomes leaf i).
func buildTrie(dicts []*dictionary) (*trie, error) {
	if len(dicts) > maxLeaves {
		return nil, fmt.Errorf("opencc: %d dictionaries exceed the limit of %d", len(dicts), maxLeaves)
	}
	// Byte order of UTF-8 is code point order, so once the keys are sorted
	// every node's keys form one run, the keys that end at the node first.
	// OpenCC's dictionary files are sorted already, so each is sorted on its
	// own (a check, usually) and the sorted runs are merged, with equal keys
	// in dictionary order.
	runs := make([][]trieKey, len(dicts))
	runes := 0
	for i, d := range dicts {
		run := make([]trieKey, len(d.entries))
		for j, e := range d.entries {
			if !utf8.ValidString(e.key) || !utf8.ValidString(e.value) {
				return nil, fmt.Errorf("opencc: dictionary %s: invalid UTF-8 in %q", d.name, e.key)
			}
			run[j] = trieKey{key: e.key, value: e.value, leaf: uint8(i)}
			runes += utf8.RuneCountInString(e.key)
		}
		byKey := func(a, b trieKey) int { return cmp.Compare(a.key, b.key) }
		if !slices.IsSortedFunc(run, byKey) {
			slices.SortStableFunc(run, byKey)
		}
		runs[i] = run
	}
	keys := mergeRuns(runs)
	// A key defined twice in one dictionary keeps its first definition, as
	// OpenCC's lexicon does.
	keys = slices.CompactFunc(keys, func(a, b trieKey) bool { return a.key == b.key && a.leaf == b.leaf })

	// A trie has at most one node per key character, plus the root.
	t := &trie{
		rootBMP:   make([]int32, 0x10000),
		nodes:     make([]node, 0, runes+2),
		label:     make([]rune, 0, runes+2),
		termLeaf:  make([]uint8, 0, len(keys)),
		termValue: make([]string, 0, len(keys)),
	}
	// offset[i] is how far key i has been consumed by the node that holds it.
	offset := make([]int, len(keys))
	type span struct{ lo, hi int }
	spans := make([]span, 1, runes+1)
	spans[0] = span{0, len(keys)}
	parent := make([]int32, 1, runes+1)
	parent[0] = -1
	t.nodes = append(t.nodes, node{})
	t.label = append(t.label, 0)
	for n := 0; n < len(spans); n++ {
		lo, hi := spans[n].lo, spans[n].hi
		t.nodes[n].child = int32(len(spans))
		t.nodes[n].term = int32(len(t.termLeaf))
		for lo < hi && offset[lo] == len(keys[lo].key) {
			t.termLeaf = append(t.termLeaf, keys[lo].leaf)
			t.termValue = append(t.termValue, keys[lo].value)
			lo++
		}
		for lo < hi {
			off := offset[lo]
			r, size := utf8.DecodeRuneInString(keys[lo].key[off:])
			end := lo
			for end < hi {
				next, _ := utf8.DecodeRuneInString(keys[end].key[off:])
				if next != r {
					break
				}
				offset[end] += size
				end++
			}
			id := int32(len(spans))
			if n == 0 && r < 0x10000 {
				t.rootBMP[r] = id
			}
			spans = append(spans, span{lo, end})
			parent = append(parent, int32(n))
			t.nodes = append(t.nodes, node{})
			t.label = append(t.label, r)
			lo = end
		}
	}
	t.nodes = append(t.nodes, node{child: int32(len(spans)), term: int32(len(t.termLeaf))})
	t.label = append(t.label, 0)

	var wide int
	for n := 1; n < len(spans); n++ {
		if t.nodes[n+1].child-t.nodes[n].child > maxScan {
			wide += int(t.nodes[n+1].child - t.nodes[n].child)
		}
	}
	t.wide = newEdgeTable(wide)
	for n := 1; n < len(spans); n++ {
		if lo, end := t.nodes[n].child, t.nodes[n+1].child; end-lo > maxScan {
			for c := lo; c < end; c++ {
				t.wide.put(int32(n), t.label[c], c)
			}
		}
	}

	// Children have larger ids than their parents, so one backward pass
	// propagates the dictionary sets to the root.
	for n := len(spans) - 1; n >= 0; n-- {
		nd := &t.nodes[n]
		for _, leaf := range t.termLeaf[nd.term:t.nodes[n+1].term] {
			nd.below |= 1 << leaf
		}
		if p := parent[n]; p >= 0 {
			t.nodes[p].below |= nd.below
		}
	}
	return t, nil
}

// maxScan is the most children a node may have for a linear scan of their
// labels, one or two cache lines, to beat a hash probe.
const maxScan = 8

// next returns the child of node n along rune r, or 0 when there is none.
func (t *trie) next(n int32, r rune) int32 {
	if n == 0 && uint32(r) < 0x10000 {
		return t.rootBMP[r]
	}
	lo, end := t.nodes[n].child, t.nodes[n+1].child
	if end-lo <= maxScan {
		for ; lo < end; lo++ {
			if t.label[lo] == r {
				return lo
			}
		}
		return 0
	}
	if n != 0 {
		return t.wide.get(n, r)
	}
	// The root's children outside the BMP: rare, and sorted by rune.
	for hi := end; lo < hi; {
		m := int32(uint32(lo+hi) >> 1)
		if t.label[m] < r {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < end && t.label[lo] == r {
		return lo
	}
	return 0
}

// runeSet is a set of runes of the Basic Multilingual Plane.
type runeSet [0x10000 / 64]uint64

func (s *runeSet) has(r rune) bool { return s[r/64]&(1<<(r%64)) != 0 }

// startSet returns the BMP runes that begin a key of the dictionaries in want.
func (t *trie) startSet(want uint64) *runeSet {
	if s, ok := t.starts[want]; ok {
		return s
	}
	s := new(runeSet)
	for c := t.nodes[0].child; c < t.nodes[1].child; c++ {
		if r := t.label[c]; r < 0x10000 && t.nodes[c].below&want != 0 {
			s[r/64] |= 1 << (r % 64)
		}
	}
	if t.starts == nil {
		t.starts = map[uint64]*runeSet{}
	}
	t.starts[want] = s
	return s
}

// size returns how many nodes the trie has.
func (t *trie) size() int { return len(t.nodes) - 1 }

// edgeTable is an open-addressing hash table from (node, rune) to child.
type edgeTable struct {
	slots []edgeSlot
	mask  uint64
}

type edgeSlot struct {
	key   uint64 // node<<21 | rune, plus one so that 0 marks an empty slot
	child int32
}

func newEdgeTable(n int) edgeTable {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return edgeTable{slots: make([]edgeSlot, size), mask: uint64(size - 1)}
}

func edgeKey(n int32, r rune) uint64 { return uint64(n)<<21 | uint64(r) + 1 }

// slot returns where the key is, or the empty slot where it belongs.
func (e *edgeTable) slot(key uint64) *edgeSlot {
	for i := (key * 0x9E3779B97F4A7C15) >> 32 & e.mask; ; i = (i + 1) & e.mask {
		if s := &e.slots[i]; s.key == key || s.key == 0 {
			return s
		}
	}
}

func (e *edgeTable) put(n int32, r rune, child int32) {
	key := edgeKey(n, r)
	*e.slot(key) = edgeSlot{key: key, child: child}
}

func (e *edgeTable) get(n int32, r rune) int32 {
	if e.mask == 0 {
		return 0
	}
	return e.slot(edgeKey(n, r)).child
}
