package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"chatroom/model"
	"chatroom/service"
)

// Wire protocols the tool speaks.
const (
	protoV1    = "v1"    // one ChatRoomRequest per frame (the spec's)
	protoV2    = "v2"    // the chatroom.v2 subprotocol: ChatRoomBatch frames
	protoLines = "lines" // plain text, several messages per frame separated by '\n' (gorilla's examples/chat)
	// and protoCentrifugo, in wscentrifugo.go: Centrifugo's JSON protocol, one channel
)

// user is one simulated client: a socket, a lean frame reader and what it
// has received.
type user struct {
	conn   net.Conn
	br     *bufio.Reader
	proto  string
	number int          // the user's number in the run, across processes
	marker []byte       // this run's id: talks without it are not counted
	since  atomic.Int64 // unix ns; talks sent earlier are not this run's

	wmu   sync.Mutex // the sender and the reader's pong share the socket
	wbuf  []byte
	cmdID int64 // centrifugo: the last command's id (under wmu)

	// byeOnJoin: say goodbye as soon as the join arrives (centrifugo's
	// visits in the connect scenario, whose join comes after the dial).
	byeOnJoin bool

	talks   atomic.Int64 // talks of this run received
	lists   atomic.Int64 // userlist replies received
	refused atomic.Int64 // talks the server answered "message not sent": nobody gets them
	frames  atomic.Int64 // data frames received
	joined  atomic.Bool  // the server's join for this user arrived
	failed  atomic.Bool

	histMu sync.Mutex
	hist   *histogram // allocated on the first talk: idle users keep none

	member *membership // the rooms scenario's: the user's rooms and what came in each; nil otherwise
	held   *holding    // the catchup scenario's: what its user holds of each room, over all its connections; nil otherwise
	// dropped: the catchup scenario closed this connection on purpose, so
	// its reader's error is no failure.
	dropped atomic.Bool
	ended   chan struct{} // closed when its reader has returned (see startReader)
}

// endpoint is one chat URL: the address to dial and, for wss://, how to
// check the server's certificate.
type endpoint struct {
	url  *url.URL
	addr string      // host:port (default port 80, or 443 for wss://)
	tls  *tls.Config // nil for ws://; its ServerName is the URL's host
}

// dialer is what every handshake of a run shares.
type dialer struct {
	proto   string
	marker  []byte // the run's id
	secret  []byte // if set, each user sends a token for its name
	timeout time.Duration
}

func (o *options) dialer() dialer {
	d := dialer{proto: o.proto, marker: []byte(o.runID), timeout: 10 * time.Second}
	if o.authSecret != "" {
		d.secret = []byte(o.authSecret)
	}
	return d
}

// tokenTTL is how long a user's token is valid: longer than any run.
const tokenTTL = 24 * time.Hour

// dial connects (over TLS for wss://) and performs the WebSocket handshake
// itself, so that frames can then be parsed straight out of its
// bufio.Reader; the handshake names the rooms to start in, if any. It
// returns how long connecting and the handshake took.
func (d dialer) dial(ep endpoint, name string, rooms ...string) (*user, time.Duration, error) {
	return d.dialSince(ep, name, rooms, nil)
}

// dialSince is dial whose handshake also says, for some of the rooms, the
// last seq seen there (each "ROOM:SEQ"): the catch-up's since.
func (d dialer) dialSince(ep endpoint, name string, rooms, since []string) (*user, time.Duration, error) {
	start := time.Now()
	extra, err := d.extraHeaders(name, start)
	if err != nil {
		return nil, 0, err
	}
	conn, err := connect(ep, d.timeout)
	if err != nil {
		return nil, 0, err
	}
	br, err := d.handshake(conn, ep, d.requestTarget(ep, name, rooms, since), extra)
	if err != nil {
		conn.Close()
		return nil, 0, err
	}
	us := &user{conn: conn, br: br, proto: d.proto, marker: d.marker}
	if d.proto == protoCentrifugo {
		if err := us.centrifugoStart(); err != nil {
			conn.Close()
			return nil, 0, err
		}
	}
	conn.SetDeadline(time.Time{})
	return us, time.Since(start), nil
}

// extraHeaders are the handshake's header lines besides the standard ones:
// the chatroom.v2 subprotocol, and a token for name if the run has a secret.
func (d dialer) extraHeaders(name string, now time.Time) (string, error) {
	extra := ""
	if d.proto == protoV2 {
		extra = "Sec-WebSocket-Protocol: " + model.SubprotocolBatch + "\r\n"
	}
	if d.secret != nil {
		token, err := service.MintToken(d.secret, name, tokenTTL, now)
		if err != nil {
			return "", fmt.Errorf("cannot mint a token: %w", err)
		}
		extra += "Authorization: Bearer " + token + "\r\n"
	}
	return extra, nil
}

