package ctrl

import (
	"strings"
	"testing"
)

func TestValidateRoom(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{"lobby", "lobby", ""},
		{" Go ", "go", ""},
		{"中文", "中文", ""},
		{"ｇｏ", "go", ""},
		{"", "", "Enter a room name"},
		{"   ", "", "Enter a room name"},
		{"a b", "", "letters, digits"},
		{"#go", "", "letters, digits"},
		{"-go", "", "must start with a letter or a digit"},
		{strings.Repeat("房", 65), "", "at most 64 characters"},
	}
	for _, tc := range cases {
		got, err := ValidateRoom(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Text.Key, tc.err)) {
			t.Errorf("ValidateRoom(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && err.Field != FieldRoom {
			t.Errorf("%q: error for field %d", tc.in, err.Field)
		}
	}
}
