package ctrl

import (
	"strings"
	"testing"
)

func TestValidateAddress(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{"127.0.0.1:9000", "ws://127.0.0.1:9000/ws", ""},
		{" localhost:9000 ", "ws://localhost:9000/ws", ""},
		{"ws://chat.example:80", "ws://chat.example:80/ws", ""},
		{"wss://chat.example:443/ws", "wss://chat.example:443/ws", ""},
		{"ws://[::1]:9000/chat", "ws://[::1]:9000/chat", ""},
		{"", "", "Enter the server address"},
		{"localhost", "", "needs a host and a port"},
		{":9000", "", "needs a host and a port"},
		{"http://127.0.0.1:9000", "", "ws:// or wss://"},
		{"127.0.0.1:0", "", "1 to 65535"},
		{"127.0.0.1:port", "", "Not a server address"},
		{"ws://u:p@host:1", "", "Not a server address"},
	}
	for _, tc := range cases {
		got, err := ValidateAddress(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Text.Key, tc.err)) {
			t.Errorf("ValidateAddress(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && err.Field != FieldAddress {
			t.Errorf("%q: error for field %d", tc.in, err.Field)
		}
	}
}

func TestValidateUsernameAndMessage(t *testing.T) {
	if n, err := ValidateUsername("  李四 "); err != nil || n != "李四" {
		t.Fatalf("李四: %q %v", n, err)
	}
	for in, want := range map[string]string{
		"":                      "Enter a username",
		strings.Repeat("a", 33): "at most 32",
		"a\tb":                  "control characters",
	} {
		if _, err := ValidateUsername(in); err == nil || !strings.Contains(err.Text.Key, want) || err.Field != FieldUsername {
			t.Errorf("ValidateUsername(%q) = %v, want %q", in, err, want)
		}
	}
	if err := ValidateMessage("你好", 6); err != nil {
		t.Fatalf("6-byte message within 6: %v", err)
	}
	if err := ValidateMessage("你好!", 6); err == nil || err.Text.Data["Over"] != 1 {
		t.Fatalf("7 bytes in 6: %v", err)
	}
	if err := ValidateMessage(" \n ", 6); err == nil || err.Field != FieldMessage {
		t.Fatalf("blank message: %v", err)
	}
}
