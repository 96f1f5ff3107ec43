package chatserver

import (
	"context"
	"crypto/tls"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/internal/testpki"
	"chatroom/model"
)

// wss:// and https:// with -tls-cert and -tls-key.

func TestTLS(t *testing.T) {
	pki := testpki.New(t)
	certFile, keyFile := pki.ServerFiles()
	r := start(t, "-tls-cert", certFile, "-tls-key", keyFile)
	tlsConf := &tls.Config{RootCAs: pki.Pool}
	d := &websocket.Dialer{HandshakeTimeout: waitTime, TLSClientConfig: tlsConf}
	status, reason, ws := handshake(t, d, "wss://"+r.addr+"/ws", http.Header{"Username": {"王五"}})
	if status != 101 {
		t.Fatalf("wss: %d %s", status, reason)
	}
	send(t, ws, model.TypeTalk, "加密的你好")
	if m := until(t, ws, model.TypeTalk); m.Content != "加密的你好" || m.UserName != "王五" {
		t.Fatalf("got %+v", m)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}, Timeout: waitTime}
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + r.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("https /healthz: %s", resp.Status)
	}
	if got := scrape(t, nil, r.metrics, "chatroom_connections"); got != 1 {
		t.Fatalf("connections on /metrics: %v", got)
	}
	// Plain ws:// to a TLS port does not get in.
	if _, _, err := (&websocket.Dialer{HandshakeTimeout: waitTime}).Dial("ws://"+r.addr+"/ws", nil); err == nil {
		t.Fatal("plain ws:// to the TLS port was accepted")
	}
}

func TestTLSBadFilesStopTheStart(t *testing.T) {
	var out syncBuffer
	dir := t.TempDir()
	code := Run(context.Background(), []string{"-addr", "127.0.0.1:0", "-log-dir", dir, "-tls-cert", filepath.Join(dir, "none.pem"), "-tls-key", filepath.Join(dir, "none.key")}, noEnv, &out, nil)
	if code != 1 || !strings.Contains(out.String(), "TLS certificate") {
		t.Fatalf("exit %d, output %q", code, out.String())
	}
}
