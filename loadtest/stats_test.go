package main

import (
	"math"
	"testing"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for v := uint64(1); v <= 100000; v++ { // 1 µs .. 100 ms, uniform
		h.add(v)
	}
	for _, tc := range []struct{ q, wantMs float64 }{{0.5, 50}, {0.9, 90}, {0.99, 99}, {1, 100}} {
		got := h.quantile(tc.q)
		if math.Abs(got-tc.wantMs)/tc.wantMs > 0.04 {
			t.Errorf("q%.2f = %.2f ms, want about %.0f", tc.q, got, tc.wantMs)
		}
	}
	for v := uint64(0); v < 1<<30; v = v*3 + 1 {
		if b := bucketOf(v); bucketValue(b) > v || (v >= 64 && float64(v-bucketValue(b))/float64(v) > 0.04) {
			t.Fatalf("value %d lands in bucket %d starting at %d", v, b, bucketValue(b))
		}
	}
}
