package ctrl

import (
	"bufio"
	"io"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// Idle connections read on a small goroutine. A read pump blocked inside
// gorilla's NextReader holds the whole chain of its frames (NextReader,
// advanceFrame, bufio, the frame meter, the socket's Read), and a goroutine
// that has once handled a frame has grown its stack to 4 or 8 KiB, which
// the runtime never shrinks back to its 2 KiB minimum (it shrinks a stack
// only to keep at least four times what is in use, plus its guard). At
// 15,000 idle connections that was a third of what a connection cost.
// So the read pump runs in bursts: a goroutine reads and handles frames
// while gorilla's buffer holds some; when it is empty, that goroutine ends
// and a fresh one (started at the runtime's small initial size) waits in
// the runtime's poller, a few frames deep, for the socket to become
// readable; then it takes a ping or pong itself, or starts the next burst
// on a fresh goroutine, and ends.
// The wait reads nothing: a non-blocking MSG_PEEK of one byte says whether
// data (or the end of the stream, or an error) is there, and gorilla's
// read that follows finds out which, with the read deadline in force
// throughout. While it waits, gorilla's read buffer is swapped for a
// minimal one (its bytes are all read: there is nothing to keep), and the
// full one is made again when the burst starts. Over TLS (whose reader may
// hold a decrypted record the socket no longer shows) the read pump stays
// one goroutine.

// readiness waits for a plain TCP socket's readability; its raw is nil
// over TLS.
type readiness struct {
	raw syscall.RawConn
	br  *bufio.Reader // gorilla's read buffer, which may hold the next frame
	src io.Reader     // what br reads from
}

// idleBufferSize is the read buffer of a connection that waits: bufio's
// smallest.
const idleBufferSize = 16

// newReadiness returns the readiness wait for nc read through br, or a
// zero readiness (no wait) when nc is not a plain socket.
func newReadiness(nc net.Conn, br *bufio.Reader, src io.Reader) readiness {
	type syscallConn interface {
		SyscallConn() (syscall.RawConn, error)
	}
	if sc, ok := nc.(syscallConn); ok && br != nil {
		if raw, err := sc.SyscallConn(); err == nil {
			return readiness{raw: raw, br: br, src: src}
		}
	}
	return readiness{}
}

// idle reports whether the read pump should hand over to a waiter: the
// socket can be waited on and gorilla's buffer holds nothing.
func (r readiness) idle() bool { return r.raw != nil && r.br.Buffered() == 0 }

// shrink swaps gorilla's empty read buffer for a minimal one, and grow
// swaps it back: gorilla keeps a pointer to the bufio.Reader, whose value
// is replaced. Both run only on the goroutine that reads, between frames.
func (r readiness) shrink() {
	if r.br.Size() != idleBufferSize {
		*r.br = *bufio.NewReaderSize(r.src, idleBufferSize)
	}
}

func (r readiness) grow() {
	if r.br.Size() != readBufferSize {
		*r.br = *bufio.NewReaderSize(r.src, readBufferSize)
	}
}

// wait returns once the socket has something to read, or the read
// deadline has passed, or it is closed. Its errors are left to the read
// that follows, which meets them again and reports them as it always did.
func (r readiness) wait() { r.raw.Read(peekReady) }

// peekReady reports whether fd can be read without blocking: false makes
// the runtime park the goroutine until the poller says it is readable.
func peekReady(fd uintptr) bool {
	var b [1]byte
	_, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	return err != unix.EAGAIN && err != unix.EINTR
}

// waitThenRead is an idle connection's only goroutine: it waits for the
// next frame, then hands the reading to a fresh goroutine and ends. A pong
// (every idle client's answer to the server's pings) or a ping (the
// desktop client's heartbeat) it takes itself, as gorilla would
// (controlFrame), and leaves the next wait to a fresh goroutine, so that
// no stack grown on the way stays.
func (c *conn) waitThenRead() {
	c.ready.shrink()
	c.ready.wait()
	if c.takeControl() {
		go c.waitThenRead()
		return
	}
	c.ready.grow()
	go c.readBurst()
}

// takeControl reads the complete, well-formed, masked ping and pong frames
// (up to controlRun bytes of them) from the socket if that is what comes
// next and gorilla is between frames (its buffer empty, the meter at a
// frame boundary), and does what the handlers gorilla would call do
// (setHandlers): a pong extends the read deadline; a ping does too, and
// has the write pump answer it. Each frame passes the meter like any
// other, so it is charged as before. Anything
// else is left to gorilla, which checks it and fails the connection if it
// is bad; a ping or pong gorilla reads (one split across reads, say) keeps
// the read pump in gorilla until the next data frame.
func (c *conn) takeControl() bool {
	if !c.ready.idle() || !c.meter.atBoundary() {
		return false
	}
	b := make([]byte, controlRun)
	n, ok := 0, false
	c.ready.raw.Read(func(fd uintptr) bool {
		got, _, err := unix.Recvfrom(int(fd), b, unix.MSG_PEEK|unix.MSG_DONTWAIT)
		if n = controlRunLen(b[:max(got, 0)]); err != nil || n == 0 {
			return true
		}
		got, _, err = unix.Recvfrom(int(fd), b[:n], unix.MSG_DONTWAIT)
		ok = err == nil && got == n // what was peeked is there to read
		return true
	})
	if !ok {
		return false
	}
	var ping []byte
	for f := b[:n]; len(f) > 0 && !c.meter.stopped; {
		k := controlFrame(f)
		c.meter.scan(f[:k])
		if f[0]&0x0f == opPing {
			ping = unmask(f[2:6], f[6:k])
		}
		f = f[k:]
	}
	if ping != nil {
		c.pinged(ping) // one pong answers the last, as gorilla's handler does
	} else {
		c.extendRead()
	}
	return true
}

// controlRun is the most bytes of pings and pongs the idle wait takes at
// once: a flood of them is read about as fast as gorilla reads it (its
// buffer's size), so that the flood is found, and the connection closed
// with its close handshake, before the socket holds much more of it.
const controlRun = readBufferSize

// controlRunLen returns the length of the run of whole ping and pong
// frames b starts with (0: none).
func controlRunLen(b []byte) int {
	n := 0
	for {
		k := controlFrame(b[n:])
		if k == 0 {
			return n
		}
		n += k
	}
}

// controlFrame returns the length of the ping or pong frame b starts
// with: final, no extension bits, masked, its payload within the control
// frame limit and all in b; 0 if b does not start with one.
func controlFrame(b []byte) int {
	if len(b) < 6 || (b[0] != 0x80|opPong && b[0] != 0x80|opPing) || b[1]&0x80 == 0 || b[1]&0x7f > 125 {
		return 0
	}
	if n := 6 + int(b[1]&0x7f); n <= len(b) {
		return n
	}
	return 0
}

// unmask returns a copy of a client frame's payload p, unmasked with key.
func unmask(key, p []byte) []byte {
	out := make([]byte, len(p))
	for i := range p {
		out[i] = p[i] ^ key[i%4]
	}
	return out
}
