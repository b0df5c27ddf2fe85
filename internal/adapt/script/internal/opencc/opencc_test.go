package opencc

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ferry-social/ferry/internal/refdata"
	"github.com/stretchr/testify/require"
)

// dataSet builds an OpenCC data set from configuration JSON and dictionary
// texts, keyed by name without extension.
func dataSet(configs, dicts map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, c := range configs {
		fsys["config/"+name+".json"] = &fstest.MapFile{Data: []byte(c)}
	}
	for name, d := range dicts {
		fsys["dictionary/"+name+".txt"] = &fstest.MapFile{Data: []byte(d)}
	}
	return fsys
}

func convert(t *testing.T, lib *Library, name, in string) string {
	t.Helper()
	c, ok := lib.Converter(name, Options{})
	require.True(t, ok, "converter %s", name)
	return c.Convert(in)
}

func TestConvert_MatchPolicies(t *testing.T) {
	t.Parallel()

	// A has the short key "ab", B the longer "abc".
	dicts := map[string]string{
		"A": "ab\tX\n",
		"B": "abc\tY\nb\tZ\n",
	}
	lib, err := Load(dataSet(map[string]string{
		"short": `{"conversion_chain":[{"dict":{"type":"group","dicts":[
			{"type":"ocd2","file":"A.ocd2"},{"type":"ocd2","file":"B.ocd2"}]}}]}`,
		"explicit": `{"conversion_chain":[{"dict":{"type":"group","match_policy":"short_circuit","dicts":[
			{"type":"ocd2","file":"A.ocd2"},{"type":"ocd2","file":"B.ocd2"}]}}]}`,
		"union": `{"conversion_chain":[{"dict":{"type":"group","match_policy":"union","dicts":[
			{"type":"ocd2","file":"A.ocd2"},{"type":"ocd2","file":"B.ocd2"}]}}]}`,
	}, dicts))
	require.NoError(t, err)

	t.Run("ShortCircuitTakesFirstDictionaryWithAMatch", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, "Xc", convert(t, lib, "short", "abc"))
		require.Equal(t, "Xc", convert(t, lib, "explicit", "abc"))
		require.Equal(t, "Z", convert(t, lib, "short", "b"))
	})
	t.Run("UnionTakesLongestMatch", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, "Y", convert(t, lib, "union", "abc"))
		require.Equal(t, "X", convert(t, lib, "union", "ab"))
	})
}

func TestConvert_UnionTieGoesToEarlierDictionary(t *testing.T) {
	t.Parallel()

	lib, err := Load(dataSet(map[string]string{
		"u": `{"conversion_chain":[{"dict":{"type":"group","match_policy":"union","dicts":[
			{"type":"text","file":"A.txt"},{"type":"text","file":"B.txt"}]}}]}`,
	}, map[string]string{"A": "ab\tfirst\n", "B": "ab\tsecond\n"}))
	require.NoError(t, err)
	require.Equal(t, "first", convert(t, lib, "u", "ab"))
}

func TestConvert_SegmentsBoundConversions(t *testing.T) {
	t.Parallel()

	// The segmentation dictionary cuts "abc" into "ab" + "c", so the
	// conversion's key "bc" never sees its characters together; characters
	// between segmentation matches form one segment ("xy"), so "xy" matches.
	lib, err := Load(dataSet(map[string]string{
		"seg": `{"segmentation":{"type":"mmseg","dict":{"type":"ocd2","file":"Seg.ocd2"}},
			"conversion_chain":[{"dict":{"type":"ocd2","file":"Conv.ocd2"}}]}`,
		"noseg": `{"conversion_chain":[{"dict":{"type":"ocd2","file":"Conv.ocd2"}}]}`,
	}, map[string]string{
		"Seg":  "ab\tab\n",
		"Conv": "bc\tBC\nxy\tXY\n",
	}))
	require.NoError(t, err)
	require.Equal(t, "abc XY", convert(t, lib, "seg", "abc xy"))
	require.Equal(t, "aBC XY", convert(t, lib, "noseg", "abc xy"))
}

