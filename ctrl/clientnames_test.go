package ctrl

import "testing"

// Hidden characters show as codes in names the rules refuse, and names
// the rules accept show as they are, joiners and U+FE0F included.
func TestShownName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice", "alice"},
		{"alice\u200b", "alice<U+200B>"},
		{"al\u200dice", "al<U+200D>ice"},
		{"alice\u2800", "alice<U+2800>"},
		{"\u202eecila", "<U+202E>ecila"},
		{"\u2764\ufe0f", "\u2764\ufe0f"},
		{"\U0001F468\u200d\U0001F469\u200d\U0001F467", "\U0001F468\u200d\U0001F469\u200d\U0001F467"},
		{"\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"},
	} {
		if got := ShownName(tc.in); got != tc.want {
			t.Errorf("ShownName(%+q) = %+q, want %+q", tc.in, got, tc.want)
		}
	}
}
