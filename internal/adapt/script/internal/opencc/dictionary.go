package opencc

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// entry is one dictionary mapping reduced to what conversion uses: OpenCC
// always emits the first (default) candidate of a key.
type entry struct {
	key, value string
}

// dictionary is one OpenCC text dictionary after parsing, in file order.
type dictionary struct {
	name    string
	entries []entry
}

// dictLine is one parsed line of an OpenCC text dictionary: a key and its
// candidates, separated by single spaces, the first being the default.
type dictLine struct {
	key, values string
}

// first returns the default candidate.
func (l dictLine) first() string {
	v, _, _ := strings.Cut(l.values, " ")
	return v
}

const (
	// reversePreferPrefix marks a comment that tells OpenCC's reverse.py which
	// original key becomes the default of a reversed key.
	reversePreferPrefix = "# @reverse-prefer:"
	// tofuRiskPrefix marks the mapping on the next line as one whose extra
	// candidates may render as tofu (extract_tofu_risk.py collects them).
	tofuRiskPrefix = "# @tofu-risk:"
)

// scanDictionary parses the text format shared by all OpenCC dictionaries:
// one "key<TAB>value value ..." per line, '#' comments and blank lines
// ignored. Keys and values are substrings of text, so a loaded dictionary
// costs no allocation beyond its slices.
func scanDictionary(name, text string) ([]dictLine, error) {
	lines := make([]dictLine, 0, strings.Count(text, "\n")+1)
	lineNo := 0
	for rest := text; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		lineNo++
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, values, ok := strings.Cut(line, "\t")
		if !ok || key == "" {
			return nil, fmt.Errorf("dictionary %s:%d: want key<TAB>values, got %q", name, lineNo, line)
		}
		l := dictLine{key: key, values: values}
		// OpenCC splits candidates on single spaces and takes the first one,
		// even when it is empty; an empty default would delete text, so such a
		// line is rejected instead.
		if l.first() == "" {
			return nil, fmt.Errorf("dictionary %s:%d: empty default value for %q", name, lineNo, key)
		}
		lines = append(lines, l)
	}
	return lines, nil
}

// parseDictionary loads a dictionary file as OpenCC's TextDict does.
func parseDictionary(name, text string) (*dictionary, error) {
	lines, err := scanDictionary(name, text)
	if err != nil {
		return nil, err
	}
	d := &dictionary{name: name, entries: make([]entry, len(lines))}
	for i, l := range lines {
		d.entries[i] = entry{key: l.key, value: l.first()}
	}
	return d, nil
}

// reverseDictionary derives "<name>Rev" from a dictionary the way OpenCC's
// data/scripts/reverse.py does (common.py Dict.swap): every candidate becomes
// a key whose candidates are the original keys in file order, and a
// "# @reverse-prefer: key [preferred]" comment moves the preferred original
// key to the front so it becomes the default.
func reverseDictionary(name, text string) (*dictionary, error) {
	lines, err := scanDictionary(name, text)
	if err != nil {
		return nil, err
	}
	order := []string{}
	reversed := map[string][]string{}
	for _, l := range lines {
		for _, v := range strings.Split(l.values, " ") {
			if v == "" {
				continue
			}
			if _, seen := reversed[v]; !seen {
				order = append(order, v)
			}
			reversed[v] = append(reversed[v], l.key)
		}
	}
	for rest := text; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		after, ok := strings.CutPrefix(strings.TrimSuffix(line, "\r"), reversePreferPrefix)
		if !ok {
			continue
		}
		fields := strings.Fields(after)
		if len(fields) != 1 && len(fields) != 2 {
			return nil, fmt.Errorf("dictionary %s: invalid reverse preference %q", name, line)
		}
		key, preferred := fields[0], fields[len(fields)-1]
		keys := reversed[key]
		i := slices.Index(keys, preferred)
		if i < 0 {
			return nil, fmt.Errorf("dictionary %s: reverse preference %s -> %s has no matching mapping", name, key, preferred)
		}
		reversed[key] = append([]string{preferred}, slices.Delete(slices.Clone(keys), i, i+1)...)
	}
	d := &dictionary{name: name + "Rev", entries: make([]entry, 0, len(order))}
	for _, k := range order {
		d.entries = append(d.entries, entry{key: k, value: reversed[k][0]})
	}
	slices.SortFunc(d.entries, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	return d, nil
}

// extractTofuRisk derives "<name>Ext" the way OpenCC's
// data/scripts/extract_tofu_risk.py does: every mapping that follows a
// "# @tofu-risk:" comment is kept, without its first candidate when that
// candidate is the key itself (the base dictionary keeps the character
// unchanged; the extension dictionary carries the rare inferred form).
func extractTofuRisk(name, text string) (*dictionary, error) {
	lines := strings.Split(text, "\n")
	d := &dictionary{name: name + "Ext"}
	for i, line := range lines {
		if !strings.HasPrefix(line, tofuRiskPrefix) {
			continue
		}
		if i+1 >= len(lines) {
			return nil, fmt.Errorf("dictionary %s:%d: missing mapping after %s", name, i+1, tofuRiskPrefix)
		}
		mapping := strings.TrimSuffix(lines[i+1], "\r")
		if strings.TrimSpace(mapping) == "" || strings.HasPrefix(mapping, "#") {
			return nil, fmt.Errorf("dictionary %s:%d: expected a mapping after %s", name, i+1, tofuRiskPrefix)
		}
		key, values, ok := strings.Cut(mapping, "\t")
		if !ok {
			return nil, fmt.Errorf("dictionary %s:%d: want key<TAB>values, got %q", name, i+2, mapping)
		}
		candidates := strings.Fields(values)
		if len(candidates) > 0 && candidates[0] == key {
			candidates = candidates[1:]
		}
		if len(candidates) == 0 {
			return nil, fmt.Errorf("dictionary %s:%d: expected an extension mapping after %s", name, i+1, tofuRiskPrefix)
		}
		d.entries = append(d.entries, entry{key: key, value: candidates[0]})
	}
	return d, nil
}
