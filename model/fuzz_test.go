package model

import (
	"testing"

	"google.golang.org/protobuf/proto"
)

// FuzzDecode feeds arbitrary frame payloads to the decoders. Whatever
// decodes must encode again without a panic (Encode panics on invalid
// UTF-8) and decode to the same message; nothing may panic.
//
//	go test -run '^$' -fuzz FuzzDecode -fuzztime 5m ./model
func FuzzDecode(f *testing.F) {
	for _, m := range []*ChatRoomRequest{
		{Type: TypeTalk, Content: "你好"},
		{Type: TypeUserList},
		{Type: TypeExit},
		{Type: TypeTalk, UserName: "张三", Content: "hi", Timestamp: 1_700_000_000_000, Seq: 42},
	} {
		f.Add(Encode(m))
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x80})             // a length that runs past the end
	f.Add([]byte{0x0a, 0x02, 0xff, 0xfe}) // invalid UTF-8 in a string
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := Decode(b); err == nil {
			again, err := Decode(Encode(m))
			if err != nil || !proto.Equal(m, again) {
				t.Fatalf("round trip of %x: %v, %v != %v", b, err, m, again)
			}
		}
		if ms, err := DecodeBatch(b); err == nil {
			for _, m := range ms {
				Encode(m)
			}
		}
	})
}

// FuzzNormalizeUsername checks the username rules' promises: a name that
// passes is trimmed, valid UTF-8, short enough, and passes again unchanged.
//
//	go test -run '^$' -fuzz FuzzNormalizeUsername -fuzztime 5m ./model
func FuzzNormalizeUsername(f *testing.F) {
	for _, s := range []string{"alice", " 张三 ", "", "\x00", "a\u2028b", "\xff", "guest-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeUsername(s)
		if err != nil {
			return
		}
		if again, err := NormalizeUsername(n); err != nil || again != n {
			t.Fatalf("%q normalized to %q, which normalizes to %q, %v", s, n, again, err)
		}
		if n == "" || len([]rune(n)) > MaxUsernameRunes {
			t.Fatalf("%q normalized to %q", s, n)
		}
	})
}
