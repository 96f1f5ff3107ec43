package session

// Dialing the server: the handshake (name, token, rooms) and the errors a
// connection can end with.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// Errors a session reports.
var (
	ErrNotConnected = errors.New("not connected")
	ErrNoHeartbeat  = errors.New("no heartbeat from the server")
)

// RefusedError is the server refusing the handshake (400, 409, 503...).
type RefusedError struct {
	Status int
	Reason string // the server's plain-text reason
}

func (e *RefusedError) Error() string { return fmt.Sprintf("refused (%d): %s", e.Status, e.Reason) }

// NameTaken reports whether the server refused because the name is online.
func (e *RefusedError) NameTaken() bool { return e.Status == http.StatusConflict }

// UnreachableError is a server that could not be reached at all.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return "server unreachable: " + e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// ClosedError is the server closing the connection with a close frame.
type ClosedError struct {
	Code   int
	Reason string
}

func (e *ClosedError) Error() string {
	return fmt.Sprintf("closed by the server (%d): %s", e.Code, e.Reason)
}

func (s *Session) dial(ctx context.Context) (*websocket.Conn, error) {
	h := http.Header{}
	for k, v := range s.cfg.Header {
		h[k] = v
	}
	if name := s.Name(); name != "" {
		h.Set("username", name)
	}
	if s.cfg.Token != "" {
		h.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	d := websocket.Dialer{
		HandshakeTimeout: s.cfg.WriteTimeout,
		TLSClientConfig:  s.cfg.TLS,
		Proxy:            http.ProxyFromEnvironment,
		Subprotocols:     []string{model.SubprotocolBatch}, // several messages per frame, when the server offers it
	}
	u, err := s.handshakeURL()
	if err != nil {
		return nil, err
	}
	ws, resp, err := d.DialContext(ctx, u, h)
	if err == nil {
		return ws, nil
	}
	if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		reason := strings.TrimSpace(string(body))
		if reason == "" {
			reason = http.StatusText(resp.StatusCode)
		}
		return nil, &RefusedError{Status: resp.StatusCode, Reason: reason}
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) || isDNS(err) {
		return nil, &UnreachableError{Err: err}
	}
	return nil, err
}

func isDNS(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr)
}
