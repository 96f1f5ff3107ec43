package ctrl

import (
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestClipCutsLongValuesAtACharacter(t *testing.T) {
	if got := clip("alice"); got != "alice" {
		t.Errorf("clip(alice) = %q", got)
	}
	long := "a" + strings.Repeat("名", 5000)
	got := clip(long)
	if !utf8.ValidString(got) || len(got) > maxLogValue+20 || !strings.HasSuffix(got, "…(15001 bytes)") {
		t.Errorf("clip of %d bytes = %q (%d bytes)", len(long), got, len(got))
	}
}

func TestLogSamplerPerAddressAndPeriod(t *testing.T) {
	s := newLogSampler(3, time.Minute)
	a, b := netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")
	t0 := time.Unix(1000, 0)
	written := 0
	for range 100 {
		if ok, _ := s.allow(a, t0); ok {
			written++
		}
	}
	if written != 3 {
		t.Errorf("%d lines of 100 from one address written in a period, want 3", written)
	}
	if ok, _ := s.allow(b, t0); !ok {
		t.Error("another address's line was dropped")
	}
	ok, suppressed := s.allow(a, t0.Add(time.Minute))
	if !ok || suppressed != 97 {
		t.Errorf("next period: allow = %v, suppressed %d, want true, 97", ok, suppressed)
	}
	if _, suppressed := s.allow(a, t0.Add(time.Minute)); suppressed != 0 {
		t.Errorf("the drop count was reported twice (%d)", suppressed)
	}
}
