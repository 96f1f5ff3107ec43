package model

import "strings"

// The fast path of the username rules for plain names, made only of ASCII
// letters, digits, "_", "-" and ".", as most names are. Every step of the
// rules acts on such a name one character at a time and turns each
// character into ASCII (NFKC and NFD leave ASCII alone; case folding and
// the confusables map replace a character by a short ASCII string), so a
// plain name's keys are its characters' keys put together, and the name is
// shown as it is. The characters' keys are computed once, by the full
// rules themselves; a name that is not plain takes the full rules. This
// spares a handshake a dozen transformations and about a kilobyte of
// garbage (BENCHMARKS.md, issue 15). TestPlainNamesTakeTheFullRulesResult
// checks the two paths agree.

// plainKeys holds, for each plain character, its UsernameKey and
// UsernameSkeleton. It is filled once, before main, and only read after.
var plainKeys = newPlainTable()

type plainTable struct {
	plain     [128]bool
	key, skel [128]string
}

func isPlainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
}

func newPlainTable() *plainTable {
	t := &plainTable{}
	for c := byte(0); c < 128; c++ {
		if !isPlainByte(c) {
			continue
		}
		key, skel := usernameKey(string(c)), usernameSkeleton(string(c))
		t.plain[c] = isASCII(key) && isASCII(skel)
		t.key[c], t.skel[c] = key, skel
	}
	return t
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// isPlain says whether name is a plain name of an allowed length.
func (t *plainTable) isPlain(name string) bool {
	if name == "" || len(name) > MaxUsernameRunes {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 0x80 || !t.plain[c] {
			return false
		}
	}
	return true
}

// join returns the keys of name's characters in keys put together; name
// itself, with no new string, when each is its own key. name is plain.
func join(name string, keys *[128]string) string {
	same := true
	for i := 0; i < len(name) && same; i++ {
		same = len(keys[name[i]]) == 1 && keys[name[i]][0] == name[i]
	}
	if same {
		return name
	}
	var b strings.Builder
	b.Grow(len(name) + 4)
	for i := 0; i < len(name); i++ {
		b.WriteString(keys[name[i]])
	}
	return b.String()
}
