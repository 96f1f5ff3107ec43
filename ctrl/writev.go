package ctrl

import (
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"chatroom/service"
)

// copyLimit is the longest piece of a write that gather may copy.
const copyLimit = 512

// gather collects the bytes of one write: references to the shared frames,
// or, when they are many (a long queue, a user list in many chunks), copies
// of the small ones in one buffer. The socket keeps the largest iovec array
// it was ever given for the connection's life (internal/poll), so this
// bounds what a write leaves behind; copying a few dozen short frames costs
// less than the kernel's handling of as many iovecs.
type gather struct {
	buf   []byte // copies; sized up front, never moved once sliced into bufs
	bufs  net.Buffers
	start int  // where buf's run not yet in bufs starts
	copy  bool // copy small pieces
}

// maxRefs is how many pieces a write references before it copies instead.
const maxRefs = 32

// reset empties g for a write of batch plus two control frames.
func (g *gather) reset(batch []*service.Frame) {
	pieces := 3 // a pong, a ping, a batch header
	for _, f := range batch {
		pieces += 1 + len(f.More)
	}
	g.copy = pieces > maxRefs
	if g.copy {
		n := 2 * 140
		for _, f := range batch {
			n += 10 + min(max(len(f.Alone), len(f.InBatch)), copyLimit)
			for _, m := range f.More {
				if len(m) <= copyLimit {
					n += len(m)
				}
			}
		}
		if cap(g.buf) < n {
			g.buf = make([]byte, 0, n)
		}
	}
	g.buf, g.start = g.buf[:0], 0
	clear(g.bufs[:cap(g.bufs)]) // drop references to earlier frames
	g.bufs = g.bufs[:0]
}

func (g *gather) add(p []byte) {
	if g.copy && len(p) <= copyLimit && len(g.buf)+len(p) <= cap(g.buf) {
		g.buf = append(g.buf, p...)
		return
	}
	g.flush()
	g.bufs = append(g.bufs, p)
}

// addHeader adds the header of a batch frame of n payload bytes.
func (g *gather) addHeader(n int) {
	var h [10]byte
	g.add(appendBatchHeader(h[:0], n))
}

// buffers returns what was gathered, to write.
func (g *gather) buffers() net.Buffers {
	g.flush()
	return g.bufs
}

func (g *gather) flush() {
	if len(g.buf) > g.start {
		g.bufs = append(g.bufs, g.buf[g.start:len(g.buf):len(g.buf)])
		g.start = len(g.buf)
	}
}

// sockConn is the socket under a websocket.Conn. The write pump writes
// whole frames through writeBuffers; gorilla writes its control frames
// (close, and replies to protocol errors) through Write. The mutex keeps
// every frame whole when both happen at once.
type sockConn struct {
	net.Conn
	mu sync.Mutex
}

func (s *sockConn) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Conn.Write(p)
}

// writeBuffers writes bufs in one writev, under one deadline. Over TLS,
// where there is no writev (each piece would be a record and a system call
// of its own), the pieces are joined and written at once.
func (s *sockConn) writeBuffers(bufs net.Buffers, deadline time.Time) error {
	if len(bufs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.Conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	if _, isTLS := s.Conn.(*tls.Conn); isTLS && len(bufs) > 1 {
		n := 0
		for _, b := range bufs {
			n += len(b)
		}
		joined := make([]byte, 0, n)
		for _, b := range bufs {
			joined = append(joined, b...)
		}
		_, err := s.Conn.Write(joined)
		return err
	}
	_, err := bufs.WriteTo(s.Conn)
	return err
}

// checkWritev warns, once, when the sockets come wrapped (by a listener
// wrapper, say) so that the write pumps cannot use writev: every frame would
// then be a system call of its own, several times slower under load. TLS
// connections never have writev; writeBuffers joins their pieces instead.
func (s *Server) checkWritev(nc net.Conn) {
	if _, ok := nc.(syscall.Conn); ok {
		return
	}
	if _, ok := nc.(*tls.Conn); ok {
		return
	}
	s.noWritev.Do(func() {
		s.log.WithField("conn_type", fmt.Sprintf("%T", nc)).Warn("connections are wrapped: writes lose writev (one system call per frame); give the server a listener that returns *net.TCPConn")
	})
}
