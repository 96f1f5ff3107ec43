package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	conf, err := tlsConfig(ca)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	want := x509.NewCertPool()
	want.AddCert(cert)
	if conf.MinVersion != tls.VersionTLS12 || !conf.RootCAs.Equal(want) {
		t.Fatalf("with -ca: %+v", conf)
	}
}
