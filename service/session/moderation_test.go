package session

import (
	"errors"
	"fmt"
	"testing"

	"chatroom/model"
)

// Moderate sends moderation requests only; another type is refused
// before anything is written.
func TestModerateOnlyModeration(t *testing.T) {
	s := New(Config{URL: "ws://127.0.0.1:1/ws"}, func(Event) {})
	for _, m := range []*model.ChatRoomRequest{nil, {Type: model.TypeTalk}, {Type: "exit"}} {
		if err := s.Moderate(m); !errors.Is(err, ErrNotModeration) {
			t.Errorf("%v: %v", m, err)
		}
	}
	if err := s.Moderate(&model.ChatRoomRequest{Type: model.TypeKick, Room: "a", To: "b"}); !errors.Is(err, ErrNotConnected) {
		t.Errorf("a kick while not connected: %v", err)
	}
}

// Only a close for a ban (4003) is one no reconnect can get past.
func TestBannedStopsReconnecting(t *testing.T) {
	cases := map[error]bool{
		&ClosedError{Code: CloseBanned, Reason: "banned"}:                    true,
		fmt.Errorf("read: %w", &ClosedError{Code: CloseBanned}):              true,
		&ClosedError{Code: CloseKicked, Reason: "kicked"}:                    false,
		&ClosedError{Code: 1001}:                                             false,
		ErrNoHeartbeat:                                                       false,
		&RefusedError{Status: 403, Reason: "you are banned from the server"}: false, // refused: not retried anyway
	}
	for err, want := range cases {
		if got := banned(err); got != want {
			t.Errorf("banned(%v) = %v", err, got)
		}
	}
}
