package chatserver

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

// `server token -role admin` mints a server admin's token; another role
// is refused in words.
func TestModerationTokenRole(t *testing.T) {
	env := func(k string) (string, bool) { return modSecret, k == config.EnvName("auth-secret") }
	var out, errOut bytes.Buffer
	if c := mintToken([]string{"-sub", "root", "-role", "admin"}, env, &out, &errOut); c != 0 {
		t.Fatalf("token -role admin: %d %s", c, errOut.String())
	}
	tok, err := service.VerifyRoomToken([]byte(modSecret), strings.TrimSpace(out.String()), time.Now(), time.Hour*24)
	if err != nil || tok.Role != model.RoleAdmin || tok.Name != "root" {
		t.Errorf("the token says %+v, %v", tok, err)
	}
	errOut.Reset()
	if c := mintToken([]string{"-sub", "root", "-role", "owner"}, env, &out, &errOut); c != 2 || !strings.Contains(errOut.String(), `the only role a token gives is "admin"`) {
		t.Errorf("token -role owner: %d %s", c, errOut.String())
	}
}

// `server token` refuses the operator's name (and names that look like
// it), which every handshake refuses: a token for it would be no use.
func TestTokenRefusesTheOperatorsName(t *testing.T) {
	env := func(k string) (string, bool) { return modSecret, k == config.EnvName("auth-secret") }
	for _, name := range []string{"server", "Server", "sеrver"} { // the last with a Cyrillic е
		var out, errOut bytes.Buffer
		if c := mintToken([]string{"-sub", name}, env, &out, &errOut); c != 2 || out.Len() != 0 || !strings.Contains(errOut.String(), "reserved for the operator's messages") {
			t.Errorf("token -sub %s: %d %q %q", name, c, out.String(), errOut.String())
		}
	}
}
