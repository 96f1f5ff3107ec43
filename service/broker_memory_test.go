package service

import (
	"context"
	"errors"
	"testing"

	"chatroom/model"
)

func TestNamesAreClaimedOnce(t *testing.T) {
	b := NewMemoryBroker()
	ctx := context.Background()
	if err := b.Claim(ctx, "x", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Claim(ctx, "x", nil); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("second claim: %v", err)
	}
	b.Release("x")
	if err := b.Claim(ctx, "x", nil); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	b.Close()
	if err := b.Publish(ctx, &model.ChatRoomRequest{Type: model.TypeTalk}); !errors.Is(err, ErrBrokerClosed) {
		t.Fatalf("publish after close: %v", err)
	}
}

// One process has no link to lose: the server's /readyz and the
// chatroom_broker_connected gauge always see it connected.
func TestMemoryBrokerIsAlwaysConnected(t *testing.T) {
	b := NewMemoryBroker()
	if !b.Connected() {
		t.Fatal("not connected")
	}
	b.Close()
	if !b.Connected() {
		t.Fatal("not connected after Close")
	}
}
