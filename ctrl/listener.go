package ctrl

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
)

// The per-address connection limit from accept: every TCP connection is
// counted against its address (addrs.go) from the moment it is accepted
// until it is closed, whatever it becomes (a chat connection, plain HTTP,
// an idle keep-alive, a handshake that never finishes), and one past the
// address's limit is dropped at once. A trusted proxy's connections
// (-trusted-proxies) count only in the server's total: they carry many
// clients, whose addresses are known only once a request names them. Dropped connections are counted in
// chatroom_connections_dropped_total and logged, sampled per address.

// Why a connection was dropped when accepted (the reason label of
// chatroom_connections_dropped_total).
const (
	dropPerIP   = "per_ip_limit"  // its address holds MaxConnsPerIP + config.PendingPerIP connections
	dropPending = "pending_limit" // MaxConns + config.FDReserve/2 connections are open
)

func dropReasons() []string { return []string{dropPerIP, dropPending} }

// dropWriteTimeout bounds the write of a dropped connection's 503: it runs
// in the accept loop. A fresh socket's buffer takes it at once.
const dropWriteTimeout = 10 * time.Millisecond

// Listener wraps ln, a TCP listener, so that its connections count against
// their address from accept (the per-address limit: MaxConnsPerIP +
// config.PendingPerIP). Put it under any TLS listener, and say so with
// tlsAbove: a connection dropped then is closed without a word, since it
// expects a TLS handshake. Its connections are still *net.TCPConn
// underneath (embedded), so the write pumps keep writev.
func (s *Server) Listener(ln net.Listener, tlsAbove bool) net.Listener {
	return &addrListener{Listener: ln, s: s, plain: !tlsAbove}
}

type addrListener struct {
	net.Listener
	s     *Server
	plain bool
}

// Accept returns the next connection its address may open, dropping those
// over the limit on the way.
func (l *addrListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc, ok := c.(*net.TCPConn)
		if !ok {
			return c, nil
		}
		ip := addrOf(tc.RemoteAddr())
		proxy := l.s.proxies.trustsPeer(tc.RemoteAddr())
		var reason string
		if proxy {
			reason = l.s.addrs.acceptProxy()
		} else {
			reason = l.s.addrs.accept(ip)
		}
		if reason == "" {
			return &countedConn{TCPConn: tc, addrs: l.s.addrs, proxy: proxy}, nil
		}
		l.s.drop(tc, ip, reason, l.plain)
	}
}

// countedConn is an accepted connection, counted against its address
// until it is closed (a trusted proxy's only in the server's total). It
// finds its address again when it closes rather than keep it: every open
// connection holds one, idle ones included.
type countedConn struct {
	*net.TCPConn
	addrs  *addrTable
	closed atomic.Bool
	proxy  bool // from a trusted proxy: acceptProxy counted it
}

func (c *countedConn) Close() error {
	if !c.closed.Swap(true) {
		if c.proxy {
			c.addrs.closedProxy()
		} else {
			c.addrs.closed(addrOf(c.RemoteAddr()))
		}
	}
	return c.TCPConn.Close()
}

// drop closes a connection the server will not serve, counted under
// reason and logged (a few lines per address a minute). On plain TCP it
// first writes a 503 with the reason in words, so that a client learns
// why; under TLS it just closes.
func (s *Server) drop(c net.Conn, ip netip.Addr, reason string, plain bool) {
	s.stats.dropped[reason].Add(1)
	text := config.RefuseServerFull
	if reason == dropPerIP {
		text = config.RefuseTooManyFromIP
	}
	if plain {
		c.SetWriteDeadline(time.Now().Add(dropWriteTimeout))
		io.WriteString(c, fmt.Sprintf("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s\n", len(text)+1, text))
	}
	c.Close()
	if ok, suppressed := s.logs.drops.allow(ip, time.Now()); ok {
		s.log.WithFields(logrus.Fields{"remote": c.RemoteAddr().String(), "reason": reason, "suppressed": suppressed}).Warn("connection dropped")
	}
}
