package main

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/chattest"
	"chatroom/internal/testpki"
	"chatroom/service"
)

// front is a server in front of the chat server: it checks each request
// with check (if not nil; an error refuses it with 401), records the TLS
// server names asked for, and passes the handshake on.
type front struct {
	hs    *httptest.Server
	url   string // ws:// or wss://localhost:port/ws
	mu    sync.Mutex
	names []string // SNI of each TLS handshake
}

func startFront(t *testing.T, backend *chattest.Server, cert *tls.Certificate, check func(*http.Request) error) *front {
	t.Helper()
	target := &url.URL{Scheme: "http", Host: backend.Addr}
	proxy := &httputil.ReverseProxy{ // passes WebSocket upgrades on
		Rewrite:  func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		ErrorLog: log.New(io.Discard, "", 0),
	}
	f := &front{}
	f.hs = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if check != nil {
			if err := check(r); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	f.hs.Config.ErrorLog = log.New(io.Discard, "", 0) // refused certificates are expected
	scheme := "ws"
	if cert != nil {
		scheme = "wss"
		f.hs.TLS = &tls.Config{
			Certificates: []tls.Certificate{*cert},
			GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
				f.mu.Lock()
				defer f.mu.Unlock()
				f.names = append(f.names, hello.ServerName)
				return nil, nil
			},
		}
		f.hs.StartTLS()
	} else {
		f.hs.Start()
	}
	t.Cleanup(f.hs.Close)
	_, port, _ := net.SplitHostPort(f.hs.Listener.Addr().String())
	f.url = scheme + "://localhost:" + port + "/ws"
	return f
}

func (f *front) serverNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.names)
}

// wss:// with -ca: the users trust the test CA, name the server (SNI) and
// get every talk over TLS; without -ca the certificate is refused.
func TestWSSWithCA(t *testing.T) {
	pki := testpki.New(t)
	f := startFront(t, startServer(t), &pki.Server, nil)
	ca := pki.CAFile()
	sum := runOK(t, opts(t, "-url", f.url, "-ca", ca, "-scenario", "fanout", "-clients", "10", "-senders", "2", "-rate", "40", "-duration", "500ms", "-ramp", "50ms"))
	if sum.Connected != 10 || sum.TalksSent < 10 || sum.Lost != 0 || sum.Deliveries != 10*sum.TalksSent {
		t.Fatalf("%+v", sum)
	}
	if names := f.serverNames(); len(names) < 10 || slices.ContainsFunc(names, func(n string) bool { return n != "localhost" }) {
		t.Fatalf("server names asked for: %q", names)
	}
	sum = runOK(t, opts(t, "-url", f.url, "-ca", ca, "-scenario", "connect", "-concurrency", "2", "-duration", "300ms"))
	if sum.Connected < 2 {
		t.Fatalf("connect over TLS: %+v", sum)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sum, err := run(ctx, opts(t, "-url", f.url, "-scenario", "idle", "-clients", "2", "-duration", "50ms", "-ramp", "10ms"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ConnectFailures != 2 || sum.Errors["tls: failed to verify certificate: x509: certificate signed by unknown authority"] != 2 {
		t.Fatalf("without -ca: %+v", sum)
	}
}

// tokenCheck accepts a handshake only with a bearer token, signed with
// secret, for the username the request asks for; it counts the good ones.
func tokenCheck(secret string, good *atomic.Int64) func(*http.Request) error {
	return func(r *http.Request) error {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return errors.New("no bearer token")
		}
		name, err := service.VerifyToken([]byte(secret), token, time.Now(), 0)
		if err != nil {
			return err
		}
		if asked := r.URL.Query().Get("username"); name != asked {
			return errors.New("token for " + name + ", not " + asked)
		}
		good.Add(1)
		return nil
	}
}

// -auth-secret (or CHATROOM_AUTH_SECRET): every user sends a bearer token
// for its own name, which a server with the same secret accepts.
func TestBearerToken(t *testing.T) {
	const secret = "loadtest-secret-of-at-least-32-b"
	var good atomic.Int64
	srv := startServer(t, func(c *config.Server) { c.AuthSecret = secret })
	f := startFront(t, srv, nil, tokenCheck(secret, &good))
	sum := runOK(t, opts(t, "-url", f.url, "-auth-secret", secret, "-scenario", "fanout", "-clients", "5", "-senders", "1", "-rate", "20", "-churn", "2", "-duration", "700ms", "-ramp", "10ms"))
	if sum.Connected != 5 || sum.Lost != 0 || sum.ChurnCycles < 2 || good.Load() != 5+sum.ChurnCycles {
		t.Fatalf("%d handshakes with a good token: %+v", good.Load(), sum)
	}
	t.Setenv(authSecretEnv, secret)
	good.Store(0)
	sum = runOK(t, opts(t, "-url", f.url, "-scenario", "connect", "-concurrency", "2", "-duration", "300ms"))
	if sum.Connected < 2 || good.Load() != int64(sum.Connected) {
		t.Fatalf("secret from %s: %d handshakes with a good token: %+v", authSecretEnv, good.Load(), sum)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sum, err := run(ctx, opts(t, "-url", f.url, "-auth-secret", "wrong", "-scenario", "idle", "-clients", "2", "-duration", "50ms", "-ramp", "10ms"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ConnectFailures != 2 || sum.Errors["handshake refused: 401 Unauthorized: token signature is invalid"] != 2 {
		t.Fatalf("wrong secret: %+v", sum)
	}
	// Straight to the server (the secret still from the environment): it
	// checks the tokens itself.
	sum = runOK(t, opts(t, "-url", srv.URL, "-scenario", "idle", "-clients", "3", "-duration", "50ms", "-ramp", "10ms"))
	if sum.Connected != 3 {
		t.Fatalf("to the server: %+v", sum)
	}
}
