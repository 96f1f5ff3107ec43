package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"chatroom/config"
	"chatroom/model"
)

// readLoop parses server frames in place, without allocating per frame,
// until the connection closes. It returns nil after a normal close.
func (us *user) readLoop() error {
	var p, scratch []byte // a frame's payload; scratch holds one too long to peek at
	var msg fragments
	var now int64 // when the bytes being parsed were read
	var err error
	var hdr [10]byte // a frame's header, then its extended length: declared once, as it escapes (io.Reader)
	for {
		// Frames that came in with one read arrived together: the clock
		// is read once per read from the socket, not per frame (reading
		// it costs more here than parsing a frame).
		if us.br.Buffered() < 2 {
			now = 0
		}
		if _, err = io.ReadFull(us.br, hdr[:2]); err != nil {
			return err
		}
		opcode, fin := hdr[0]&0x0f, hdr[0]&0x80 != 0
		n := uint64(hdr[1] & 0x7f)
		if n >= 126 {
			if n, now, err = us.extendedLength(n, now, hdr[2:]); err != nil {
				return err
			}
		}
		if hdr[1]&0x80 != 0 || n > 64<<20 {
			return errors.New("unexpected frame (masked or huge)")
		}
		if us.br.Buffered() < int(n) {
			now = 0
		}
		peeked := int(n) <= us.br.Size()
		if peeked {
			p, err = us.br.Peek(int(n))
		} else {
			p, err = us.readLong(&scratch, n)
		}
		if err != nil {
			return err
		}
		if now == 0 {
			now = time.Now().UnixNano()
		}
		switch opcode {
		case 0x1, 0x2, 0x0:
			if err = us.dataFrame(&msg, opcode, fin, p, now); err != nil {
				return err
			}
		case 0x8: // close: the server is done with us
			return us.closed(p)
		case 0x9:
			us.writeFrame(0xA, append([]byte(nil), p...))
		}
		if peeked {
			us.br.Discard(int(n))
		}
	}
}

// extendedLength reads the payload length that follows a frame header
// whose 7-bit length n is 126 (16 bits follow) or 127 (64 bits), into ext
// (8 bytes). now, the time the frame's bytes were read, becomes 0 if those
// had yet to arrive.
func (us *user) extendedLength(n uint64, now int64, ext []byte) (length uint64, _ int64, err error) {
	if n == 126 {
		ext = ext[:2]
	}
	if us.br.Buffered() < len(ext) {
		now = 0
	}
	if _, err := io.ReadFull(us.br, ext); err != nil {
		return 0, now, err
	}
	if n == 126 {
		return uint64(binary.BigEndian.Uint16(ext)), now, nil
	}
	return binary.BigEndian.Uint64(ext), now, nil
}

// readLong reads a payload of n bytes, too long to peek at in the reader's
// buffer, into scratch (grown as needed).
func (us *user) readLong(scratch *[]byte, n uint64) ([]byte, error) {
	if cap(*scratch) < int(n) {
		*scratch = make([]byte, n)
	}
	p := (*scratch)[:n]
	if _, err := io.ReadFull(us.br, p); err != nil {
		return nil, err
	}
	return p, nil
}

// fragments is a message that came in several frames, joined so far
// (gorilla's writers send a long message in several frames).
type fragments struct {
	message []byte
	open    bool // its final frame is still to come
}

// dataFrame handles a data frame: a whole message in place, or a
// fragment of one.
func (us *user) dataFrame(m *fragments, opcode byte, fin bool, p []byte, now int64) error {
	if fin && !m.open {
		us.frames.Add(1)
		return us.handleFrame(p, now)
	}
	return us.fragment(m, opcode, fin, p, now)
}

// fragment handles a data frame that is not a whole message: the first,
// a middle or the last frame of one.
func (us *user) fragment(m *fragments, opcode byte, fin bool, p []byte, now int64) error {
	if !m.open && opcode == 0 || m.open && opcode != 0 {
		// a continuation of nothing, or a new message inside one
		return errors.New("bad fragmentation")
	}
	m.message = append(m.message[:len(m.message)*btoi(m.open)], p...)
	m.open = !fin
	if fin {
		us.frames.Add(1)
		return us.handleFrame(m.message, now)
	}
	return nil
}

// closed answers the server's close frame (payload p): the close
// handshake. A close other than a normal one (1000) is an error.
func (us *user) closed(p []byte) error {
	code := 0
	if len(p) >= 2 {
		code = int(binary.BigEndian.Uint16(p))
	}
	us.writeFrame(0x8, p[:min(2, len(p))]) // the close handshake's answer
	if code != 1000 {
		return fmt.Errorf("closed by server: %d %s", code, p[min(2, len(p)):])
	}
	return nil
}

