// Package faultnet is a loopback TCP proxy that tests break on purpose: the
// network between a client and the chat server, or between a chat node and
// NATS, reset, partitioned, or gone silent without a FIN.
package faultnet

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy forwards the connections made to Addr to a target address until
// the test ends.
type Proxy struct {
	ln     net.Listener
	target string
	stop   chan struct{} // closed at the test's end: frozen pipes let go
	wg     sync.WaitGroup
	frozen atomic.Bool

	mu      sync.Mutex
	refused bool                  // Partition: new connections are closed at once
	conns   map[net.Conn]struct{} // both ends of every forwarded connection
}

// New forwards a loopback port to target (host:port).
func New(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, stop: make(chan struct{}), conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		close(p.stop)
		ln.Close()
		p.closeAll()
		p.wg.Wait()
	})
	return p
}

// Addr is the address to dial instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes the connections open now, as a network that resets them
// would; new ones are forwarded as before.
func (p *Proxy) Cut() { p.closeAll() }

// Partition cuts the connections open now and closes new ones at once
// until Heal: whoever is behind the proxy cannot reach the target.
func (p *Proxy) Partition() {
	p.mu.Lock()
	p.refused = true
	p.mu.Unlock()
	p.closeAll()
}

// Heal ends a Partition.
func (p *Proxy) Heal() {
	p.mu.Lock()
	p.refused = false
	p.mu.Unlock()
}

// Freeze stops forwarding in both directions and keeps every socket open,
// for good: a peer that vanished without a FIN (a cable pulled, a laptop
// lid closed, a NAT entry dropped).
func (p *Proxy) Freeze() {
	p.frozen.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.SetReadDeadline(time.Now()) // wakes the pipes, which then stop
	}
}

func (p *Proxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return // the listener closed at the test's end
		}
		p.mu.Lock()
		refused := p.refused
		p.mu.Unlock()
		if refused {
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close() // the target is down: the peer sees a close
			continue
		}
		p.mu.Lock()
		if p.refused { // partitioned while dialling
			p.mu.Unlock()
			in.Close()
			out.Close()
			continue
		}
		p.conns[in], p.conns[out] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(out, in)
		go p.pipe(in, out)
	}
}

// pipe copies src to dst. When either end fails it closes both; once the
// proxy is frozen it forwards nothing more and holds both open until the
// test ends.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for !p.frozen.Load() {
		n, err := src.Read(buf)
		if n > 0 && !p.frozen.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if err != nil {
			if p.frozen.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			p.mu.Lock()
			delete(p.conns, src)
			delete(p.conns, dst)
			p.mu.Unlock()
			src.Close()
			dst.Close()
			return
		}
	}
	<-p.stop
}
