package model

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"chatroom/config"
)

// MaxRoomRunes is the longest room name, in characters (not bytes).
const MaxRoomRunes = config.MaxRoomName

// ErrRoomEmpty is returned by NormalizeRoom for an empty name.
var ErrRoomEmpty = errors.New("room name is empty")

var errRoomTooLong = fmt.Errorf("room name is longer than %d characters", MaxRoomRunes)

// NormalizeRoom checks a room name and returns the form it is known by:
// NFKC, lower case (Unicode case folding), so "Go", "go" and "ｇｏ" are one
// room. A name is 1 to MaxRoomRunes letters, digits and marks of any script
// (Chinese too) and the punctuation "-", "_" and "."; no spaces, no hidden
// characters. The error says what is wrong in words.
func NormalizeRoom(name string) (string, error) {
	if plainRoom(name) {
		return name, nil
	}
	switch {
	case name == "":
		return "", ErrRoomEmpty
	case !utf8.ValidString(name):
		return "", errors.New("room name is not valid UTF-8")
	case utf8.RuneCountInString(name) > MaxRoomRunes:
		return "", errRoomTooLong
	}
	folded := norm.NFKC.String(cases.Fold().String(norm.NFKC.String(name)))
	switch {
	case folded == "":
		return "", ErrRoomEmpty
	case utf8.RuneCountInString(folded) > MaxRoomRunes:
		return "", errRoomTooLong
	}
	for _, r := range folded {
		if !roomRune(r) {
			return "", fmt.Errorf("room name may hold only letters, digits, marks and - _ . (not %s)", describeRune(r))
		}
	}
	if !unicode.In(firstRune(folded), unicode.L, unicode.N) {
		return "", errors.New("room name must start with a letter or a digit")
	}
	return folded, nil
}

// plainRoom says whether name is already in its known form and made of
// lower-case ASCII letters, digits and "-_.", starting with a letter or a
// digit: the common case, checked without allocating.
func plainRoom(name string) bool {
	if name == "" || len(name) > MaxRoomRunes {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case (c == '-' || c == '_' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return true
}

func roomRune(r rune) bool {
	return r == '-' || r == '_' || r == '.' || unicode.In(r, unicode.L, unicode.N, unicode.M)
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// describeRune names r for an error message: itself if it shows, else its
// code point.
func describeRune(r rune) string {
	if unicode.IsGraphic(r) && !unicode.IsSpace(r) {
		return fmt.Sprintf("%q", string(r))
	}
	return fmt.Sprintf("U+%04X", r)
}

// RoomKey is the room's name as a NATS subject token and a key: its bytes
// in hex, so that any name, Chinese included, makes a valid token.
func RoomKey(room string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(2 * len(room))
	for i := 0; i < len(room); i++ {
		b.WriteByte(hex[room[i]>>4])
		b.WriteByte(hex[room[i]&15])
	}
	return b.String()
}