// handleFrame counts the messages of one data frame. An error (a
// Centrifugo refusal of connect or subscribe) ends the user.
func (us *user) handleFrame(p []byte, now int64) error {
	switch us.proto {
	case protoCentrifugo:
		return us.centrifugoFrame(p, now)
	case protoLines:
		for line := range bytes.Lines(p) {
			us.handleTalk(bytes.TrimSuffix(line, []byte("\n")), now)
		}
	case protoV2:
		for num, v, rest, ok := nextField(p); ok; num, v, rest, ok = nextField(rest) {
			if num == 1 { // ChatRoomBatch.messages
				us.handleMessage(v, now)
			}
		}
	default:
		us.handleMessage(p, now)
	}
	return nil
}

// handleMessage looks at one ChatRoomRequest's type (1) and content (3),
// and for the rooms scenario its user_name (2), seq (6) and room (7),
// without copying.
func (us *user) handleMessage(p []byte, now int64) {
	f := scanMessage(p)
	if us.held != nil {
		us.catchupMessage(f, p, now)
		return
	}
	switch string(f.typ) { // no allocation: the compiler compares in place
	case model.TypeTalk:
		if rest, ok := us.handleTalk(f.content, now); ok && us.member != nil {
			us.member.talk(rest, f.room, f.seq)
		}
	case model.TypeUserList:
		us.lists.Add(1)
	case model.TypeJoin:
		if us.member == nil || us.member.join(f.name, f.room) {
			us.joined.Store(true)
		}
	case model.TypeError:
		notSent := bytes.HasPrefix(f.content, []byte(config.ReplyNotSent))
		if notSent {
			us.refused.Add(1)
		}
		if us.member != nil {
			us.member.serverError(f.content, f.room, notSent)
		}
	}
}

// fields are the parts of a ChatRoomRequest the reader looks at, not
// copied out of the frame.
type fields struct {
	typ, name, content, room []byte
	seq                      uint64
}

// scanMessage picks the fields the reader looks at out of the protobuf
// message p, skipping the rest; what is malformed ends the scan.
func scanMessage(p []byte) (f fields) {
	for len(p) > 0 {
		num, wt, n := protowire.ConsumeTag(p)
		if n < 0 {
			return f
		}
		p = p[n:]
		switch {
		case wt == protowire.BytesType:
			v, m := protowire.ConsumeBytes(p)
			if m < 0 {
				return f
			}
			switch num {
			case 1:
				f.typ = v
			case 2:
				f.name = v
			case 3:
				f.content = v
			case 7:
				f.room = v
			}
			n = m
		case wt == protowire.VarintType && num == 6:
			f.seq, n = protowire.ConsumeVarint(p)
		default:
			n = protowire.ConsumeFieldValue(num, wt, p)
		}
		if n < 0 {
			return f
		}
		p = p[n:]
	}
	return f
}

// nextField returns the next length-delimited field of the protobuf
// message p, its number and bytes (not copied), and the rest of p; other
// fields are skipped. ok is false at the end of p or on malformed input.
func nextField(p []byte) (num protowire.Number, v, rest []byte, ok bool) {
	for len(p) > 0 {
		num, wt, n := protowire.ConsumeTag(p)
		if n < 0 {
			return 0, nil, nil, false
		}
		p = p[n:]
		if wt == protowire.BytesType {
			v, m := protowire.ConsumeBytes(p)
			if m < 0 {
				return 0, nil, nil, false
			}
			return num, v, p[m:], true
		}
		m := protowire.ConsumeFieldValue(num, wt, p)
		if m < 0 {
			return 0, nil, nil, false
		}
		p = p[m:]
	}
	return 0, nil, nil, false
}

// handleTalk counts a talk of this run and records its latency. It
// returns what follows the run's id in the content, and whether the talk
// was counted.
func (us *user) handleTalk(content []byte, now int64) (rest []byte, ok bool) {
	sp := bytes.IndexByte(content, ' ')
	if sp < 0 || len(content) < sp+1+len(us.marker) || string(content[sp+1:sp+1+len(us.marker)]) != string(us.marker) {
		return nil, false // not this run's
	}
	sentAt := parseInt(content[:sp])
	if sentAt < us.since.Load() {
		return nil, false
	}
	us.talks.Add(1)
	us.histMu.Lock()
	if us.hist == nil {
		us.hist = new(histogram)
	}
	us.hist.add(uint64(max(0, now-sentAt)) / 1000)
	us.histMu.Unlock()
	return content[sp+1+len(us.marker):], true
}

func parseInt(b []byte) int64 {
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int64(c-'0')
	}
	return v
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
