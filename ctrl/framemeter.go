package ctrl

import (
	"encoding/binary"
	"errors"
	"io"
)

// This file owns the frame meter: it sees every WebSocket frame a client
// sends, so that the frames gorilla/websocket handles on its own can be
// charged to the connection.
//
// gorilla handles pings, pongs and continuation frames inside NextReader
// and its message reader: a run of pings, or of zero-length non-final
// continuation frames, loops there and never returns to the read pump,
// which therefore cannot charge them. The meter sits between the socket
// and gorilla's read buffer (upgrade.go) and parses the frame headers in
// the bytes as they pass: a header costs a few byte operations, a payload
// one subtraction, whatever its length, so the hot path stays cheap. It
// tells its charger of every ping, pong and continuation frame (the first
// frame of a data message is charged by the read pump, once per message; a
// close frame ends the connection anyway).
//
// The meter only counts: gorilla still parses and checks every frame
// (masks, lengths, opcodes), and fails the connection on a bad one. Once
// stopped (the connection is closing as a flood), it fails every read, so
// that gorilla's loops end at once instead of handling the flood until the
// close grace period is over. And once the server has sent its close frame,
// the meter alone reads what is left (drainToClose): up to the peer's close
// frame, and no more than maxDrainFrames, uncharged but never free.

// maxDrainFrames is how many frames a client may send after the server's
// close frame before its own: a client closing as it should sends one, or
// a few already on their way. Past it the socket is closed.

// WebSocket opcodes the meter tells apart (RFC 6455, 5.2).
const (
	opContinuation = 0x0
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// errFlooding is the read error of a stopped meter.
var errFlooding = errors.New("closed for flooding with control frames or fragments")

// A frameCharger pays for the frames gorilla handles alone.
type frameCharger interface {
	// chargeFrame is called for each ping, pong and continuation frame,
	// as its header passes.
	chargeFrame()
}

// frameMeter is an io.Reader that passes a client's bytes through and
// parses the frame headers in them. It is read by one goroutine at a time
// (the read pump's), which is also the only one to call stop.
type frameMeter struct {
	r       io.Reader
	charger frameCharger
	hdr     [14]byte
	have    int    // header bytes in hdr so far
	skip    uint64 // payload bytes of the current frame still to pass
	frames  int    // headers seen
	closed  bool   // a close frame's header was seen
	stopped bool   // every read fails with errFlooding
}

func newFrameMeter(r io.Reader) *frameMeter { return &frameMeter{r: r} }

// atBoundary reports whether the bytes passed so far end with a whole
// frame, and the meter is not stopped: the next byte starts a header.
func (m *frameMeter) atBoundary() bool { return m.have == 0 && m.skip == 0 && !m.stopped }

// stop makes every later read fail with errFlooding.
func (m *frameMeter) stop() { m.stopped = true }

// Read reads from the socket and parses what it got.
func (m *frameMeter) Read(p []byte) (int, error) {
	if m.stopped {
		return 0, errFlooding
	}
	n, err := m.r.Read(p)
	m.scan(p[:n])
	return n, err
}

// maxDrainFrames bounds drainToClose (see the file's comment).
const maxDrainFrames = 64

// drainToClose reads and drops what the peer sends after the server's
// close frame, following the frame headers, until the peer's close frame
// has passed, maxDrainFrames frames have, or a read fails (the peer
// closed, or the close grace period is over). Reading on keeps the
// server's close frame from being reset away; nothing of it reaches
// gorilla. A close already read into gorilla's buffer has passed too.
func (m *frameMeter) drainToClose() {
	m.charger = nil
	last := m.frames + maxDrainFrames
	buf := make([]byte, 512)
	for !m.closed && m.frames < last {
		n, err := m.r.Read(buf)
		m.scan(buf[:n])
		if err != nil {
			return
		}
	}
}

// scan follows the frames through b: it skips payloads and collects
// headers, calling extra when a header is complete.
func (m *frameMeter) scan(b []byte) {
	for len(b) > 0 {
		if m.skip > 0 {
			k := uint64(len(b))
			if k > m.skip {
				k = m.skip
			}
			m.skip -= k
			b = b[k:]
			continue
		}
		k := copy(m.hdr[m.have:m.headerLen()], b)
		m.have += k
		b = b[k:]
		if m.have < m.headerLen() {
			continue // the length byte may have made the header longer
		}
		m.frameDone()
	}
}

// headerLen is the length of the header being collected: 2 until its
// second byte is in, then 2 plus the extended length plus the mask key.
func (m *frameMeter) headerLen() int {
	if m.have < 2 {
		return 2
	}
	n := 2
	switch m.hdr[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if m.hdr[1]&0x80 != 0 {
		n += 4
	}
	return n
}

// frameDone handles a complete header: it charges the frame if it is one
// gorilla handles alone, and skips its payload. The charger may stop the
// meter: the bytes already read still go to gorilla.
func (m *frameMeter) frameDone() {
	m.frames++
	switch m.hdr[0] & 0x0f {
	case opContinuation, opPing, opPong:
		if m.charger != nil {
			m.charger.chargeFrame()
		}
	case opClose:
		m.closed = true
	}
	switch n := m.hdr[1] & 0x7f; n {
	case 126:
		m.skip = uint64(binary.BigEndian.Uint16(m.hdr[2:4]))
	case 127:
		// gorilla refuses a length with the top bit set; skipping a
		// huge payload meanwhile costs nothing.
		m.skip = binary.BigEndian.Uint64(m.hdr[2:10])
	default:
		m.skip = uint64(n)
	}
	m.have = 0
}

// meteredConn is the socket as gorilla sees it: its reads go through the
// meter; its writes are sockConn's.
type meteredConn struct {
	*sockConn
	meter *frameMeter
}

func (mc meteredConn) Read(p []byte) (int, error) { return mc.meter.Read(p) }

// chargeFrame charges a ping, pong or continuation frame to the connection
// (its frameCharger): every FramesPerToken of them take one token of its
// bucket, as one data frame does. A refused token is a refused frame
// (rateLimited: an error reply and a strike), so a flood of them is closed
// with 1008 like a talk flood, and the meter stops. A legitimate client is
// far from it: at the defaults a pong every 25 s costs a token every
// 400 s, and a 64 KiB message in 4 KiB fragments one token more.
func (c *conn) chargeFrame() {
	per := c.s.cfg.FramesPerToken
	if per <= 0 || c.meter.stopped {
		return
	}
	if c.extraFrames++; c.extraFrames < per {
		return
	}
	c.extraFrames = 0
	if !c.allow() && !c.rateLimited() {
		c.meter.stop()
	}
}
