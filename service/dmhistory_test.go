package service

import (
	"fmt"
	"strings"
	"testing"
)

// The history of direct messages is bounded in conversations and bytes;
// the conversation that began first goes first.
func TestDMHistoryIsBounded(t *testing.T) {
	d := newDMHistory(3)
	big := &Frame{Alone: []byte(strings.Repeat("x", 4096))}
	for i := range maxConversations + 10 {
		d.add("spammer", fmt.Sprint(i), big)
	}
	if len(d.convs) > maxConversations || d.bytes > maxDMBytes {
		t.Fatalf("%d conversations, %d bytes kept", len(d.convs), d.bytes)
	}
	if d.last("spammer", "0") != nil || len(d.last(fmt.Sprint(maxConversations+9), "spammer")) != 1 {
		t.Fatal("the oldest conversation is kept, or the newest lost")
	}
	for range 5 {
		d.add("a", "b", big)
	}
	if got := len(d.last("b", "a")); got != 3 {
		t.Fatalf("a conversation keeps %d messages, want 3", got)
	}
}
