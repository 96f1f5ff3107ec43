package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"chatroom/model"
)

// serverFrame is one unmasked server frame: final, with opcode and payload.
func serverFrame(opcode byte, payload []byte) []byte {
	b := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

// talkStream is frames frames of this run's talks, as the server sends
// them: one talk per frame (v1), or perFrame talks in a ChatRoomBatch (v2).
func talkStream(marker string, frames, perFrame int) []byte {
	content := fmt.Sprintf("%d %s ", time.Now().UnixNano(), marker)
	content += string(bytes.Repeat([]byte{'x'}, 64-len(content)))
	talk := model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, UserName: "load-abcd-1", Content: content, Timestamp: 5, Seq: 9})
	payload := talk
	if perFrame > 0 {
		payload = nil
		for range perFrame {
			payload = protowire.AppendTag(payload, 1, protowire.BytesType)
			payload = protowire.AppendBytes(payload, talk)
		}
	}
	var stream []byte
	for range frames {
		stream = append(stream, serverFrame(0x2, payload)...)
	}
	return stream
}

// BenchmarkReadLoop is the load tool's own receive cost: frames parsed in
// place, talks counted and timed. ns/frame and allocs/op (per 1000
// frames) are the figures to keep.
func BenchmarkReadLoop(b *testing.B) {
	for _, tc := range []struct {
		name     string
		proto    string
		perFrame int
	}{{"v1", protoV1, 0}, {"v2-batch10", protoV2, 10}} {
		b.Run(tc.name, func(b *testing.B) {
			const frames = 1000
			stream := talkStream("abcd1234", frames, tc.perFrame)
			rd := bytes.NewReader(stream)
			us := &user{br: bufio.NewReaderSize(rd, 16<<10), proto: tc.proto, marker: []byte("abcd1234")}
			b.ReportAllocs()
			b.SetBytes(int64(len(stream)))
			b.ResetTimer()
			for range b.N {
				rd.Reset(stream)
				us.br.Reset(rd)
				if err := us.readLoop(); err != io.EOF {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames), "ns/frame")
			if want := int64(b.N * frames * max(1, tc.perFrame)); us.talks.Load() != want {
				b.Fatalf("counted %d talks, want %d", us.talks.Load(), want)
			}
		})
	}
}
