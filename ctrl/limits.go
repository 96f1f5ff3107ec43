package ctrl

import (
	"net/http"
	"net/netip"
	"sync"
	"syscall"

	"chatroom/config"
)

// How many chat connections the server takes: in total (MaxConns) and from
// one address (MaxConnsPerIP). Connections of any kind are counted from
// accept, per address and in all, by the listener (listener.go, addrs.go).

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

// clientIP is the address the request comes from, as the per-address
// limits count it and address bans compare it: the TCP peer, or, when
// the peer is a trusted proxy, the client its headers name (proxies.go).
// An IPv6 client is its /64, the block one customer usually has. The zero
// Addr when RemoteAddr is not ip:port.
func (s *Server) clientIP(r *http.Request) netip.Addr { return s.proxies.clientIP(r) }

// remote is where the request comes from, as logged (the "remote" field):
// the peer's ip:port, or "CLIENT via PROXY-IP:PORT" for a client a trusted
// proxy forwarded.
func (s *Server) remote(r *http.Request) string { return s.proxies.remote(r) }
