package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
}

func TestDefaultsAreValid(t *testing.T) {
	c := DefaultServer()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.History != 50 || c.MaxContent != 4096 || c.ReadLimit != 64<<10 ||
		c.PingInterval != 25*time.Second || c.PongTimeout != 60*time.Second || c.Log.Dir != "log" {
		t.Fatalf("defaults changed: %+v", c)
	}
}

func TestFlagsEnvAndPrecedence(t *testing.T) {
	var out bytes.Buffer
	c, err := ParseServer("server", []string{"-history", "7", "-log-format", "json"},
		env(map[string]string{"CHATROOM_ADDR": "127.0.0.1:9100", "CHATROOM_HISTORY": "3", "CHATROOM_PING_INTERVAL": "5s"}), &out)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9100" || c.History != 7 || c.PingInterval != 5*time.Second || c.Log.Format != "json" {
		t.Fatalf("got %+v", c)
	}
}

func TestBadSettingsAreErrors(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-history", "-1"}, nil, "-history"},
		{[]string{"-ping-interval", "1m", "-pong-timeout", "30s"}, nil, "-pong-timeout"},
		{[]string{"-log-level", "loud"}, nil, "-log-level"},
		{[]string{"-log-format", "xml"}, nil, "-log-format"},
		{[]string{"-send-queue", "10"}, nil, "-send-queue"},
		{nil, map[string]string{"CHATROOM_MAX_CONTENT": "lots"}, "CHATROOM_MAX_CONTENT"},
		{[]string{"extra"}, nil, "unexpected arguments"},
		{[]string{"-no-such-flag"}, nil, "not defined"},
		{[]string{"-auth-secret", "short"}, nil, "-auth-secret"},
		{[]string{"-tls-cert", "c.pem"}, nil, "-tls-key"},
		{[]string{"-allowed-origins", "chat.example.com"}, nil, "not an origin"},
		{[]string{"-allowed-origins", "https://chat.example.com/app"}, nil, "not an origin"},
		{[]string{"-msg-rate", "-1"}, nil, "-msg-rate"},
		{[]string{"-msg-burst", "0"}, nil, "-msg-burst"},
		{[]string{"-join-rate-per-ip", "-1"}, nil, "-join-rate-per-ip"},
		{[]string{"-join-burst-per-ip", "0"}, nil, "-join-burst-per-ip"},
		{[]string{"-msg-rate-per-ip", "-1"}, nil, "-msg-rate-per-ip"},
		{[]string{"-msg-burst-per-ip", "0"}, nil, "-msg-burst-per-ip"},
		{[]string{"-max-header-bytes", "10"}, nil, "-max-header-bytes"},
		{[]string{"-log-max-size", "1KB"}, nil, "-log-max-size"},
		{[]string{"-log-max-size", "lots"}, nil, "not a size"},
		{[]string{"-log-max-size", "0"}, nil, "-log-max-total"},
		{[]string{"-log-max-total", "150MB"}, nil, "-log-max-total"},
	}
	for _, tc := range cases {
		_, err := ParseServer("server", tc.args, env(tc.env), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v, want it to mention %q", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestLoggerWritesRotatingFileWithLink(t *testing.T) {
	dir := t.TempDir()
	l := DefaultLog()
	l.Dir = filepath.Join(dir, "logs")
	l.Stderr = false
	log, closer, err := NewLogger(l, nil)
	if err != nil {
		t.Fatal(err)
	}
	log.WithField("user", "张三").Info("hello")
	closer.Close()
	link := filepath.Join(l.Dir, LogFileName)
	target, err := os.Readlink(link)
	if err != nil {
		t.Fatalf("%s is not a link: %v", link, err)
	}
	if !strings.HasPrefix(filepath.Base(target), LogFileName+".") || len(filepath.Base(target)) != len(LogFileName)+13 {
		t.Fatalf("link points to %q, want %s.YYYYmmddHHMM", target, LogFileName)
	}
	b, err := os.ReadFile(link)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `user="张三"`) {
		t.Fatalf("log file holds %q", b)
	}
}

// A value with a newline cannot start a forged line, in either format.
func TestLogValuesCannotForgeLines(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			l := DefaultLog()
			l.Dir = t.TempDir()
			l.Format = format
			var stderr bytes.Buffer
			log, closer, err := NewLogger(l, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			defer closer.Close()
			evil := "hi\ntime=\"2020-01-01\" level=error msg=forged\r\n{\"level\":\"error\"}"
			log.WithFields(map[string]any{"user": evil, "content": evil}).Info("talk")
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if len(lines) != 1 {
				t.Fatalf("one entry became %d lines: %q", len(lines), stderr.String())
			}
			if format == "json" {
				var m map[string]any
				if err := json.Unmarshal([]byte(lines[0]), &m); err != nil || m["content"] != evil {
					t.Fatalf("json entry %q: %v", lines[0], err)
				}
			}
		})
	}
}

func TestAllowedOriginsAreNormalized(t *testing.T) {
	var out strings.Builder
	c, err := ParseServer("server", []string{"-allowed-origins", "HTTPS://Chat.Example.com:443/, http://a.example:8080,*"}, env(nil), &out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://chat.example.com", "http://a.example:8080", "*"}
	if strings.Join(c.AllowedOrigins, " ") != strings.Join(want, " ") {
		t.Fatalf("got %q, want %q", c.AllowedOrigins, want)
	}
}
