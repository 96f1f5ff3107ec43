package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

func opts(t *testing.T, args ...string) options {
	t.Helper()
	o, err := parseOptions(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestEndpoints(t *testing.T) {
	o := opts(t, "-url", "wss://example.com/ws, ws://example.com/ws,wss://127.0.0.1:8443/ws,ws://[::1]/ws?room=a")
	want := []struct {
		addr, serverName string
		tls              bool
	}{{"example.com:443", "example.com", true}, {"example.com:80", "", false}, {"127.0.0.1:8443", "127.0.0.1", true}, {"[::1]:80", "", false}}
	for i, ep := range o.endpoints {
		if ep.addr != want[i].addr || (ep.tls != nil) != want[i].tls || (ep.tls != nil && ep.tls.ServerName != want[i].serverName) {
			t.Errorf("endpoint %d: %s, tls %v, want %+v", i, ep.addr, ep.tls != nil, want[i])
		}
	}
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{
		{"-url", "tcp://example.com/ws"},
		{"-url", "wss:///ws"},
		{"-ca", filepath.Join(t.TempDir(), "missing.pem")},
		{"-ca", notPEM},
		{"-scenario", "idle", "-churn", "3"},
		{"-churn", "-1"},
		{"-scenario", "rooms", "-protocol", "lines"},
		{"-scenario", "rooms", "-rooms", "0"},
		{"-scenario", "rooms", "-rooms", "3", "-rooms-per-user", "4"},
		{"-scenario", "rooms", "-rooms-per-user", "0"},
		{"-scenario", "rooms", "-churn", "2"},
		{"-scenario", "rooms", "-clients", "5", "-senders", "6"},
		{"-scenario", "catchup", "-drop-every", "0s"},
		{"-scenario", "catchup", "-drop-for", "-1s"},
		{"-scenario", "catchup", "-drop-share", "1.5"},
		{"-scenario", "catchup", "-protocol", "lines"},
		{"-scenario", "catchup", "-clients", "20", "-per-process", "10"},
		{"-scenario", "catchup", "-churn", "2"},
	} {
		if _, err := parseOptions(bad, io.Discard); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
