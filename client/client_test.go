package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chatroom/internal/testpki"
)

// runAsCommandEnv makes the test binary run as the command: the tests
// start it to see what the client prints.
const runAsCommandEnv = "CLIENT_TEST_RUN_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(runAsCommandEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Under a C locale, with or without a codeset, the client starts in
// English without a word from fyne: "Fyne error: Error parsing user locale
// C" was printed on every start under C.UTF-8, before main (so even for -h).
func TestNoLocaleErrorInACLocale(t *testing.T) {
	var base []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); name != "LANG" && name != "LANGUAGE" && !strings.HasPrefix(name, "LC_") {
			base = append(base, kv)
		}
	}
	for _, locale := range [][]string{
		{"LANG=C", "LC_ALL=C"},
		{"LANG=C.UTF-8"},
		{"LC_ALL=C.UTF-8"},
		{"LANG=en_US.UTF-8", "LC_MESSAGES=C.utf8"},
		{"LANG=POSIX.UTF-8"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, os.Args[0], "-h")
		cmd.Env = append(append(base, runAsCommandEnv+"=1"), locale...)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stderr, &stderr
		err := cmd.Run()
		cancel()
		if err != nil || !strings.Contains(stderr.String(), "UI language: zh or en") {
			t.Fatalf("%s client -h: %v\n%s", locale, err, stderr.String())
		}
		if strings.Contains(stderr.String(), "Fyne error") || strings.Contains(stderr.String(), "Error parsing user locale") {
			t.Errorf("%s client -h printed:\n%s", locale, stderr.String())
		}
	}
}

// -ca: the CA's certificates are the only roots trusted for wss://.
func TestTLSConfig(t *testing.T) {
	if conf, err := tlsConfig(""); conf != nil || err != nil {
		t.Fatalf("no -ca: %v, %v; want the system's roots", conf, err)
	}
	dir := t.TempDir()
	if _, err := tlsConfig(filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("a missing file: no error")
	}
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := tlsConfig(notPEM); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a file without a certificate: %v", err)
	}

	pki := testpki.New(t)
	conf, err := tlsConfig(pki.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	want := pki.Pool
	if conf.MinVersion != tls.VersionTLS12 || !conf.RootCAs.Equal(want) {
		t.Fatalf("with -ca: %+v", conf)
	}
}
