package ctrl

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/model"
)

// readBufferSize is each connection's read buffer (chat messages are small).
const readBufferSize = 512

// upgrade switches an admitted handshake to WebSocket and returns its
// connection, or nil when the upgrade failed (logged and counted; the
// caller gives back the name and the slot).
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, in admission, ip netip.Addr) *conn {
	name := in.name
	var sock *sockConn
	var meter *frameMeter
	var br *bufio.Reader
	earlyData := false
	ws, err := s.upgrader.Upgrade(hijacker{w, func(nc net.Conn, brw *bufio.ReadWriter) (net.Conn, *bufio.ReadWriter) {
		sock = &sockConn{Conn: nc}
		s.checkWritev(nc)
		if brw.Reader.Buffered() > 0 {
			earlyData = true
			s.refuseEarlyData(sock)
			return sock, brw
		}
		// net/http's 4 KiB reader goes: a small one on the bare socket
		// serves chat messages, and idle connections hold less. gorilla
		// resets it to read from the conn returned, which reads through
		// the frame meter (framemeter.go).
		meter = newFrameMeter(sock)
		br = bufio.NewReaderSize(sock, readBufferSize)
		return meteredConn{sock, meter}, bufio.NewReadWriter(br, brw.Writer)
	}}, r, nil)
	if err != nil {
		if earlyData {
			s.stats.refused(refuseBadRequest)
		} else {
			s.stats.handshakes[hsUpgradeFailed].Add(1)
		}
		logSampled(s.log, s.logs.refusals, ip, logrus.Fields{"remote": s.remote(r), "username": clip(name), "error": err}, "upgrade failed")
		return nil
	}
	c := &conn{
		s:        s,
		ws:       ws,
		sock:     sock,
		meter:    meter,
		ready:    newReadiness(sock.Conn, br, meteredConn{sock, meter}),
		name:     name,
		batched:  ws.Subprotocol() == model.SubprotocolBatch,
		remote:   s.remote(r),
		ip:       ip,
		wake:     make(chan struct{}, 1),
		pumpDone: make(chan struct{}),
	}
	meter.charger = c
	return c
}

// refuseEarlyData answers a client that sent frames before the handshake's
// answer (RFC 6455, 4.1 forbids it). The upgrader then closes the
// connection without a word; this says why first.
func (s *Server) refuseEarlyData(sock *sockConn) {
	sock.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	io.WriteString(sock, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"+config.RefuseEarlyData+"\n")
}

// hijacker lets the upgrader take the connection wrapped in a sockConn.
type hijacker struct {
	http.ResponseWriter
	wrap func(net.Conn, *bufio.ReadWriter) (net.Conn, *bufio.ReadWriter)
}

func (h hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("response does not implement http.Hijacker")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	nc, brw = h.wrap(nc, brw)
	return nc, brw, nil
}
