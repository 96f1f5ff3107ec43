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
// or other invisible characters (but U+FE0F and the zero-width joiners
// where emoji and scripts need them: see checkRunes), something visible
// in it, no combining marks that hide or pile up (see checkMarks), and
// nothing else the PRECIS Nickname profile (RFC 8266) refuses. The name is mapped
// as that profile maps it: Unicode NFKC (so composed and decomposed "José"
// are one name, and fullwidth letters are plain ones), other spaces to
// ASCII spaces, runs of spaces to one, trimmed. Case is kept. The error
// text is meant for the person who typed the name.
func NormalizeUsername(name string) (string, error) {
	if plainKeys.isPlain(name) {
		return name, nil // usernameplain.go
	}
	return normalizeUsername(name)
}

// normalizeUsername is NormalizeUsername by the full rules.
func normalizeUsername(name string) (string, error) {
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
	shown, err := mapName(name)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(shown) > MaxUsernameRunes { // NFKC can lengthen a name
		return "", errTooLong
	}
	if shown != name { // what NFKC made of it must pass too ("℡️" is "TEL️")
		if err := checkRunes(shown); err != nil {
			return "", err
		}
	}
	return shown, nil
}

var errTooLong = fmt.Errorf("username is longer than %d characters", MaxUsernameRunes)

// Hidden says whether r shows as nothing, or changes how the text around
// it shows, without being a space: a bidirectional control, a format
// character, another default-ignorable code point, or a blank (see
// isBlank). NormalizeUsername refuses names with one, except U+FE0F and
// the zero-width joiners where an emoji or a script needs them; clients
// show them visibly in names that come from servers with older rules.
func Hidden(r rune) bool {
	return isBidiControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Variation_Selector, r) || isBlank(r)
}

// isBidiControl says whether r is one of the characters that change the
// direction of the text around it (Unicode's Bidi_Control property).
func isBidiControl(r rune) bool {
	return unicode.Is(unicode.Bidi_Control, r)
}

// mapName maps name as the PRECIS Nickname profile does. That profile
// refuses U+FE0F (it is default-ignorable) and a U+200D that does not
// follow a virama (RFC 5892's CONTEXTJ rule), so those checkRunes allowed
// in an emoji are held out of its way: each is replaced by a Braille blank,
// which the profile keeps as it is and which a name may not hold (nor
// gain from normalization), and put back after.
func mapName(name string) (string, error) {
	runes := []rune(name)
	var held []rune
	for i, r := range runes {
		if emojiPart(runes, i) {
			held = append(held, r)
			runes[i] = standIn
		}
	}
	shown, err := precis.Nickname.String(string(runes))
	if err != nil {
		return "", precisError(string(runes)) // the stand-ins pass on their own
	}
	if len(held) == 0 {
		return shown, nil
	}
	if strings.Count(shown, string(standIn)) != len(held) {
		return "", errors.New("username contains a combination of characters not allowed in names")
	}
	return strings.Map(func(r rune) rune {
		if r == standIn {
			r, held = held[0], held[1:]
		}
		return r
	}, shown), nil
}

const standIn = '\u2800'

// precisError says which character of name the PRECIS Nickname profile
// refused, if one refuses on its own. A joiner is refused where it joins
// nothing.
func precisError(name string) error {
	for _, r := range name {
		if r == zwj || r == zwnj {
			return errInvisible(r)
		}
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
// key. U+FE0F and the zero-width joiners are left out, so "❤" is "❤️" and
// "👨👩👧" is "👨‍👩‍👧". Keys are compared, never shown.
func UsernameKey(name string) string {
	if plainKeys.isPlain(name) {
		return join(name, &plainKeys.key) // usernameplain.go
	}
	return usernameKey(name)
}

// usernameKey is UsernameKey by the full rules.
func usernameKey(name string) string {
	name = dropJoiners(name)
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
	if plainKeys.isPlain(name) {
		return join(name, &plainKeys.skel) // usernameplain.go
	}
	return usernameSkeleton(name)
}

// usernameSkeleton is UsernameSkeleton by the full rules.
func usernameSkeleton(name string) string {
	name = dropJoiners(name)
	shown, err := precis.Nickname.String(name)
	if err != nil {
		shown = name
	}
	return fold(confusables.Skeleton(shown))
}

// dropJoiners removes from name what a valid name may hold that shows as
// nothing on its own: U+FE0F and the zero-width joiners. They change how
// the characters around them show (as an emoji, or joined), never which.
func dropJoiners(name string) string {
	return strings.Map(func(r rune) rune {
		if r == vs16 || r == zwj || r == zwnj {
			return -1
		}
		return r
	}, name)
}

// fold is Unicode full case folding.
func fold(s string) string { return cases.Fold().String(s) }
