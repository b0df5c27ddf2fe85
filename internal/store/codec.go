package store

import (
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ferry-social/ferry"
)

// NewID returns a new id: prefix, underscore, and 26 characters whose order
// follows creation time (48 bits of milliseconds, 80 random bits).
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	return prefix + "_" + strings.ToLower(idEncoding.EncodeToString(b[:]))
}

var idEncoding = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// ms stores a time as Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// msPtr stores an optional time.
func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("store: marshal %T: %v", v, err)) // only our own types reach here
	}
	return string(b)
}

func fromJSON[T any](s string) (T, error) {
	var v T
	if s == "" {
		return v, nil
	}
	err := json.Unmarshal([]byte(s), &v)
	return v, err
}

// notFound converts sql.ErrNoRows into a coded error.
func notFound(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ferry.Errorf(ferry.ENOTFOUND, "%s %q was not found.", what, id)
	}
	return fmt.Errorf("store: %s %s: %w", what, id, err)
}

// isUniqueViolation reports whether err is a unique-constraint failure.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}
