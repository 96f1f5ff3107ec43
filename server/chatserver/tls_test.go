package chatserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// wss:// and https:// with -tls-cert and -tls-key.

// selfSigned writes a CA-less self-signed certificate for 127.0.0.1 and
// returns the cert and key files.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "chatroom test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	r := start(t, "-tls-cert", certFile, "-tls-key", keyFile)
	tlsConf := &tls.Config{RootCAs: pool}
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
	if got := scrape(t, client, "https://"+r.addr, "chatroom_connections"); got != 1 {
		t.Fatalf("connections over https /metrics: %v", got)
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