func TestConvert_ChainReadsPreviousOutput(t *testing.T) {
	t.Parallel()

	lib, err := Load(dataSet(map[string]string{
		"chain": `{"normalization":[{"dict":{"type":"ocd2","file":"Norm.ocd2"}}],
			"conversion_chain":[{"dict":{"type":"ocd2","file":"One.ocd2"}},{"dict":{"type":"ocd2","file":"Two.ocd2"}},
			{"dict":{"type":"ocd2","file":"Three.ocd2"}}]}`,
	}, map[string]string{
		"Norm":  "\uF900\t\u8C48\n",
		"One":   "\u8C48\tb\n",
		"Two":   "b\tc\n",
		"Three": "c\td\n",
	}))
	require.NoError(t, err)
	// U+F900 is normalized to U+8C48 before the chain sees it.
	require.Equal(t, "d d", convert(t, lib, "chain", "\uF900 \u8C48"))
}

func TestConvert_TofuRiskDictionariesAreOptional(t *testing.T) {
	t.Parallel()

	lib, err := Load(dataSet(map[string]string{
		"t2s": `{"conversion_chain":[{"dict":{"type":"group","dicts":[
			{"type":"ocd2","file":"TSCharactersExt.ocd2","may_output_tofu":true},
			{"type":"ocd2","file":"TSCharacters.ocd2"}]}}]}`,
	}, map[string]string{
		"TSCharacters": "# @tofu-risk: rare\n殢\t殢 𣨼\n團\t团\n",
	}))
	require.NoError(t, err)

	plain, ok := lib.Converter("t2s", Options{})
	require.True(t, ok)
	require.Equal(t, "殢团", plain.Convert("殢團"))

	tofu, ok := lib.Converter("t2s", Options{IncludeTofuRisk: true})
	require.True(t, ok)
	require.Equal(t, "𣨼团", tofu.Convert("殢團"))
}

func TestConvert_InvalidUTF8IsCopiedAndNeverMatches(t *testing.T) {
	t.Parallel()

	lib, err := Load(dataSet(map[string]string{
		"c": `{"conversion_chain":[{"dict":{"type":"ocd2","file":"D.ocd2"}}]}`,
	}, map[string]string{"D": "\uFFFD\tX\n发\t發\n"}))
	require.NoError(t, err)
	require.Equal(t, "發\xff\xe5發", convert(t, lib, "c", "发\xff\xe5发"))
}

func TestReverseDictionary(t *testing.T) {
	t.Parallel()

	// As OpenCC's reverse.py: candidates become keys listing the original
	// keys in file order; @reverse-prefer moves one to the front.
	d, err := reverseDictionary("V", strings.Join([]string{
		"才\t才",
		"# @reverse-prefer: 么 幺",
		"幺\t么",
		"麼\t麼 么",
		"纔\t才 纔",
		"",
	}, "\n"))
	require.NoError(t, err)
	require.Equal(t, "VRev", d.name)
	require.Equal(t, []entry{{"么", "幺"}, {"才", "才"}, {"纔", "纔"}, {"麼", "麼"}}, d.entries)

	_, err = reverseDictionary("V", "# @reverse-prefer: 么 x\n幺\t么\n")
	require.ErrorContains(t, err, "no matching mapping")
}

func TestExtractTofuRisk(t *testing.T) {
	t.Parallel()

	d, err := extractTofuRisk("TS", "# @tofu-risk: rare\n㑮\t㑮 𫝈\n㑯\t㑔\n# @tofu-risk: rare\n殢\t𣨼\n")
	require.NoError(t, err)
	require.Equal(t, []entry{{"㑮", "𫝈"}, {"殢", "𣨼"}}, d.entries)

	_, err = extractTofuRisk("TS", "# @tofu-risk: rare\n㑮\t㑮\n")
	require.ErrorContains(t, err, "expected an extension mapping")
}

