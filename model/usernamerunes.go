package model

// This file owns which characters a username may hold, and where: the
// invisible ones are refused anywhere in a name; U+FE0F and the zero-width
// joiners are allowed only where an emoji or a script needs them; and the
// checks of UTS #39 section 5.4 on combining marks refuse marks that hide
// on their letter or pile up.

import (
	"errors"
	"fmt"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

const (
	zwnj     = '\u200C' // zero-width non-joiner
	zwj      = '\u200D' // zero-width joiner
	vs16     = '\uFE0F' // variation selector 16: show as emoji
	dotAbove = '\u0307' // combining dot above
	maxMarks = 4        // combining marks on one character, as UTS #39 suggests
)

// checkRunes refuses the characters that let a name look like another one
// or like nothing: controls, bidirectional controls (U+202E turns "ecila"
// into "alice" on screen), format characters and other default-ignorable
// code points (zero-width spaces, soft hyphens, variation selectors,
// Hangul fillers), blanks anywhere (see isBlank), names with no visible
// character, and the mark sequences checkMarks refuses. U+FE0F is allowed
// after a symbol ("❤️", "1️⃣") and U+200D between two symbols (the emoji
// "👨‍👩‍👧"); U+200C and U+200D between letters are left for the PRECIS
// profile, which allows them only where RFC 5892's CONTEXTJ rules do
// (after a virama, or U+200C between Arabic-style joining letters).
func checkRunes(name string) error {
	runes := []rune(name)
	visible := false
	blank := rune(-1)
	for i, r := range runes {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return errors.New("username contains control characters")
		case isBidiControl(r):
			return fmt.Errorf("username contains a bidirectional control character (%U), which can make a name look like another", r)
		case emojiPart(runes, i):
		case (r == zwj || r == zwnj) && i > 0 && i < len(runes)-1:
			// PRECIS judges it; precisError names it if refused.
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r):
			return errInvisible(r)
		case isBlank(r):
			if blank < 0 {
				blank = r
			}
		case unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S):
			visible = true
		}
	}
	if !visible {
		return errors.New("username has no visible characters")
	}
	if blank >= 0 {
		return errInvisible(blank)
	}
	return checkMarks(name)
}

func errInvisible(r rune) error {
	return fmt.Errorf("username contains an invisible character (%U), which can make a name look like another", r)
}

// emojiPart says whether runes[i] is a U+FE0F or a U+200D that belongs to
// an emoji: U+FE0F right after a symbol, a digit, '#' or '*' (keycaps such
// as "1️⃣" are a digit, U+FE0F and U+20E3), or a U+200D between two
// symbols, past the U+FE0F and skin tone modifier of the first.
func emojiPart(runes []rune, i int) bool {
	switch runes[i] {
	case vs16:
		return i > 0 && emojiBase(runes[i-1])
	case zwj:
		j := i - 1
		for j >= 0 && (runes[j] == vs16 || isSkinTone(runes[j])) {
			j--
		}
		return j >= 0 && i+1 < len(runes) && unicode.Is(unicode.So, runes[j]) && unicode.Is(unicode.So, runes[i+1])
	}
	return false
}

// emojiBase says whether U+FE0F may follow r: r is a symbol, a digit, '#',
// '*', or one of the punctuation marks that have an emoji form.
func emojiBase(r rune) bool {
	switch r {
	case '#', '*', '\u203C', '\u2049', '\u3030', '\u303D':
		return true
	}
	return ('0' <= r && r <= '9') || unicode.In(r, unicode.So, unicode.Sm)
}

func isSkinTone(r rune) bool { return '\U0001F3FB' <= r && r <= '\U0001F3FF' }

// isBlank says whether r shows as nothing though it is not a space, a
// control or a default-ignorable code point: the Braille blank, the
// Hangul fillers (also default-ignorable), the musical null notehead and
// the Khitan filler. These are the blanks of the usual lists of invisible
// characters that Unicode does not mark as default-ignorable.
func isBlank(r rune) bool {
	switch r {
	case '\u2800', '\u115F', '\u1160', '\u3164', '\uFFA0', '\U0001D159', '\U00016FE4':
		return true
	}
	return false
}

// checkMarks applies UTS #39's optional checks on combining marks to the
// name's compatibility decomposition: refused are a mark of one script on
// a character of another (a Tai Tham or Khmer stacker after a Latin
// letter shows as nothing, or as a dotted circle; marks used by several
// scripts, of the Inherited script, go on anything), a dot above on a letter
// that has a dot already ("i", "j", or a dotless "ı" or "ȷ", which the dot
// makes look like "i" or "j"), the same mark twice in a row, and more than
// maxMarks marks on one character (Zalgo text). The dot above on a capital
// "I" ("İ") is allowed: it shows.
func checkMarks(name string) error {
	var base rune
	var marks []rune // the marks on base
	for _, r := range norm.NFKD.String(name) + " " {
		if unicode.In(r, unicode.Mn, unicode.Me) {
			marks = append(marks, r)
			continue
		}
		if err := checkMarksOn(base, marks); err != nil {
			return err
		}
		base, marks = r, marks[:0]
	}
	return nil
}

// checkMarksOn applies checkMarks's rules to the marks on one character.
func checkMarksOn(base rune, marks []rune) error {
	if len(marks) > maxMarks {
		return fmt.Errorf("username has more than %d combining marks on one character", maxMarks)
	}
	baseScript := ""
	for i, m := range marks {
		script := scriptOf(m)
		if script != "Inherited" && script != "Common" && baseScript == "" {
			baseScript = scriptOf(base)
		}
		switch {
		case script != "Inherited" && script != "Common" && script != baseScript:
			return fmt.Errorf("username has a combining mark of one script (%U) on a character of another (%U), which may show as nothing", m, base)
		case i > 0 && m == marks[i-1]:
			return fmt.Errorf("username repeats the combining mark %U, which can make a name look like another", m)
		case m == dotAbove && (unicode.Is(unicode.Soft_Dotted, base) || base == '\u0131' || base == '\u0237'):
			return fmt.Errorf("username has a dot above (U+0307) on %U, which looks like the letter alone", base)
		}
	}
	return nil
}

// scriptOf is the name of r's script, as in unicode.Scripts ("Latin",
// "Inherited", "Common"), or "" for an unassigned code point.
func scriptOf(r rune) string {
	for name, table := range unicode.Scripts {
		if unicode.Is(table, r) {
			return name
		}
	}
	return ""
}
