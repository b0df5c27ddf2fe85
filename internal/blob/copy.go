package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// CopyResult counts what Copy did.
type CopyResult struct {
	Copied  int // written to the destination and read back intact
	Present int // already in the destination, intact
	// Missing lists hashes the source does not hold.
	Missing []string
}

// Copy copies the files with the given hashes from one store to another.
// It can be stopped and run again: a file already in the destination is
// read and checked, and copied again only if it is damaged. Every file is
// checked against its hash when read from the source and read back from
// the destination after writing.
func Copy(ctx context.Context, from, to Store, sums []string, progress func(done, total int)) (CopyResult, error) {
	var res CopyResult
	for i, sum := range sums {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if intact(to, sum) == nil {
			res.Present++
		} else {
			data, err := readIntact(from, sum)
			if errors.Is(err, ErrNotFound) {
				res.Missing = append(res.Missing, sum)
				continue
			}
			if err != nil {
				return res, err
			}
			if _, err := to.Put(data); err != nil {
				return res, err
			}
			if err := intact(to, sum); err != nil {
				// Put keeps an existing object: a damaged one is not
				// replaced by writing over it.
				return res, fmt.Errorf("blob: %s is damaged in the destination after copying: %w", sum, err)
			}
			res.Copied++
		}
		if progress != nil {
			progress(i+1, len(sums))
		}
	}
	return res, nil
}

func readIntact(s Store, sum string) ([]byte, error) {
	rc, err := s.Open(sum)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("blob: read %s: %w", sum, err)
	}
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
		return nil, fmt.Errorf("blob: %s is damaged in the source (its content does not match its hash)", sum)
	}
	return data, nil
}

// intact reports nil when s holds sum with the right content.
func intact(s Store, sum string) error {
	_, err := readIntact(s, sum)
	return err
}