// connect opens a connection to ep, TLS for wss://, with timeout as its
// deadline (the caller clears it after the handshake).
func connect(ep endpoint, timeout time.Duration) (net.Conn, error) {
	conn, err := net.DialTimeout("tcp", ep.addr, timeout)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(timeout))
	if ep.tls == nil {
		return conn, nil
	}
	tc := tls.Client(conn, ep.tls)
	if err := tc.Handshake(); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// requestTarget is the handshake's path and query: the endpoint's, with
// the username (but for plain-text servers and Centrifugo, which take
// none there), a room parameter for each room to start in and a since
// parameter for each "ROOM:SEQ" to catch up from.
func (d dialer) requestTarget(ep endpoint, name string, rooms, since []string) string {
	path := ep.url.EscapedPath()
	if path == "" {
		path = "/"
	}
	query := ep.url.RawQuery
	if d.proto != protoLines && d.proto != protoCentrifugo {
		if query != "" {
			query += "&"
		}
		query += "username=" + url.QueryEscape(name)
		for _, r := range rooms {
			query += "&room=" + url.QueryEscape(r)
		}
		for _, s := range since {
			query += "&since=" + url.QueryEscape(s)
		}
	}
	if query != "" {
		path += "?" + query
	}
	return path
}

// handshake sends the upgrade request for target (path and query) and
// checks the server's answer. It returns the reader the frames are then
// parsed from.
func (d dialer) handshake(conn net.Conn, ep endpoint, target, extra string) (*bufio.Reader, error) {
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n", target, ep.url.Host, key, extra); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 16<<10)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		return nil, err
	}
	reason, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	resp.Body.Close()
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	switch {
	case resp.StatusCode != http.StatusSwitchingProtocols:
		return nil, fmt.Errorf("handshake refused: %s: %s", resp.Status, bytes.TrimSpace(reason))
	case resp.Header.Get("Sec-Websocket-Accept") != base64.StdEncoding.EncodeToString(h[:]):
		return nil, errors.New("handshake: bad Sec-WebSocket-Accept")
	case d.proto == protoV2 && resp.Header.Get("Sec-Websocket-Protocol") != model.SubprotocolBatch:
		return nil, errors.New("handshake: the server did not accept the chatroom.v2 subprotocol")
	}
	return br, nil
}

// closeNow closes the user's connection without leaving it in TIME_WAIT:
// thousands of visits a second would use up the loopback's ephemeral
// ports. For after the close handshake.
func (us *user) closeNow() {
	raw := us.conn
	if tc, ok := raw.(*tls.Conn); ok {
		raw = tc.NetConn() // no close_notify: the WebSocket is closed already
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	raw.Close()
}

// sendTalk sends a talk whose content starts with the send time and the
// run's id, padded to size bytes.
func (us *user) sendTalk(size int) error {
	us.wmu.Lock()
	defer us.wmu.Unlock()
	content := us.talkContent(size, "")
	switch us.proto {
	case protoLines:
		return us.writeFrameLocked(0x1, content)
	case protoCentrifugo:
		return us.writeFrameLocked(0x1, us.centrifugoPublish(content))
	}
	return us.writeFrameLocked(0x2, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: string(content)}))
}

// talkContent is a talk's content: the send time, the run's id and then
// after (if any), each followed by a space, padded with x to size bytes.
// For the caller holding wmu (the send time is taken as late as it can be).
func (us *user) talkContent(size int, after string) []byte {
	content := make([]byte, 0, size)
	content = fmt.Appendf(content, "%d %s ", time.Now().UnixNano(), us.marker)
	if after != "" {
		content = append(append(content, after...), ' ')
	}
	for len(content) < size {
		content = append(content, 'x')
	}
	return content
}

// send writes one request in its own binary frame.
func (us *user) send(m *model.ChatRoomRequest) error {
	return us.writeFrame(0x2, model.Encode(m))
}

func (us *user) writeFrame(opcode byte, payload []byte) error {
	us.wmu.Lock()
	defer us.wmu.Unlock()
	return us.writeFrameLocked(opcode, payload)
}

// writeFrameLocked writes one masked client frame.
func (us *user) writeFrameLocked(opcode byte, payload []byte) error {
	b := us.wbuf[:0]
	b = append(b, 0x80|opcode)
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	b = append(b, mask[:]...)
	off := len(b)
	b = append(b, payload...)
	for i := range payload {
		b[off+i] ^= mask[i&3]
	}
	us.wbuf = b
	us.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := us.conn.Write(b)
	return err
}

// bye asks the server to end the session; the reader sees its close frame.
func (us *user) bye() {
	if us.proto == protoLines || us.proto == protoCentrifugo {
		us.writeFrame(0x8, []byte{0x03, 0xe8}) // close 1000
	} else {
		us.send(&model.ChatRoomRequest{Type: model.TypeExit})
	}
}
