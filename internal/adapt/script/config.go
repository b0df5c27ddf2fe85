package script

// Script is the Chinese script a text is written in, or the one an audience
// reads.
type Script string

// The scripts Ferry converts between.
const (
	// Simplified is Simplified Chinese with mainland vocabulary.
	Simplified Script = "s"
	// HongKong is Traditional Chinese with Hong Kong variants and vocabulary.
	HongKong Script = "hk"
	// Taiwan is Traditional Chinese with Taiwan variants and vocabulary.
	Taiwan Script = "tw"
	// Traditional is OpenCC's standard Traditional Chinese, which follows
	// neither region's variant characters.
	Traditional Script = "t"
	// Source is an audience setting only: publish the text in the script it
	// was written in.
	Source Script = "source"
)

// Config names a conversion. Except for None and the two composites
// (HK2TW, TW2HK), a Config is the OpenCC configuration of the same name,
// applied exactly as its JSON file in dict/config describes.
type Config string

// The supported conversions.
const (
	// None converts nothing.
	None Config = "none"

	S2T   Config = "s2t"   // Simplified → Traditional (OpenCC standard)
	T2S   Config = "t2s"   // Traditional (OpenCC standard) → Simplified
	S2HK  Config = "s2hk"  // Simplified → Hong Kong variants
	HK2S  Config = "hk2s"  // Hong Kong variants → Simplified
	S2HKP Config = "s2hkp" // Simplified → Hong Kong variants and phrases
	HK2SP Config = "hk2sp" // Hong Kong variants and phrases → Simplified, mainland phrases
	S2TW  Config = "s2tw"  // Simplified → Taiwan variants
	TW2S  Config = "tw2s"  // Taiwan variants → Simplified
	S2TWP Config = "s2twp" // Simplified → Taiwan variants and phrases
	TW2SP Config = "tw2sp" // Taiwan variants and phrases → Simplified, mainland phrases
	T2HK  Config = "t2hk"  // Traditional (OpenCC standard) → Hong Kong variants
	HK2T  Config = "hk2t"  // Hong Kong variants → Traditional (OpenCC standard)
	T2TW  Config = "t2tw"  // Traditional (OpenCC standard) → Taiwan variants
	TW2T  Config = "tw2t"  // Taiwan variants → Traditional (OpenCC standard)

	// HK2TW runs hk2t then t2tw: OpenCC has no direct configuration, and
	// going through standard Traditional converts the variant characters
	// (regional vocabulary is left as written).
	HK2TW Config = "hk2tw"
	// TW2HK runs tw2t then t2hk, like HK2TW in the other direction.
	TW2HK Config = "tw2hk"
)

// spec is how a Config converts: the OpenCC configurations to run in order,
// and the script the result is in.
type spec struct {
	chain  []string
	target Script
}

var specs = map[Config]spec{
	S2T:   {[]string{"s2t"}, Traditional},
	T2S:   {[]string{"t2s"}, Simplified},
	S2HK:  {[]string{"s2hk"}, HongKong},
	HK2S:  {[]string{"hk2s"}, Simplified},
	S2HKP: {[]string{"s2hkp"}, HongKong},
	HK2SP: {[]string{"hk2sp"}, Simplified},
	S2TW:  {[]string{"s2tw"}, Taiwan},
	TW2S:  {[]string{"tw2s"}, Simplified},
	S2TWP: {[]string{"s2twp"}, Taiwan},
	TW2SP: {[]string{"tw2sp"}, Simplified},
	T2HK:  {[]string{"t2hk"}, HongKong},
	HK2T:  {[]string{"hk2t"}, Traditional},
	T2TW:  {[]string{"t2tw"}, Taiwan},
	TW2T:  {[]string{"tw2t"}, Traditional},
	HK2TW: {[]string{"hk2t", "t2tw"}, Taiwan},
	TW2HK: {[]string{"tw2t", "t2hk"}, HongKong},
}

// Target returns the script a Config produces, or "" for None and unknown
// configurations.
func (c Config) Target() Script {
	return specs[c].target
}

// audience maps (source script, audience script) to the conversion a reader
// of the audience script expects. Where OpenCC offers a variant with regional
// vocabulary ("p"), it is chosen: a Taiwanese reader expects 軟體 and 資訊,
// not 軟件 and 信息, and a Hong Kong reader expects Hong Kong transliterations
// of names; converting to and from standard Traditional uses the variant-only
// configurations because standard Traditional has no vocabulary of its own.
var audience = map[[2]Script]Config{
	{Simplified, Traditional}: S2T,
	{Simplified, HongKong}:    S2HKP,
	{Simplified, Taiwan}:      S2TWP,
	{Traditional, Simplified}: T2S,
	{Traditional, HongKong}:   T2HK,
	{Traditional, Taiwan}:     T2TW,
	{HongKong, Simplified}:    HK2SP,
	{HongKong, Traditional}:   HK2T,
	{HongKong, Taiwan}:        HK2TW,
	{Taiwan, Simplified}:      TW2SP,
	{Taiwan, Traditional}:     TW2T,
	{Taiwan, HongKong}:        TW2HK,
}

// ConfigFor returns the conversion for text written in script from and read
// by an audience of script to. It returns None when the text is to be
// published as written (to is Source or equals from), and false when either
// script is unknown; from cannot be Source, which only describes audiences.
func ConfigFor(from, to Script) (Config, bool) {
	if !from.known() || to != Source && !to.known() {
		return "", false
	}
	if to == Source || to == from {
		return None, true
	}
	return audience[[2]Script{from, to}], true
}

// known reports whether s is a concrete script (not Source).
func (s Script) known() bool {
	switch s {
	case Simplified, HongKong, Taiwan, Traditional:
		return true
	}
	return false
}
