package model

import (
	"math/rand/v2"
	"testing"
)

// plainBytes are the characters of plain names.
func plainBytes() []byte {
	var b []byte
	for c := byte(0); c < 128; c++ {
		if isPlainByte(c) {
			b = append(b, c)
		}
	}
	return b
}

// The fast path for plain names gives what the full rules give: every
// plain name of one and two characters, and random longer ones.
func TestPlainNamesTakeTheFullRulesResult(t *testing.T) {
	chars := plainBytes()
	var names []string
	for _, a := range chars {
		names = append(names, string(a))
		for _, b := range chars {
			names = append(names, string([]byte{a, b}))
		}
	}
	rng := rand.New(rand.NewPCG(15, 15))
	for range 5000 {
		n := make([]byte, 3+rng.IntN(MaxUsernameRunes-2))
		for i := range n {
			n[i] = chars[rng.IntN(len(chars))]
		}
		names = append(names, string(n))
	}
	names = append(names, "alice", "Alice", "aIice", "a1ice", "rnorgan", "morgan", "user-0001", "O0o")
	for _, name := range names {
		if !plainKeys.isPlain(name) {
			t.Fatalf("%q is not plain", name)
		}
		shown, err := NormalizeUsername(name)
		wantShown, wantErr := normalizeUsername(name)
		if shown != wantShown || (err == nil) != (wantErr == nil) {
			t.Fatalf("NormalizeUsername(%q) = %q, %v; the full rules: %q, %v", name, shown, err, wantShown, wantErr)
		}
		if got, want := UsernameKey(name), usernameKey(name); got != want {
			t.Fatalf("UsernameKey(%q) = %q; the full rules: %q", name, got, want)
		}
		if got, want := UsernameSkeleton(name), usernameSkeleton(name); got != want {
			t.Fatalf("UsernameSkeleton(%q) = %q; the full rules: %q", name, got, want)
		}
	}
	for _, c := range chars {
		if !plainKeys.plain[c] {
			t.Errorf("%q takes the full rules: its keys are not ASCII", c)
		}
	}
}

func TestPlainNamesSpareTheGarbage(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() {
		NormalizeUsername("alice")
		UsernameKey("alice")
		UsernameSkeleton("alice")
	}); n > 0 {
		t.Errorf("a plain name's checks allocate %v times", n)
	}
}