func TestRegionalBridge(t *testing.T) {
	t.Parallel()

	t2s := `{"conversion_chain":[{"dict":{"type":"group","dicts":[
		{"type":"ocd2","file":"TSPhrases.ocd2"},{"type":"ocd2","file":"TSCharacters.ocd2"}]}}]}`
	s2twp := `{"segmentation":{"type":"mmseg","dict":{"type":"group","match_policy":"union","dicts":[
			{"type":"ocd2","file":"STPhrases.ocd2"},{"type":"ocd2","file":"STPhrases_GeneratedFromRegionalPhrases.ocd2"}]}},
		"conversion_chain":[
			{"dict":{"type":"group","dicts":[{"type":"group","match_policy":"union","dicts":[
				{"type":"ocd2","file":"STPhrases.ocd2"},{"type":"ocd2","file":"STPhrases_GeneratedFromRegionalPhrases.ocd2"}]},
				{"type":"ocd2","file":"STCharacters.ocd2"}]}},
			{"dict":{"type":"ocd2","file":"TWPhrases.ocd2"}}]}`
	dicts := map[string]string{
		"TSPhrases":    "",
		"TSCharacters": "軟\t软\n體\t体\n資\t资\n訊\t讯\n",
		"STPhrases":    "",
		"STCharacters": "软\t軟\n件\t件\n体\t體\n",
		"HKPhrases":    "",
		// 軟件工程 projects to 软件工程 (four characters) and is kept; 資訊
		// projects to two characters and is dropped.
		"TWPhrases": "軟件工程\t軟體工程\n資訊\t資訊\n",
	}
	lib, err := Load(dataSet(map[string]string{"t2s": t2s, "s2twp": s2twp}, dicts))
	require.NoError(t, err)
	require.Equal(t, "軟體工程", convert(t, lib, "s2twp", "软件工程"))

	t.Run("ConflictingProjectionsFail", func(t *testing.T) {
		t.Parallel()
		conflict := map[string]string{}
		for k, v := range dicts {
			conflict[k] = v
		}
		// 輭 and 軟 both simplify to 软.
		conflict["TSCharacters"] += "輭\t软\n"
		conflict["HKPhrases"] = "輭件工程\t輭件工程\n"
		_, err := Load(dataSet(map[string]string{"t2s": t2s, "s2twp": s2twp}, conflict))
		require.ErrorContains(t, err, "projects both")
	})
	t.Run("DerivationCannotDependOnItself", func(t *testing.T) {
		t.Parallel()
		_, err := Load(dataSet(map[string]string{"t2s": s2twp, "s2twp": s2twp}, dicts))
		require.ErrorContains(t, err, "depends on itself")
	})
}

func TestLoad_Errors(t *testing.T) {
	t.Parallel()

	for name, tc := range map[string]struct {
		config, dict, want string
	}{
		"UnknownPolicy": {
			`{"conversion_chain":[{"dict":{"type":"group","match_policy":"best","dicts":[{"type":"text","file":"D.txt"}]}}]}`,
			"a\tb\n", "unknown match_policy",
		},
		"UnknownSegmentation": {
			`{"segmentation":{"type":"jieba"},"conversion_chain":[{"dict":{"type":"text","file":"D.txt"}}]}`,
			"a\tb\n", "unsupported segmentation",
		},
		"MissingDictionary": {
			`{"conversion_chain":[{"dict":{"type":"text","file":"Nope.txt"}}]}`,
			"a\tb\n", "Nope",
		},
		"LineWithoutTab": {
			`{"conversion_chain":[{"dict":{"type":"text","file":"D.txt"}}]}`,
			"a b\n", "want key<TAB>values",
		},
		"EmptyChain": {`{"conversion_chain":[]}`, "a\tb\n", "empty conversion_chain"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(dataSet(map[string]string{"c": tc.config}, map[string]string{"D": tc.dict}))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestConvert_WideNodes(t *testing.T) {
	t.Parallel()

	// "a" has more children than a linear scan covers, so its edges live in
	// the hash table; the root has children outside the BMP.
	var dict strings.Builder
	for r := 'A'; r <= 'Z'; r++ {
		dict.WriteString("a" + string(r) + "\t" + string(r) + "\n")
	}
	dict.WriteString("𠀀\tX\n𠀁\tY\n")
	lib, err := Load(dataSet(map[string]string{
		"c": `{"conversion_chain":[{"dict":{"type":"text","file":"D.txt"}}]}`,
	}, map[string]string{"D": dict.String()}))
	require.NoError(t, err)
	require.Equal(t, "QZa1XY", convert(t, lib, "c", "aQaZa1𠀀𠀁"))
}

// TestConvert_SegmentationShortcutIsExact checks, on the shipped data, that
// reusing the segmentation match as the first conversion of a segment gives
// what running the conversion gives.
func TestConvert_SegmentationShortcutIsExact(t *testing.T) {
	t.Parallel()

	lib, err := Load(os.DirFS(filepath.Join("..", "..", "dict")))
	require.NoError(t, err)
	input := refdata.Read(t, "opencc", "golden", "us_constitution_zhs.txt")

	shortcuts := 0
	for _, name := range lib.Names() {
		c, _ := lib.Converter(name, Options{})
		plain := &Converter{name: name, stages: slices.Clone(c.stages)}
		for i := range plain.stages {
			if plain.stages[i].segmentationConverts {
				plain.stages[i].segmentationConverts = false
				shortcuts++
			}
		}
		require.Equal(t, plain.Convert(string(input)), c.Convert(string(input)), name)
	}
	require.Positive(t, shortcuts)
}
