package ctrl

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"chatroom/internal/poll"
	"chatroom/model"
)

// An accepted client that offered refusals in band gets that subprotocol
// back (a browser fails the connection otherwise) and unbatched frames;
// offering batched framing too, it gets batched framing.
func TestRefusalsInBandDoNotChangeAcceptance(t *testing.T) {
	ts := startServer(t, testConfig())
	for _, tc := range []struct {
		name    string
		batched bool
		want    string
	}{{"browser", false, model.SubprotocolRefusals}, {"both", true, model.SubprotocolBatch}} {
		ws, _, err := ts.dialRaw(dialOpts{header: tc.name, inBand: true, batched: tc.batched})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		if ws.Subprotocol() != tc.want {
			t.Fatalf("%s: subprotocol %q, want %q", tc.name, ws.Subprotocol(), tc.want)
		}
		ws.SetReadDeadline(time.Now().Add(waitTime))
		_, p, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		batch, _ := model.DecodeBatch(p)
		if m, err := model.Decode(p); tc.batched == (err == nil && m.Type == model.TypeJoin) || tc.batched != (len(batch) > 0 && batch[0].Type == model.TypeJoin) {
			t.Fatalf("%s: first frame % x, want it batched: %v", tc.name, p, tc.batched)
		}
	}
}

// With maxRefusalsInBand refusals under way, the next one is a plain HTTP
// refusal: a flood cannot hold more sockets than that.
func TestRefusalsInBandAreBounded(t *testing.T) {
	ts := startServer(t, testConfig())
	ts.join("taken")
	for range maxRefusalsInBand {
		ts.chat.inBand <- struct{}{}
	}
	_, resp, err := ts.dialRaw(dialOpts{header: "taken", inBand: true})
	if err == nil || resp == nil || resp.StatusCode != http.StatusConflict {
		t.Fatalf("with every slot taken: %v %v, want HTTP 409", resp, err)
	}
	for range maxRefusalsInBand {
		<-ts.chat.inBand
	}
	ws, _, err := ts.dialRaw(dialOpts{header: "taken", inBand: true})
	if err != nil {
		t.Fatalf("with slots free: %v, want the upgrade", err)
	}
	ws.Close()
}

// A close reason is cut to 123 bytes, at a character boundary and no
// shorter than that needs. "a"+"名"… puts byte 123 inside a character.
func TestCloseReasonFitsAFrame(t *testing.T) {
	for _, reason := range []string{"short", strings.Repeat("a", 200), strings.Repeat("名", 50), "a" + strings.Repeat("名", 50)} {
		got := closeReason(reason)
		if len(got) > 123 || len(got) < min(len(reason), 123-utf8.UTFMax+1) || !utf8.ValidString(got) || !strings.HasPrefix(reason, got) {
			t.Fatalf("closeReason(%d bytes) = %q", len(reason), got)
		}
	}
}

// A refusal in band counts against the connection limits while it waits
// for the client's close, as the handshake it answers did: a client that
// never answers the close holds its address's slot until refusalLinger.
func TestRefusalInBandHoldsItsSlot(t *testing.T) {
	cfg := testConfig()
	cfg.MaxConnsPerIP = 1
	ts := startServer(t, cfg)
	addr := strings.TrimPrefix(ts.http.URL, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A bad username, refused in band; the client never answers the close.
	fmt.Fprintf(c, "GET /ws?username=%%01 HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: %s\r\n\r\n", addr, model.SubprotocolRefusals)
	c.SetReadDeadline(time.Now().Add(waitTime))
	var b [512]byte
	if n, err := c.Read(b[:]); err != nil || !strings.HasPrefix(string(b[:n]), "HTTP/1.1 101") {
		t.Fatalf("want the refusal upgraded, got %q %v", b[:n], err)
	}
	ws, resp, err := ts.dialRaw(dialOpts{header: "legit"})
	if err == nil {
		ws.Close()
		t.Fatal("admitted while the refusal in band still held the address's slot")
	}
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got %v %v, want 503", resp, err)
	}
	c.Close()
	poll.CheckFor(t, waitTime, pollEvery, func() error {
		ws, _, err := ts.dialRaw(dialOpts{header: "legit"})
		if err != nil {
			return fmt.Errorf("the slot is not free again after the refusal: %w", err)
		}
		ws.Close()
		return nil
	})
}
