package model

// This file owns the username rules: which names are allowed, the form a
// name is shown in, and the keys two names are compared on, so that nobody
// can pass for an online user with a name that looks the same.

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/secure/precis"
)

// ErrUsernameEmpty is returned by NormalizeUsername for a blank name.
var ErrUsernameEmpty = errors.New("username is empty")

// NormalizeUsername checks the username rules shared by the server and the
// clients and returns the name as it is shown: valid UTF-8, 1 to
// MaxUsernameRunes characters, no control, format, bidirectional control
// or other invisible characters, something visible in it, and nothing
// else the PRECIS Nickname profile (RFC 8266) refuses. The name is mapped
// as that profile maps it: Unicode NFKC (so composed and decomposed "José"
// are one name, and fullwidth letters are plain ones), other spaces to
// ASCII spaces, runs of spaces to one, trimmed. Case is kept. The error
// text is meant for the person who typed the name.
func NormalizeUsername(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", ErrUsernameEmpty
	case !utf8.ValidString(name):
		return "", errors.New("username is not valid UTF-8")
	case utf8.RuneCountInString(name) > MaxUsernameRunes:
		return "", errTooLong
	}
	if err := checkRunes(name); err != nil {
		return "", err
	}
	shown, err := precis.Nickname.String(name)
	if err != nil {
		return "", precisError(name)
	}
	if utf8.RuneCountInString(shown) > MaxUsernameRunes { // NFKC can lengthen a name
		return "", errTooLong
	}
	return shown, nil
}

var errTooLong = fmt.Errorf("username is longer than %d characters", MaxUsernameRunes)

// checkRunes refuses the characters that let a name look like another one
// or like nothing: controls, bidirectional controls (U+202E turns "ecila"
// into "alice" on screen), format characters and other default-ignorable
// code points (zero-width spaces and joiners, soft hyphens, variation
// selectors, Hangul fillers), and names with no visible character.
func checkRunes(name string) error {
	visible := false
	for _, r := range name {
		switch {
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return errors.New("username contains control characters")
		case isBidiControl(r):
			return fmt.Errorf("username contains a bidirectional control character (%U), which can make a name look like another", r)
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r):
			return fmt.Errorf("username contains an invisible character (%U), which can make a name look like another", r)
		case isBlank(r):
		case unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S):
			visible = true
		}
	}
	if !visible {
		return errors.New("username has no visible characters")
	}
	return nil
}

// Hidden says whether r shows as nothing, or changes how the text around
// it shows, without being a space: a bidirectional control, a format
// character, another default-ignorable code point, or a blank letter.
// NormalizeUsername refuses names with one (only spaces and blanks: no
// visible character); clients show them visibly in names that come from
// servers with older rules.
func Hidden(r rune) bool {
	return isBidiControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Variation_Selector, r) || isBlank(r)
}

// isBidiControl says whether r is one of the characters that change the
// direction of the text around it (Unicode's Bidi_Control property).
func isBidiControl(r rune) bool {
	return unicode.Is(unicode.Bidi_Control, r)
}

// isBlank says whether r shows as nothing though it is a letter or a
// symbol: the Braille blank and the Hangul fillers. (Spaces are white
// space, and marks alone show nothing either.)
func isBlank(r rune) bool {
	switch r {
	case '\u2800', '\u115F', '\u1160', '\u3164', '\uFFA0':
		return true
	}
	return false
}

// precisError says which character of name the PRECIS Nickname profile
// refused, if one refuses on its own.
func precisError(name string) error {
	for _, r := range name {
		if _, err := precis.Nickname.String(string(r)); err != nil && !unicode.IsSpace(r) {
			return fmt.Errorf("username contains a character not allowed in names (%U)", r)
		}
	}
	return errors.New("username contains a combination of characters not allowed in names")
}

// UsernameKey is the key two usernames are compared on: two names with one
// key are one user. name must be as NormalizeUsername returns it. The key
// is the name case-folded, then its Unicode confusables skeleton (UTS #39:
// Cyrillic "а" is Latin "a", "0" is "O", "rn" is "m"), case-folded again:
// "Alice", "ALICE", "ａｌｉｃｅ" and "аlice" with a Cyrillic "а" are "alice"'s
// key. Keys are compared, never shown.
func UsernameKey(name string) string {
	folded, err := precis.Nickname.CompareKey(name)
	if err != nil {
		folded = name // not a normalized name: compare it as it is
	}
	return fold(confusables.Skeleton(folded))
}

// UsernameSkeleton is the second key two usernames are compared on: the
// skeleton of the name as it is, before case-folding, case-folded. It
// catches look-alikes in capitals that UsernameKey misses: capital "I" is
// a confusable of "l", so "aIice" has "alice"'s skeleton, though its key
// is "aiice". (A name's skeleton is not a function of its key, so they are
// two keys; Ergo IRC keeps both for the same reason.)
func UsernameSkeleton(name string) string {
	shown, err := precis.Nickname.String(name)
	if err != nil {
		shown = name
	}
	return fold(confusables.Skeleton(shown))
}

// fold is Unicode full case folding.
func fold(s string) string { return cases.Fold().String(s) }
