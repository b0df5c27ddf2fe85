package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

// corpusLines collects the Chinese lines of the gettext catalogs installed
// for the given locales (e.g. /usr/share/locale/zh_CN/LC_MESSAGES/*.mo):
// thousands of real translated sentences of every length, from menus to
// paragraphs of help text. Lines without a Han character are dropped and
// duplicates removed, in a deterministic order.
func corpusLines(localeDir string, locales ...string) ([]string, error) {
	seen := map[string]bool{}
	var lines []string
	for _, loc := range locales {
		files, err := filepath.Glob(filepath.Join(localeDir, loc, "LC_MESSAGES", "*.mo"))
		if err != nil {
			return nil, err
		}
		slices.Sort(files)
		for _, f := range files {
			msgs, err := readMO(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			for _, m := range msgs {
				for _, l := range strings.FieldsFunc(m, func(r rune) bool { return r == '\n' || r == 0 }) {
					l = strings.TrimSpace(l)
					if !seen[l] && strings.IndexFunc(l, isHan) >= 0 {
						seen[l] = true
						lines = append(lines, l)
					}
				}
			}
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("no Chinese catalog lines for %v under %s", locales, localeDir)
	}
	return lines, nil
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// readMO returns the translations of a GNU gettext .mo catalog.
func readMO(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 20 {
		return nil, errors.New("short .mo file")
	}
	var order binary.ByteOrder
	switch binary.LittleEndian.Uint32(data) {
	case 0x950412de:
		order = binary.LittleEndian
	case 0xde120495:
		order = binary.BigEndian
	default:
		return nil, errors.New("not a .mo file")
	}
	n := int(order.Uint32(data[8:]))
	table := int(order.Uint32(data[16:]))
	msgs := make([]string, 0, n)
	for i := range n {
		at := table + 8*i
		if at+8 > len(data) {
			return nil, errors.New("truncated .mo translation table")
		}
		length, off := int(order.Uint32(data[at:])), int(order.Uint32(data[at+4:]))
		if off+length > len(data) {
			return nil, errors.New("truncated .mo string")
		}
		msgs = append(msgs, string(data[off:off+length]))
	}
	return msgs, nil
}

// repeatShuffled concatenates shuffled passes over lines until the corpus
// holds at least size bytes, one line per line, with a fixed seed so that
// every run measures the same text.
func repeatShuffled(lines []string, size int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < size {
		for _, i := range rng.Perm(len(lines)) {
			b.WriteString(lines[i])
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
