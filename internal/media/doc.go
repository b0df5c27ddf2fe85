// Package media inspects uploaded images and fits them to what each
// publishing platform accepts.
//
// Inspect identifies an image from its content (never its file name),
// enforces byte and pixel limits before any pixel is decoded, and reports
// the upright dimensions. Fit is a pure function from original bytes to a
// platform-ready JPEG: it honours EXIF orientation, crops around a focal point
// to the nearest allowed aspect ratio, resizes with a Catmull-Rom filter,
// flattens transparency onto white and steps JPEG quality down until the
// result fits the platform's byte limit. Platform limits live here as data
// (RulesFor) so that adapters and validators share one source of truth.
//
// The package is pure Go and keeps no state; everything it returns is newly
// allocated and the caller's bytes are never modified.
package media
