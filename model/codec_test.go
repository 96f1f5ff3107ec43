package model

import (
	"strings"
	"testing"
)

func TestNormalizeUsername(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{"alice", "alice", ""},
		{"  张三 ", "张三", ""},
		{strings.Repeat("名", 32), strings.Repeat("名", 32), ""},
		{strings.Repeat("名", 33), "", "longer than 32"},
		{"", "", "empty"},
		{" \t ", "", "empty"},
		{"a\nb", "", "control"},
		{"a\u0000b", "", "control"},
		{"a\u2028b", "", "control"},
		{"\xff", "", "UTF-8"},
	}
	for _, tc := range cases {
		got, err := NormalizeUsername(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("NormalizeUsername(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// Fields 1-4 keep the spec's numbers: bytes a spec client would send decode.
func TestSpecWireCompatibility(t *testing.T) {
	// type="talk" (1), user_name="u" (2), content="hi" (3), user_list{"k":"v"} (4)
	spec := []byte{0x0a, 4, 't', 'a', 'l', 'k', 0x12, 1, 'u', 0x1a, 2, 'h', 'i', 0x22, 6, 0x0a, 1, 'k', 0x12, 1, 'v'}
	m, err := Decode(spec)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != TypeTalk || m.UserName != "u" || m.Content != "hi" || m.UserList["k"] != "v" {
		t.Fatalf("decoded %v", m)
	}
	back, err := Decode(Encode(m))
	if err != nil || back.Content != "hi" {
		t.Fatalf("round trip: %v %v", back, err)
	}
}
