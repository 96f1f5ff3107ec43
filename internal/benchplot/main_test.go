package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A results file as bench/compare.sh writes it becomes a PNG with both
// panels; steps past a server's break and a server without steps are
// drawn too.
func TestDrawsResults(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "s.json"), filepath.Join(dir, "s.png")
	os.WriteFile(in, []byte(`{"clients":2000,"machine":"2 cores","servers":[
		{"name":"this server, v2","steps":[{"rate":1000,"offered_per_s":2e6,"delivered_per_s":1.99e6,"p99_ms":40,"healthy":true},{"rate":4000,"offered_per_s":8e6,"delivered_per_s":5e6,"p99_ms":3000,"healthy":false}]},
		{"name":"gorilla","steps":[{"rate":1000,"offered_per_s":2e6,"delivered_per_s":1.9e6,"p99_ms":0,"healthy":true}]},
		{"name":"centrifugo","steps":[]}]}`), 0o644)
	var stderr bytes.Buffer
	if code := realMain([]string{"-in", in, "-out", out}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() <= b.Dy() {
		t.Fatalf("picture %v: want two panels side by side", b)
	}
}

// Bad input gets a clear error and an exit code, no picture.
func TestRefusesBadResults(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ json, want string }{
		"not json":  {`{"servers":`, "unexpected end of JSON input"},
		"no steps":  {`{"servers":[{"name":"a","steps":[]}]}`, "no saturation step"},
		"no name":   {`{"servers":[{"steps":[]}]}`, "without a name"},
		"bad step":  {`{"servers":[{"name":"a","steps":[{"offered_per_s":0}]}]}`, "want offered > 0"},
		"no server": {`{}`, "no saturation step"},
	} {
		in := filepath.Join(dir, "in.json")
		os.WriteFile(in, []byte(tc.json), 0o644)
		var stderr bytes.Buffer
		code := realMain([]string{"-in", in, "-out", filepath.Join(dir, "out.png")}, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%s: exit %d, %q; want 1 and %q", name, code, stderr.String(), tc.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "out.png")); err == nil {
			t.Errorf("%s: a picture was written", name)
		}
	}
	var stderr bytes.Buffer
	if code := realMain(nil, &stderr); code != 2 || !strings.Contains(stderr.String(), "want -in FILE") {
		t.Errorf("no -in: exit %d, %q", code, stderr.String())
	}
}
