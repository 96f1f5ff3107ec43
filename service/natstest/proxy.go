package natstest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is one chat node's link to NATS: a loopback TCP forwarder that a
// test can cut, as a network partition between that node and NATS would,
// while NATS and the other nodes go on.
type Proxy struct {
	t      testing.TB
	target string // host:port of the NATS server
	ln     net.Listener
	wg     sync.WaitGroup // the accept loop and every forwarding goroutine

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{} // both ends of every forwarded connection
}

// NewProxy forwards a loopback port to the NATS server at natsURL until the
// test ends.
func NewProxy(t testing.TB, natsURL string) *Proxy {
	t.Helper()
	u, err := url.Parse(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{t: t, target: u.Host, ln: ln, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
		p.wg.Wait()
	})
	return p
}

// URL is the NATS URL to give the node behind the link.
func (p *Proxy) URL() string { return "nats://" + p.ln.Addr().String() }

// Cut drops every connection through the link and refuses new ones until
// Restore: the node's client sees its connection go and its reconnects fail.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
}

// Restore lets connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return // the listener closed at the test's end
		}
		p.mu.Lock()
		cut := p.cut
		p.mu.Unlock()
		if cut {
			in.Close()
			continue
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close() // NATS itself is down: the node sees that
			continue
		}
		p.mu.Lock()
		if p.cut { // cut while dialling
			p.mu.Unlock()
			in.Close()
			out.Close()
			continue
		}
		p.conns[in], p.conns[out] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.forward(in, out)
		go p.forward(out, in)
	}
}

// forward copies src to dst until either end fails, then closes both.
func (p *Proxy) forward(dst, src net.Conn) {
	defer p.wg.Done()
	io.Copy(dst, src)
	p.mu.Lock()
	delete(p.conns, src)
	delete(p.conns, dst)
	p.mu.Unlock()
	src.Close()
	dst.Close()
}
