package opencc

import (
	"cmp"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode/utf8"
)

// The derived dictionaries of OpenCC's build (data/CMakeLists.txt,
// data/dictionary/BUILD.bazel, data/scripts/).
const (
	// reversedSuffix names a dictionary made by reverse.py from the one
	// without the suffix (HKVariantsRev from HKVariants).
	reversedSuffix = "Rev"
	// extensionSuffix names the table extract_tofu_risk.py makes from the
	// @tofu-risk mappings of the dictionary without the suffix
	// (TSCharactersExt from TSCharacters).
	extensionSuffix = "Ext"
	// regionalBridge is made by generate_st_phrases_from_regional_phrases.py:
	// the keys of the regional phrase tables, projected to Simplified with
	// t2s, map back to themselves, so that Simplified input is segmented and
	// converted to the spans the regional tables expect.
	regionalBridge = "STPhrases_GeneratedFromRegionalPhrases"
	// regionalBridgeConfig is the configuration the projection runs, with
	// tofu-risk dictionaries included, as the build does.
	regionalBridgeConfig = "t2s"
	// regionalBridgeMinRunes drops projections shorter than three characters:
	// short regional keys would split longer Simplified words during
	// segmentation.
	regionalBridgeMinRunes = 3
)

// regionalPhraseTables are the inputs of the regional bridge, in build order.
var regionalPhraseTables = []string{"HKPhrases", "TWPhrases"}

// derive builds a dictionary that OpenCC's build generates.
func (ld *loader) derive(stem string) (*dictionary, error) {
	if slices.Contains(ld.deriving, stem) {
		return nil, fmt.Errorf("dictionary %s: derivation depends on itself", stem)
	}
	if stem == regionalBridge {
		return ld.regionalBridge()
	}
	for _, recipe := range []struct {
		suffix string
		derive func(name, text string) (*dictionary, error)
	}{
		{reversedSuffix, reverseDictionary},
		{extensionSuffix, extractTofuRisk},
	} {
		base, ok := strings.CutSuffix(stem, recipe.suffix)
		if !ok || base == "" {
			continue
		}
		text, err := ld.text(base)
		if err != nil {
			return nil, fmt.Errorf("dictionary %s: deriving from %s: %w", stem, base, err)
		}
		return recipe.derive(base, text)
	}
	return nil, fmt.Errorf("dictionary %s: %w", stem, fs.ErrNotExist)
}

// regionalBridge reproduces generate_st_phrases_from_regional_phrases.py: the
// key of every regional phrase is converted with t2s; a projection of at
// least three characters maps to the original key, and two different keys
// projecting to the same Simplified text are an error, as they fail OpenCC's
// build.
func (ld *loader) regionalBridge() (*dictionary, error) {
	sub, err := load(ld.fsys, []string{regionalBridgeConfig}, append(slices.Clone(ld.deriving), regionalBridge))
	if err != nil {
		return nil, fmt.Errorf("dictionary %s: %w", regionalBridge, err)
	}
	t2s, _ := sub.Converter(regionalBridgeConfig, Options{IncludeTofuRisk: true})
	origin := map[string]string{}
	d := &dictionary{name: regionalBridge}
	for _, table := range regionalPhraseTables {
		text, err := ld.text(table)
		if err != nil {
			return nil, fmt.Errorf("dictionary %s: %w", regionalBridge, err)
		}
		lines, err := scanDictionary(table, text)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			projected := t2s.Convert(l.key)
			if utf8.RuneCountInString(projected) < regionalBridgeMinRunes {
				continue
			}
			if prev, seen := origin[projected]; seen {
				if prev != l.key {
					return nil, fmt.Errorf("dictionary %s: %s projects both %s and %s", regionalBridge, projected, prev, l.key)
				}
				continue
			}
			origin[projected] = l.key
			d.entries = append(d.entries, entry{key: projected, value: l.key})
		}
	}
	slices.SortFunc(d.entries, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	return d, nil
}
