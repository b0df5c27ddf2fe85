// Package script converts Chinese text between Simplified and Traditional
// scripts, with the regional variants and vocabulary of Hong Kong and Taiwan,
// exactly as OpenCC (Open Chinese Convert) defines the conversions, and
// applies a workspace glossary on top.
//
// # Usage
//
//	conv := script.NewConverter() // once per process; safe for concurrent use
//	cfg, ok := script.ConfigFor(script.Simplified, script.Taiwan) // S2TWP
//	out, err := conv.Convert(cfg, "鼠标和软件") // 滑鼠和軟體
//
//	g, err := script.NewGlossary([]string{"发哥"}, []script.Phrase{
//		{From: "渡船", To: "Ferry"},
//		{From: "软件", To: "軟件", Scripts: []script.Script{script.HongKong}},
//	})
//	out, err = conv.ConvertWith(cfg, text, g)
//
// # Implementation choice
//
// The package runs its own implementation of OpenCC's algorithm
// (internal/opencc) over OpenCC's current data, embedded from dict/: the
// configuration files of OpenCC master 5249273 and the text dictionaries they
// name. The configurations are interpreted, not transcribed: normalization
// pre-pass (CJK compatibility ideographs), maximum forward matching
// segmentation, the conversion chain applied segment by segment, dictionary
// groups with OpenCC's "short_circuit" and "union" match policies, and
// dictionaries marked "may_output_tofu". The dictionaries OpenCC's build
// derives (HKVariantsRev and TWVariantsRev by reverse.py with its
// @reverse-prefer rules, TSCharactersExt by extract_tofu_risk.py, and
// STPhrases_GeneratedFromRegionalPhrases by projecting the HK and TW phrase
// keys through t2s) are derived from the shipped source files at load time,
// by the same rules, so no generated file can fall out of date.
//
// The alternative, github.com/longbridgeapp/opencc v0.3.13, embeds the
// dictionaries of OpenCC 1.1.x and predates union groups, normalization and
// the regional bridge dictionary. Measured on this package's reference tests
// (see reference_test.go and docs/benchmarks.md):
//
//   - Correctness: all 535 cases of OpenCC master's test suite for the 14
//     configurations shipped pass in OpenCC's test mode (tofu-risk
//     dictionaries included), 532 in the product mode described below, as do
//     all cases of the 1.4.1, 1.2.0 and 1.1.9 suites and the five
//     whole-document goldens, byte for byte; longbridge passes 234 of the
//     543 master cases (shared/docs/ENGINE-NOTES.md). Run over the
//     dictionaries of the C++ OpenCC 1.1.6 package, the engine's output is
//     identical to the C++ tool's on every line of a 6–7 MB corpus for the
//     12 configurations 1.1.6 has, save one line that the C++ tool cuts
//     where it reads its input in chunks.
//   - Speed: 6–21× the throughput of the C++ command line tool per CPU
//     second on the same corpus in the same run, where longbridge only
//     matches it.
//   - Memory: about 7 MiB of live heap for the dictionaries of all
//     configurations (one shared trie), against the ~52 MiB measured for
//     longbridge, and a load of about 0.05 s of CPU.
//   - No dependency, and current dictionaries that can be refreshed by
//     copying OpenCC's data directory.
//
// # Product choices
//
// Dictionaries marked "may_output_tofu" (TSCharactersExt: rare inferred
// Simplified forms such as 𣨼 that common fonts cannot render) are left out,
// as OpenCC's command line tool leaves them out by default: a post must be
// readable on a phone. Where OpenCC offers a configuration with regional
// vocabulary, ConfigFor picks it (S2TWP, TW2SP, S2HKP, HK2SP). Hong Kong and
// Taiwan text are converted into each other through OpenCC standard
// Traditional (HK2TW, TW2HK).
package script
