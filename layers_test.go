// Package chatroom_test checks the import rule of the README's Layers
// section: project imports point only down the layer table, never within a
// layer; the room side of the service layer imports no WebSocket package;
// only tests import the test tools under internal/.
package chatroom_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func folder(importPath string) (string, bool) {
	if importPath == "chatroom" {
		return ".", true
	}
	rest, ok := strings.CutPrefix(importPath, "chatroom/")
	if !ok {
		return "", false
	}
	top, _, _ := strings.Cut(rest, "/")
	return top, true
}

// pkg is what go list says of one package.
type pkg struct {
	ImportPath string
	Imports    []string // of its non-test files
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list saw only %d packages", len(pkgs))
	}
	return pkgs
}

func TestImportRule(t *testing.T) {
	// allowed lists, for each top-level folder, the project folders its
	// packages may import. A new folder must be added here to build.
	allowed := map[string][]string{
		"server":   {"ctrl", "service", "model", "config", "web"},
		"client":   {"view", "ctrl", "service", "model", "config"},
		"loadtest": {"service", "model", "config", "internal"},
		"view":     {"ctrl", "config"},
		"ctrl":     {"service", "model", "config"},
		"service":  {"model", "config"},
		"model":    {"config"},
		"config":   {},
		"web":      {},
		"internal": {"ctrl", "service", "model", "config"}, // test tools
		".":        {},                                     // this test
	}
	for _, p := range listPackages(t) {
		from, _ := folder(p.ImportPath)
		ok, known := allowed[from]
		if !known {
			t.Errorf("%s: folder %q is not in the layer table (the README's Layers section and this test)", p.ImportPath, from)
			continue
		}
		for _, imp := range p.Imports {
			to, project := folder(imp)
			if !project || to == from {
				continue
			}
			if !slices.Contains(ok, to) {
				t.Errorf("%s imports %s: %s may import only %v", p.ImportPath, imp, from, ok)
			}
		}
	}
}

// The room, its members and the brokers know no wire format: only the
// client session (service/session), which dials, may import a WebSocket
// package.
func TestRoomSideImportsNoWebSocket(t *testing.T) {
	for _, p := range listPackages(t) {
		if from, _ := folder(p.ImportPath); from != "service" || p.ImportPath == "chatroom/service/session" {
			continue
		}
		for _, imp := range p.Imports {
			if strings.Contains(strings.ToLower(imp), "websocket") {
				t.Errorf("%s imports %s: the room side of the service layer must not touch a WebSocket", p.ImportPath, imp)
			}
		}
	}
}

// The test tools under internal/ (a chat server, an embedded NATS server,
// a fault proxy) are for tests only; the product may use internal/poll.
func TestTestToolsOnlyInTests(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.HasPrefix(p.ImportPath, "chatroom/internal/") {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "chatroom/internal/") && imp != "chatroom/internal/poll" {
				t.Errorf("%s imports the test tool %s outside its tests", p.ImportPath, imp)
			}
		}
	}
}
