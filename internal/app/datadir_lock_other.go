//go:build !unix

package app

// dirLock is not available on this system: jobs left running by a dead
// process wait for River's rescue (FERRY_RESCUE_AFTER).
type dirLock struct{}

func lockDataDir(string) (*dirLock, error) { return nil, nil }

func (l *dirLock) release() error { return nil }
