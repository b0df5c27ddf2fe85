package metrics

import "time"

// Checkpoint is a moment after publication at which a post's counts are
// read.
type Checkpoint struct {
	Name  string
	After time.Duration
}

// Checkpoints are when a post is read, in order: engagement comes fast and
// then slows, so the readings thin out.
var Checkpoints = []Checkpoint{
	{"1h", time.Hour},
	{"6h", 6 * time.Hour},
	{"24h", 24 * time.Hour},
	{"3d", 3 * 24 * time.Hour},
	{"7d", 7 * 24 * time.Hour},
	{"30d", 30 * 24 * time.Hour},
}

// ReadPostsFor is how long after publication the collector keeps trying to
// read a post whose last checkpoint it missed; after that the post is left
// alone.
const ReadPostsFor = 37 * 24 * time.Hour

// CheckpointOf names the checkpoint a reading taken at at belongs to: the
// latest checkpoint at or before it ("" for a reading within the first
// hour). The collector takes a reading only when a checkpoint is due and
// not yet recorded, so its readings are named after the checkpoint they
// were taken for; a reading entered by hand is named after the checkpoint
// it stands in for.
func CheckpointOf(published, at time.Time) string {
	name := ""
	for _, c := range Checkpoints {
		if !at.Before(published.Add(c.After)) {
			name = c.Name
		}
	}
	return name
}

// DueCheckpoint returns the checkpoint a post should be read for now, if
// any: the latest checkpoint that has passed, unless a reading was already
// taken at or after it (last, the time of the latest reading; nil if none).
// A collector that ran late therefore takes one reading for the latest
// checkpoint, not one for each it missed.
func DueCheckpoint(published time.Time, last *time.Time, now time.Time) (Checkpoint, bool) {
	var due Checkpoint
	found := false
	for _, c := range Checkpoints {
		if !now.Before(published.Add(c.After)) {
			due, found = c, true
		}
	}
	if !found || now.Sub(published) > ReadPostsFor {
		return Checkpoint{}, false
	}
	if last != nil && !last.Before(published.Add(due.After)) {
		return Checkpoint{}, false
	}
	return due, true
}
