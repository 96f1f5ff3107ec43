package chatserver

import "testing"

// A trim comes once per burst, after the count holds still; not while it
// grows, not for small growth, and again after the count fell and rose.
func TestTrimmerTrimsOncePerBurst(t *testing.T) {
	var tr trimmer
	steps := []struct {
		conns int64
		want  bool
	}{
		{0, false},
		{500, false},   // small
		{5000, false},  // still growing
		{15000, false}, // still growing
		{15050, true},  // held still: the burst is over
		{15060, false}, // trimmed already
		{16000, false}, // small growth
		{100, false},   // a restart: everyone gone
		{15000, false}, // back, still growing
		{15000, true},  // held still
		{15000, false},
	}
	for i, s := range steps {
		if got := tr.due(s.conns); got != s.want {
			t.Errorf("step %d (%d connections): due %v, want %v", i, s.conns, got, s.want)
		}
	}
}
