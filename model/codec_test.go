package model

import (
	"testing"
)

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
