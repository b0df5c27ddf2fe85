// Package secret encrypts account credentials at rest with AES-256-GCM. The
// key comes from FERRY_SECRET_KEY (64 hex characters or 44 base64
// characters) or, when that is unset, from a key file that Ferry generates
// in the data directory with mode 0600.
//
// A Keyring holds the current key and, while a rotation runs, previous
// ones (FERRY_SECRET_KEY_PREVIOUS, or the key file's later lines): it seals
// with the current key and opens with any, so that `ferry secrets rotate`
// can re-encrypt everything without downtime.
package secret

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the size of an AES-256 key in bytes.
const KeySize = 32

// version prefixes every sealed value so keys or algorithms can be rotated.
const version byte = 1

// Box seals and opens values with one key.
type Box struct {
	aead cipher.AEAD
}

// New returns a box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext, binding associated data (e.g. the record's id)
// so the ciphertext cannot be moved to another record.
func (b *Box) Seal(plaintext, associated []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secret: nonce: %w", err)
	}
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, plaintext, associated), nil
}

// ErrCorrupt is returned for ciphertext that does not open with this key.
var ErrCorrupt = errors.New("secret: ciphertext does not open with this key")

// Open decrypts what Seal produced.
func (b *Box) Open(sealed, associated []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < 1+ns+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrCorrupt
	}
	plain, err := b.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], associated)
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// Keyring seals with its current key and opens what any of its keys
// sealed.
type Keyring struct {
	keys  [][]byte
	boxes []*Box
}

// NewKeyring returns a keyring whose current key is current; previous keys
// only open. A previous key equal to the current one is left out.
func NewKeyring(current []byte, previous ...[]byte) (*Keyring, error) {
	k := &Keyring{}
	for i, key := range append([][]byte{current}, previous...) {
		if i > 0 && bytes.Equal(key, current) {
			continue
		}
		b, err := New(key)
		if err != nil {
			return nil, err
		}
		k.keys, k.boxes = append(k.keys, key), append(k.boxes, b)
	}
	return k, nil
}

// Keys returns the keys, current first (for keys derived from them).
func (k *Keyring) Keys() [][]byte { return k.keys }

// Seal encrypts with the current key.
func (k *Keyring) Seal(plaintext, associated []byte) ([]byte, error) {
	return k.boxes[0].Seal(plaintext, associated)
}

// Open decrypts what any of the keys sealed.
func (k *Keyring) Open(sealed, associated []byte) ([]byte, error) {
	for _, b := range k.boxes {
		if plain, err := b.Open(sealed, associated); err == nil {
			return plain, nil
		}
	}
	return nil, ErrCorrupt
}

// Current reports whether sealed opens with the current key.
func (k *Keyring) Current(sealed, associated []byte) bool {
	_, err := k.boxes[0].Open(sealed, associated)
	return err == nil
}

// ParseKeys decodes a list of keys separated by commas, spaces or line
// breaks (FERRY_SECRET_KEY_PREVIOUS); empty gives none.
func ParseKeys(s string) ([][]byte, error) {
	var out [][]byte
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		k, err := ParseKey(f)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// ParseKey decodes a key given as 64 hex characters or standard base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	return nil, errors.New("secret: FERRY_SECRET_KEY must be 32 bytes, as 64 hex characters or base64")
}

// LoadOrCreateKeyFile reads the keys at path, creating a file with one
// random key and mode 0600 if it does not exist. The first line is the
// current key; any later lines are previous keys, kept while a rotation
// runs. An existing file readable by others is refused.
func LoadOrCreateKeyFile(path string) ([][]byte, error) {
	if fi, err := os.Stat(path); err == nil {
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("secret: %s is readable by other users (mode %v); run chmod 600 on it", path, fi.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		keys, err := ParseKeys(string(b))
		if err != nil {
			return nil, fmt.Errorf("%w (in %s)", err, path)
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("secret: %s holds no key", path)
		}
		return keys, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("secret: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another process created it first; use theirs.
		return LoadOrCreateKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return [][]byte{key}, f.Sync()
}
