package ctrl

import (
	"net/netip"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/poll"
)

// An address's connections of any kind are capped at MaxConnsPerIP +
// config.PendingPerIP, its chat connections at MaxConnsPerIP, and both
// come back when the connections close.
func TestAddrTableCounts(t *testing.T) {
	cfg := config.DefaultServer()
	cfg.MaxConnsPerIP = 2
	tab := newAddrTable(cfg)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for i := range 2 + config.PendingPerIP {
		if tab.accept(a) != "" {
			t.Fatalf("connection %d refused", i+1)
		}
	}
	if got := tab.accept(a); got != dropPerIP {
		t.Fatalf("one connection too many: %q, want %q", got, dropPerIP)
	}
	if tab.accept(b) != "" {
		t.Fatal("another address refused")
	}
	if !tab.takeChat(a) || !tab.takeChat(a) || tab.takeChat(a) {
		t.Fatal("not exactly 2 chat connections")
	}
	tab.freeChat(a)
	tab.closed(a)
	if !tab.takeChat(a) || tab.accept(a) != "" {
		t.Fatal("what closed did not come back")
	}
}

// Connections of any kind from every address together are capped at
// MaxConns + config.FDReserve/2, and come back when they close.
func TestAddrTableCapsTheTotal(t *testing.T) {
	cfg := config.DefaultServer()
	cfg.MaxConns, cfg.MaxConnsPerIP = 4, 0
	tab := newAddrTable(cfg)
	total := cfg.MaxConns + config.FDReserve/2
	addr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{192, 0, 2, byte(i % 200)}) }
	for i := range total {
		if got := tab.accept(addr(i)); got != "" {
			t.Fatalf("connection %d of %d: %q", i+1, total, got)
		}
	}
	if got := tab.accept(addr(total)); got != dropPending {
		t.Fatalf("connection %d: %q, want %q", total+1, got, dropPending)
	}
	tab.closed(addr(0))
	if got := tab.accept(addr(total)); got != "" {
		t.Fatalf("after one closed: %q", got)
	}
}

// The table forgets an address once it has no connection and its buckets
// are full again: a stream of new addresses leaves it small.
func TestAddrTableIsBounded(t *testing.T) {
	cfg := config.DefaultServer()
	cfg.JoinRatePerIP, cfg.JoinBurstPerIP = 1000, 1 // full again within a millisecond
	tab := newAddrTable(cfg)
	next := netip.MustParseAddr("10.0.0.1")
	newAddr := func() netip.Addr { a := next; next = next.Next(); return a }
	for range 1000 {
		ip := newAddr()
		tab.accept(ip)
		tab.join(ip)
		tab.closed(ip)
	}
	if n := tab.size(); n == 0 || n > 1000 {
		t.Fatalf("%d addresses remembered after 1000 joins", n)
	}
	// A connection that closes with full buckets goes at once; the others
	// go at the next sweep, which a new address starts.
	poll.CheckFor(t, 5*time.Second, 50*time.Millisecond, func() error {
		ip := newAddr()
		tab.accept(ip)
		tab.closed(ip)
		return poll.Check(tab.size() == 0, "the table to forget idle addresses (%d left)", tab.size())
	})
}

// An IPv6 client is its /64; an IPv4-mapped address is the IPv4 one.
func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"192.0.2.7":            "192.0.2.7",
	} {
		if got := addrKey(netip.MustParseAddr(in)); got.String() != want {
			t.Errorf("addrKey(%s) = %s, want %s", in, got, want)
		}
	}
}
