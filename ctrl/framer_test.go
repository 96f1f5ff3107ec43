package ctrl

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"chatroom/model"
	"chatroom/service"
)

// payload is a frame's payload as a client reads it: the bytes on the wire
// after the frame header (RFC 6455 section 5.2: 2, 4 or 10 bytes for a
// server's frame).
func payload(f *service.Frame) []byte {
	wire := bytes.Join(append([][]byte{f.Alone}, f.More...), nil)
	switch wire[1] & 0x7f {
	case 126:
		return wire[4:]
	case 127:
		return wire[10:]
	}
	return wire[2:]
}

// A frame reads back the way a client reads it, from its wire bytes and
// from its batch element, for payloads of every length encoding and for a
// message in shared chunks (the user list's).
func TestFramerBuildsWireAndBatchElement(t *testing.T) {
	for _, content := range []string{"", "你好", strings.Repeat("x", 200), strings.Repeat("长", 30000)} {
		m := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "张三", Content: content, Seq: 7}
		enc := model.Encode(m)
		for _, split := range []int{len(enc), len(enc) / 2} {
			f := WebSocketFramer{}.Frame(m.Type, enc[:split], [][]byte{enc[split:]})
			if f.Alone[0] != 0x82 {
				t.Fatalf("first byte %#x, want a final binary frame", f.Alone[0])
			}
			got, err := model.Decode(payload(f))
			if err != nil || !proto.Equal(got, m) {
				t.Fatalf("%d bytes: alone %v (%v), want %v", len(enc), got, err, m)
			}
			elem := bytes.Join(append([][]byte{f.InBatch}, f.More...), nil)
			if len(elem) != f.BatchLen {
				t.Fatalf("BatchLen %d, element is %d bytes", f.BatchLen, len(elem))
			}
			batch, err := model.DecodeBatch(elem)
			if err != nil || len(batch) != 1 || !proto.Equal(batch[0], m) {
				t.Fatalf("batch element %v (%v), want %v", batch, err, m)
			}
		}
	}
}
