package ferry

import "time"

// Severity says whether a problem blocks scheduling.
type Severity string

// Problem severities: errors block scheduling, warnings do not.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is one thing wrong with, or worth knowing about, a variant: a
// stable machine-readable code, the same sentence in English and in
// Chinese, the field it concerns ("text", "title", "hashtags", "media"),
// and where in that field it is, as rune offsets [start, end) (nil when it
// concerns the field as a whole).
type Problem struct {
	Code      string   `json:"code"`
	Severity  Severity `json:"severity"`
	Message   string   `json:"message"`
	MessageZH string   `json:"message_zh"`
	Field     string   `json:"field"`
	Span      *[2]int  `json:"span"`
}

// HasErrors reports whether any of the problems blocks scheduling.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Focal is the point of an image that crops keep in view, in normalised
// coordinates of the upright image: (0,0) top left, (1,1) bottom right.
type Focal struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// TextLength is a text's length as a platform counts it, beside the
// platform's limit; Unit says what is counted ("weibo_char", "utf16",
// "char").
type TextLength struct {
	Used  int    `json:"used"`
	Limit int    `json:"limit"`
	Unit  string `json:"unit"`
}

// VariantMedia is one image of a variant: the original it comes from and
// the copy fitted to the platform that is actually sent.
type VariantMedia struct {
	// SourceID is the original upload.
	SourceID string `json:"source_id"`
	// MediaID is the fitted copy that is sent; empty until it is made
	// (previews do not fit images).
	MediaID string `json:"media_id,omitempty"`
	// Spec names the platform rules the copy is fitted to.
	Spec   string `json:"spec"`
	Focal  *Focal `json:"focal"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// TextEdit is one step of a difference between two texts: "equal",
// "delete" or "insert", and the text concerned.
type TextEdit struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// VariantDiff is how the generated variant changed since a person edited
// it: what their edit was based on, step by step into what the story now
// generates. Fields that did not change are nil.
type VariantDiff struct {
	Title []TextEdit `json:"title,omitempty"`
	Text  []TextEdit `json:"text,omitempty"`
}

// DefaultSourceScript is the script a story is written in unless it says:
// Traditional Chinese as written in Hong Kong.
const DefaultSourceScript = "hk"

// SensitiveTerm is a word or phrase a workspace wants flagged before
// anything goes out: an error blocks scheduling, a warning informs, and
// the suggestion (optional) proposes other wording.
type SensitiveTerm struct {
	Term       string    `json:"term"`
	Severity   Severity  `json:"severity"`
	Suggestion string    `json:"suggestion"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}
