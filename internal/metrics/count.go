package metrics

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"
)

// countUnits are the multipliers platforms write after a count: 万 (w) and
// 亿 on Chinese platforms, k and m on others.
var countUnits = map[string]int64{
	"万": 10_000, "w": 10_000, "W": 10_000, "萬": 10_000,
	"亿": 100_000_000, "億": 100_000_000,
	"千": 1_000, "k": 1_000, "K": 1_000,
	"m": 1_000_000, "M": 1_000_000,
}

// blankCounts are what exports write for a count they do not have.
var blankCounts = map[string]bool{"": true, "-": true, "--": true, "—": true, "/": true, "n/a": true, "N/A": true, "null": true}

// ParseCount reads a count the way platforms display it: "1234", "1,234",
// "1.2万" (12000), "3.4w" (34000), "10万+" (100000: "+" means "at least"),
// "1.1亿" (110000000), "2.5k", full-width digits. A count given with a unit
// is rounded to the nearest whole number. known is false for a blank or a
// placeholder ("-", "--"): the count is unknown, not zero.
func ParseCount(s string) (n int64, known bool, err error) {
	s = strings.TrimSpace(strings.Map(halfWidth, s))
	if blankCounts[s] {
		return 0, false, nil
	}
	num := strings.TrimSuffix(s, "+")
	mult := int64(1)
	if r, size := utf8.DecodeLastRuneInString(num); size > 0 {
		if m, ok := countUnits[string(r)]; ok {
			mult, num = m, strings.TrimSpace(num[:len(num)-size])
		}
	}
	digits, err := plainDecimal(num)
	if err != nil {
		return 0, false, fmt.Errorf("%q is not a count: %w", s, err)
	}
	v, ok := new(big.Rat).SetString(digits)
	if !ok {
		return 0, false, fmt.Errorf("%q is not a count", s)
	}
	v.Mul(v, new(big.Rat).SetInt64(mult))
	if mult == 1 && !v.IsInt() {
		return 0, false, fmt.Errorf("%q is not a whole number", s)
	}
	// Round half up: numerator / denominator + 1/2, floored.
	half := new(big.Rat).SetFrac64(1, 2)
	v.Add(v, half)
	q := new(big.Int).Quo(v.Num(), v.Denom())
	if !q.IsInt64() {
		return 0, false, fmt.Errorf("%q is too large", s)
	}
	return q.Int64(), true, nil
}

// plainDecimal checks "123", "1,234,567", "1.25" and returns the number
// without its group separators.
func plainDecimal(s string) (string, error) {
	if s == "" {
		return "", errors.New("no digits")
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if hasPoint && (frac == "" || !allDigits(frac)) {
		return "", errors.New("digits must follow the decimal point")
	}
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		for i, g := range groups {
			if !allDigits(g) || (i == 0 && len(g) > 3) || (i > 0 && len(g) != 3) {
				return "", errors.New("thousands separators must group three digits")
			}
		}
		whole = strings.Join(groups, "")
	}
	if !allDigits(whole) {
		return "", errors.New("only digits, separators, a unit (万, 亿, w, k) and a final + are allowed")
	}
	if len(whole)+len(frac) > 30 {
		return "", errors.New("too many digits")
	}
	if hasPoint {
		return whole + "." + frac, nil
	}
	return whole, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// halfWidth maps full-width digits and punctuation to ASCII, and drops the
// spaces some exports put inside numbers.
func halfWidth(r rune) rune {
	switch {
	case r >= '０' && r <= '９':
		return '0' + (r - '０')
	case r == '，':
		return ','
	case r == '．':
		return '.'
	case r == '＋':
		return '+'
	case r == '\u00a0', r == '\u3000', r == '\u202f', r == ' ':
		return -1
	}
	return r
}
