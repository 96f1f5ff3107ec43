package ctrl

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"chatroom/config"
)

// How many connections the server takes: in total (MaxConns), from one
// address (MaxConnsPerIP), and not yet upgraded (ConnState).

// DefaultMaxConns is the connection limit when -max-conns is 0: the
// process's open-file limit (which Go raises to the hard limit at start)
// less config.FDReserve, or half of it when that is more, so that the
// server refuses with 503 before accept fails.
func DefaultMaxConns() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return 1 << 20
	}
	return max(int(lim.Cur)-config.FDReserve, int(lim.Cur)/2)
}

// slots counts chat connections against MaxConns (0: no limit) and, through
// the address table, MaxConnsPerIP, from their handshake on.
type slots struct {
	max   int
	addrs *addrTable

	mu    sync.Mutex
	total int
}

func newSlots(max int, addrs *addrTable) slots {
	return slots{max: max, addrs: addrs}
}

// take counts a connection from ip, or says why it cannot.
func (s *slots) take(ip netip.Addr) *refused {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.max > 0 && s.total >= s.max {
		return refuse(refuseFull, config.RefuseServerFull)
	}
	if !s.addrs.takeChat(ip) {
		return refuse(refusePerIP, config.RefuseTooManyFromIP)
	}
	s.total++
	return nil
}

// free gives back a slot that take counted.
func (s *slots) free(ip netip.Addr) {
	s.mu.Lock()
	s.total--
	s.mu.Unlock()
	s.addrs.freeChat(ip)
}

// clientIP is the address the connection comes from (a proxy's, behind
// one), as counted by the per-address limits: an IPv6 client is its /64,
// the block one customer usually has. The zero Addr when RemoteAddr is not
// ip:port.
func clientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return addrKey(ap.Addr())
}

// ConnState returns the http.Server.ConnState hook that bounds the files
// that connections not yet upgraded hold (a TLS handshake, request headers
// on their way, plain HTTP requests): past MaxConns + config.FDReserve/2,
// counting the chat's own connections, a new one is dropped at once
// (drop: a 503 in words on plain TCP, counted, logged). It runs in the
// accept loop, so it does not wait for the client. Per address, the
// listener (Listener) has bounded them before.
func (s *Server) ConnState() func(net.Conn, http.ConnState) {
	limit := int64(s.cfg.MaxConns + config.FDReserve/2)
	var pending atomic.Int64
	return func(c net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			if pending.Add(1)+s.Connections() > limit {
				_, isTLS := c.(*tls.Conn)
				s.drop(c, addrOf(c.RemoteAddr()), dropPending, !isTLS) // net/http then reports StateClosed
			}
		case http.StateHijacked, http.StateClosed:
			pending.Add(-1)
		}
	}
}
