// Package chatroom_test checks the import rule of the README's Layers
// section: project imports point only down the layer table, never within a
// layer.
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

func TestImportRule(t *testing.T) {
	// allowed lists, for each top-level folder, the project folders its
	// packages may import. A new folder must be added here to build.
	allowed := map[string][]string{
		"server":   {"ctrl", "service", "model", "config", "web"},
		"client":   {"view", "ctrl", "service", "model", "config"},
		"loadtest": {"service", "model", "config"},
		"view":     {"ctrl", "config"},
		"ctrl":     {"service", "model", "config"},
		"service":  {"model", "config"},
		"internal": {"ctrl", "service", "model", "config"},
		"model":    {"config"},
		"config":   {},
		"web":      {},
		".":        {}, // this test
	}
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
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
	if seen < 5 {
		t.Fatalf("go list saw only %d packages", seen)
	}
}
