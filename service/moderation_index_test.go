package service

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// The counts agree with what is held through puts that replace (with and
// without an address), removals and a flood, so the cheap checks answer
// as a scan of every restriction would.
func TestModerationIndexFollowsWhatIsHeld(t *testing.T) {
	s := newModState(NewMemoryModeration())
	now := time.Now()
	a, b := netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("::ffff:127.0.0.3")
	s.put(Restriction{Room: "den", Name: "bob", Addr: a, At: now}, false)
	if _, ok := s.byAddr("den", a, now); !ok {
		t.Fatal("bob's address ban not found")
	}
	if _, ok := s.byAddr("lobby", a, now); ok {
		t.Fatal("den's address ban found in lobby")
	}
	// An event of the same ban carries no address: it keeps bob's.
	s.put(Restriction{Room: "den", Name: "bob", At: now}, true)
	if _, ok := s.byAddr("den", a, now); !ok {
		t.Fatal("the replaced ban lost its address")
	}
	// Replaced by one with another address (mapped: found unmapped).
	s.put(Restriction{Room: "den", Name: "bob", Addr: b, At: now}, false)
	if _, ok := s.byAddr("den", a, now); ok {
		t.Error("the old address is still banned")
	}
	if _, ok := s.byAddr("den", b.Unmap(), now); !ok {
		t.Error("the new address is not banned")
	}
	if _, muted, _, _ := s.talking("den", "carol", now); muted {
		t.Fatal("carol muted before any mute")
	}
	for i := range 10000 { // a moderator's flood
		s.put(Restriction{Room: "den", Name: fmt.Sprintf("u%d", i), Mute: i%2 == 0, At: now}, false)
	}
	s.put(Restriction{Room: "den", Name: "carol", Mute: true, At: now}, false)
	if _, muted, _, _ := s.talking("den", "carol", now); !muted {
		t.Error("carol's mute not found")
	}
	if _, muted, _, _ := s.talking("lobby", "carol", now); muted {
		t.Error("carol muted in lobby")
	}
	s.remove("den", "carol", true)
	s.remove("den", "bob", false)
	if _, muted, _, _ := s.talking("den", "carol", now); muted {
		t.Error("carol still muted")
	}
	if _, ok := s.byAddr("den", b.Unmap(), now); ok {
		t.Error("bob's address still banned after the unban")
	}
	if n := s.idx.mutes["den"]; n != 5000 {
		t.Errorf("den's mutes counted %d, want 5000", n)
	}
	if len(s.idx.addrs) != 0 {
		t.Errorf("addresses counted %v, want none", s.idx.addrs)
	}
}
