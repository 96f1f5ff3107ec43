package chatserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chatroom/ctrl"
)

// FuzzAPI sends arbitrary requests to the server API of a real server:
// any route, with any room, user and seq in its path, any query and any
// body under any Content-Type. Every answer must be JSON: 200, or an
// error in words with a 4xx status; never a 5xx, a hang or a crash.
//
//	go test -run '^$' -fuzz FuzzAPI -fuzztime 5m ./server/chatserver
func FuzzAPI(f *testing.F) {
	r := start(f, "-api-key", testAPIKey, "-max-conns-per-ip", "0", "-join-rate-per-ip", "0")
	routes := ctrl.APIRoutes()
	f.Add(uint8(0), "lobby", "alice", "1", "", []byte(nil), "application/json")
	f.Add(uint8(3), "lobby", "", "", "", []byte(`{"content": "hi"}`), "application/json")
	f.Add(uint8(5), "lobby", "", "", "", []byte(`{"user": "alice", "reason": "x"}`), "application/json; charset=utf-8")
	f.Add(uint8(7), "lobby", "", "", "", []byte(`{"user": "bob", "duration_seconds": 9e99}`), "application/json")
	f.Add(uint8(14), "", "", "", "", []byte(`{"user": "carol", "address": true}`), "application/json")
	f.Add(uint8(15), "", "", "", "user=carol&room=%ff", []byte(nil), "")
	f.Add(uint8(16), "", "", "", "before=18446744073709551616&limit=-1", []byte(nil), "")
	f.Add(uint8(4), "lob by", "", "99999999999999999999", "", []byte(`{"reason": null}`), "text/plain")
	f.Add(uint8(2), "名字", "", "", "cursor=\x00&prefix=%E5&limit=1000", []byte("{"), "application/json")
	f.Fuzz(func(t *testing.T, route uint8, room, user, seq, query string, body []byte, contentType string) {
		rt := routes[int(route)%len(routes)]
		path := strings.NewReplacer("{room}", url.PathEscape(room), "{user}", url.PathEscape(user), "{seq}", url.PathEscape(seq)).Replace(rt.Path)
		req, err := http.NewRequest(rt.Method, "http://"+r.addr+path, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		control := func(c rune) bool { return c < 0x20 || c == 0x7f }
		if strings.IndexFunc(query, control) >= 0 || strings.ContainsRune(query, ' ') || strings.IndexFunc(strings.ReplaceAll(contentType, "\t", " "), control) >= 0 {
			return // net/http sends no control character in a URL or a header; a space in the query breaks the request line (net/http answers that itself)
		}
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+testAPIKey)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", rt.Method, req.URL, err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: reading the answer: %v", rt.Method, req.URL, err)
		}
		var answer map[string]any
		if err := json.Unmarshal(raw, &answer); err != nil {
			t.Fatalf("%s %s: %d is not JSON: %q", rt.Method, req.URL, resp.StatusCode, raw)
		}
		words, _ := answer["error"].(string)
		if resp.StatusCode >= 500 || (resp.StatusCode != http.StatusOK && words == "") {
			t.Fatalf("%s %s body %q: %d %s", rt.Method, req.URL, body, resp.StatusCode, raw)
		}
	})
}
