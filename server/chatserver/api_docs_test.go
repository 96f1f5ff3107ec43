package chatserver

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"chatroom/ctrl"
)

// docs/api.md's curl examples: one for every route, and each works as
// written, run by curl against a real server.

// docExampleBase is the server the examples name.
const docExampleBase = "http://127.0.0.1:9000"

// docCurlLines are the curl command lines of docs/api.md, in order.
func docCurlLines(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "curl ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// curlRequest is the method and URL a curl line sends.
func curlRequest(t *testing.T, line string) (method, url string) {
	t.Helper()
	method = "GET"
	if strings.Contains(line, " -d ") {
		method = "POST"
	}
	if m := regexp.MustCompile(` -X (\w+)`).FindStringSubmatch(line); m != nil {
		method = m[1]
	}
	m := regexp.MustCompile(`'?(` + regexp.QuoteMeta(docExampleBase) + `[^' ]*)'?$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("docs/api.md: %q does not end with a URL of %s", line, docExampleBase)
	}
	return method, m[1]
}

// TestAPIDocCoversEveryRoute: every route has a curl example.
func TestAPIDocCoversEveryRoute(t *testing.T) {
	mux := http.NewServeMux()
	for _, rt := range ctrl.APIRoutes() {
		mux.HandleFunc(rt.Method+" "+rt.Path, func(http.ResponseWriter, *http.Request) {})
	}
	covered := map[string]bool{}
	for _, line := range docCurlLines(t) {
		method, url := curlRequest(t, line)
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, pattern := mux.Handler(req)
		if pattern == "" {
			t.Errorf("docs/api.md: %s %s is no route of the API", method, url)
		}
		covered[pattern] = true
	}
	for _, rt := range ctrl.APIRoutes() {
		if !covered[rt.Method+" "+rt.Path] {
			t.Errorf("docs/api.md has no curl example of %s %s", rt.Method, rt.Path)
		}
	}
}

// TestAPIDocExamples runs docs/api.md's curl lines in order with curl,
// against a server with the users they name: each answers 200. The
// message the examples delete is the one the example before said (its
// seq stands for the 42 written there).
func TestAPIDocExamples(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatalf("the examples need curl: %v", err)
	}
	r := start(t, "-api-key", testAPIKey)
	apiRoomClients(t, r, "alice", "bob", "carol")
	seq := "42"
	for _, line := range docCurlLines(t) {
		line = strings.ReplaceAll(line, docExampleBase, "http://"+r.addr)
		line = strings.ReplaceAll(line, "/messages/42", "/messages/"+seq)
		line = strings.Replace(line, "curl ", curl+" -w '\\n%{http_code}' ", 1)
		ctx, cancel := context.WithTimeout(context.Background(), waitTime)
		cmd := exec.CommandContext(ctx, "bash", "-c", line)
		cmd.Env = append(os.Environ(), "KEY="+testAPIKey)
		out, err := cmd.Output()
		cancel()
		text := strings.TrimSpace(string(out))
		i := strings.LastIndexByte(text, '\n')
		body, code := text[:max(i, 0)], text[i+1:]
		if err != nil || code != "200" {
			t.Errorf("%s: %v: %s %s", line, err, code, body)
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Errorf("%s: not JSON: %s", line, body)
		}
		if _, ok := m["seq"]; ok {
			seq = jsonInt(m["seq"])
		}
	}
}
