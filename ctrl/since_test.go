package ctrl

import (
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSinceSeqs(t *testing.T) {
	rooms := []string{"lobby", "dev", "中文"}
	for _, tc := range []struct {
		query, header string
		want          map[string]uint64
		err           string
	}{
		{query: "", want: nil},
		{query: "since=lobby:12", want: map[string]uint64{"lobby": 12}},
		{query: "since=Dev:3,lobby:4&since=%E4%B8%AD%E6%96%87:9", want: map[string]uint64{"dev": 3, "lobby": 4, "中文": 9}},
		{header: "dev:7, other:8", want: map[string]uint64{"dev": 7}},
		{query: "since=lobby", err: "expected ROOM:SEQ"},
		{query: "since=lobby:x", err: "not a number"},
		{query: "since=lobby:-1", err: "not a number"},
		{query: "since=a%20b:1", err: "since"},
		{query: "since=" + strings.Repeat("a:1,", 300), err: "at most"},
	} {
		r := httptest.NewRequest("GET", "/ws?"+tc.query, nil)
		if tc.header != "" {
			r.Header.Set("since", tc.header)
		}
		got, err := sinceSeqs(r, rooms)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q %q: error %v, want one saying %q", tc.query, tc.header, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%q %q: %v", tc.query, tc.header, err)
		case tc.err == "" && !maps.Equal(got, tc.want):
			t.Errorf("%q %q: %v, want %v", tc.query, tc.header, got, tc.want)
		}
	}
}
