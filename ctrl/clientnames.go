package ctrl

// This file owns how the desktop client (view) shows usernames and message
// text that could pass for other text. Fyne lays out every line left to
// right with no bidirectional algorithm: right-to-left text shows in its
// logical order, and the bidirectional controls that reorder text in a
// browser (U+202E makes "ecila" show as "alice") do nothing but may draw as
// an empty box or nothing. Wrapping names in isolates (U+2068 … U+2069), as
// the Unicode standard advises for plain text, would do nothing there
// either. So the client isolates names the only way it can: what could hide
// in a name is shown as a code, "alice<U+200B>", never as nothing. The
// server refuses such names; this is for older servers, whose names may
// hold them.

import (
	"fmt"
	"strings"
	"unicode"

	"chatroom/model"
)

// ShownName is name with every hidden character (see model.Hidden)
// written as its code point, so two names that differ only by one do not
// look the same. A name today's rules accept as it is shows as it is: the
// U+FE0F and joiners it may hold are part of an emoji or a word, and its
// keys leave them out.
func ShownName(name string) string {
	if n, err := model.NormalizeUsername(name); err == nil && n == name {
		return name
	}
	return escape(name, model.Hidden)
}

// ShownText is a message's text with its bidirectional controls written as
// their code points: they have no effect in the window, and one that
// showed as nothing could make text pass for something else. Other format
// characters (joiners in emoji and in Persian words) stay.
func ShownText(text string) string {
	return escape(text, isBidiControl)
}

func isBidiControl(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }

// escape writes each rune of s that hidden reports as <U+XXXX>.
func escape(s string, hidden func(rune) bool) string {
	if !strings.ContainsFunc(s, hidden) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hidden(r) {
			fmt.Fprintf(&b, "<%U>", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
