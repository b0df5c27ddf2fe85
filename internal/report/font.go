package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// FontFamily is the family name of the CJK font Ferry ships for printing
// (internal/report/fonts: a subset of Noto Sans CJK SC, SIL OFL 1.1).
const FontFamily = "Ferry Sans CJK"

// FontPostScriptName is the shipped font's PostScript name, the one a PDF
// names it by.
const FontPostScriptName = "FerrySansCJK-Regular"

// Font is the shipped font: GB2312 levels 1 and 2, Big5 level 1, Latin,
// digits and punctuation, with Traditional glyph forms for lang="zh-Hant"
// (see fonts/README.md and docs/architecture.md, "Reports").
//
//go:embed fonts/FerrySansCJK-Regular.ttf
var Font []byte

var (
	fontConfMu sync.Mutex
	fontConfs  = map[string]string{} // FONTCONFIG_FILE → Ferry's file
)

// fontConfig returns a fontconfig file for the Chromium that prints: the
// server's own configuration (FONTCONFIG_FILE's, else the system's) plus a
// directory holding the shipped font, written once under the user's cache
// directory. Chromium takes every font, web fonts' fallbacks included,
// from fontconfig, and prints no text at all when fontconfig has none; so
// the shipped font is handed over as a font of the machine rather than as
// a web font.
func fontConfig() (string, error) {
	system := os.Getenv("FONTCONFIG_FILE")
	fontConfMu.Lock()
	defer fontConfMu.Unlock()
	if conf, ok := fontConfs[system]; ok {
		return conf, nil
	}
	conf, err := writeFontConfig(system)
	if err == nil {
		fontConfs[system] = conf
	}
	return conf, err
}

func writeFontConfig(system string) (string, error) {
	sum := sha256.Sum256(Font)
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "ferry", "fonts-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(filepath.Join(dir, "font"), 0o700); err != nil {
		return "", fmt.Errorf("report: the font directory: %w", err)
	}
	font := filepath.Join(dir, "font", FontPostScriptName+".ttf")
	if old, err := os.ReadFile(font); err != nil || !bytes.Equal(old, Font) {
		if err := writeFile(font, Font); err != nil {
			return "", err
		}
	}
	if system == "" {
		system = "/etc/fonts/fonts.conf"
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<!DOCTYPE fontconfig SYSTEM "fonts.dtd">` + "\n<fontconfig>\n")
	for _, el := range []struct{ open, path, end string }{
		{`  <include ignore_missing="yes">`, system, "</include>\n"},
		{"  <dir>", filepath.Join(dir, "font"), "</dir>\n"},
		{"  <cachedir>", filepath.Join(dir, "cache"), "</cachedir>\n"},
	} {
		b.WriteString(el.open)
		_ = xml.EscapeText(&b, []byte(el.path))
		b.WriteString(el.end)
	}
	b.WriteString("</fontconfig>\n")
	// Named per included configuration: two servers of one user may differ.
	confSum := sha256.Sum256([]byte(b.String()))
	conf := filepath.Join(dir, "fonts-"+hex.EncodeToString(confSum[:6])+".conf")
	if old, err := os.ReadFile(conf); err != nil || string(old) != b.String() {
		if err := writeFile(conf, []byte(b.String())); err != nil {
			return "", err
		}
	}
	return conf, nil
}

// writeFile writes a file whole or not at all.
func writeFile(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("report: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return os.Rename(tmp.Name(), name)
}
