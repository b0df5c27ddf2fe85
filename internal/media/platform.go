package media

import "fmt"

// Platform names a publishing target whose image rules this package knows.
type Platform string

// The platforms Ferry publishes to.
const (
	Weibo       Platform = "weibo"
	Xiaohongshu Platform = "xiaohongshu"
	Facebook    Platform = "facebook"
	Instagram   Platform = "instagram"
	Telegram    Platform = "telegram"
)

// Platforms returns every platform RulesFor knows, in a stable order.
func Platforms() []Platform {
	return []Platform{Weibo, Xiaohongshu, Facebook, Instagram, Telegram}
}

// CountRule bounds how many images one post may carry.
type CountRule struct {
	// Min and Max bound the number of images. Min is 0 where a post may be
	// text only and 1 where the platform requires a picture.
	Min, Max int
	// GroupMin is the smallest count the platform publishes as a group
	// (Instagram carousel, Telegram album, Facebook multi-photo post) through
	// a different call than a single image; 0 when one call serves all counts.
	GroupMin int
}

// Check returns a CodeMediaCount error when n images break the rule.
func (c CountRule) Check(n int) error {
	if n < c.Min || n > c.Max {
		return newError(CodeMediaCount, fmt.Sprintf("%d images, accepted %d–%d", n, c.Min, c.Max), nil)
	}
	return nil
}

// Grouped reports whether n images are published as one group.
func (c CountRule) Grouped(n int) bool {
	return c.GroupMin > 0 && n >= c.GroupMin
}

// Rules are a platform's image rules: how to fit each image, and how many a
// post may carry.
type Rules struct {
	Spec  Spec
	Count CountRule
}

// RulesFor returns the image rules of p, from docs/PLATFORMS.md. Where a
// platform documents no limit, the value is Ferry's own choice and its
// comment says why. The bool is false for an unknown platform.
func RulesFor(p Platform) (Rules, bool) {
	switch p {
	case Weibo:
		return Rules{
			Spec: Spec{
				Name: string(p),
				// statuses/share takes one JPEG/GIF/PNG "< 5 MB"; the decimal
				// reading is the stricter one.
				MaxBytes: 5_000_000 - 1,
				// Not a Weibo limit: Weibo shows images at most about 2000 px
				// wide, so wider uploads only cost bytes. Long images keep
				// their height, as they are a common Weibo format.
				MaxWidth: 2048,
			},
			Count: CountRule{Min: 0, Max: 1},
		}, true
	case Xiaohongshu:
		return Rules{
			Spec: Spec{
				Name: string(p),
				// 3:4 at 1080×1440 is recommended; 1:1 and 4:3 are accepted
				// but a note's images should share the cover's shape, so
				// every image is fitted to the recommended one.
				Preferred: Size{Width: 1080, Height: 1440},
				// Not a documented limit (handoff goes through the app): a
				// 1080×1440 JPEG is usually under 1 MB, so this only stops
				// pathological noise from producing an unwieldy file.
				MaxBytes: 10 << 20,
			},
			Count: CountRule{Min: 1, Max: 18},
		}, true
	case Facebook:
		return Rules{
			Spec: Spec{
				Name: string(p),
				// PLATFORMS.md gives no limit. Facebook stores and shows
				// photos at most 2048 px on the long side and recommends
				// files under 4 MB; a 2048 px JPEG is well under that at
				// quality 90, and staying there avoids Facebook's own,
				// harsher re-compression of large uploads.
				MaxWidth:  2048,
				MaxHeight: 2048,
				MaxBytes:  4_000_000,
			},
			// The Graph API documents no maximum for attached_media. Every
			// photo is a separate unpublished upload that must all succeed
			// before the post, so Ferry caps at 10 like Instagram and
			// Telegram.
			Count: CountRule{Min: 0, Max: 10, GroupMin: 2},
		}, true
	case Instagram:
		return Rules{
			Spec: Spec{
				Name:      string(p),
				MinAspect: 0.8,
				MaxAspect: 1.91,
				MinWidth:  320,
				MaxWidth:  1440,
				MaxBytes:  8 << 20,
			},
			// A single image, or a carousel of 2–10; a post needs one.
			Count: CountRule{Min: 1, Max: 10, GroupMin: 2},
		}, true
	case Telegram:
		return Rules{
			Spec: Spec{
				Name:       string(p),
				MinAspect:  1.0 / 20,
				MaxAspect:  20,
				MaxSideSum: 10_000,
				// sendPhoto: "at most 10 MB"; decimal is the stricter reading.
				MaxBytes: 10_000_000,
				// Not a Bot API limit: Telegram keeps photos at most 2560 px
				// on the long side, so larger only costs upload time.
				MaxWidth:  2560,
				MaxHeight: 2560,
			},
			// sendPhoto for one, sendMediaGroup for 2–10; text alone is
			// sendMessage.
			Count: CountRule{Min: 0, Max: 10, GroupMin: 2},
		}, true
	}
	return Rules{}, false
}
