package view

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"testing"
)

// Every English key the controller and the window use has a Chinese
// translation, and both files hold the same keys.
func TestTranslationsAreComplete(t *testing.T) {
	load := func(name string) map[string]string {
		b, err := translations.ReadFile("translations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return m
	}
	zh, en := load("zh_Hans.json"), load("en.json")
	if !slices.Equal(slices.Sorted(maps.Keys(zh)), slices.Sorted(maps.Keys(en))) {
		t.Fatal("en.json and zh_Hans.json hold different keys")
	}
	used := regexp.MustCompile(`(?:Key: |lang\.L\()"([^"]+)"`)
	for _, file := range []string{"window.go", "../ctrl/clientcontroller.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		found := used.FindAllSubmatch(src, -1)
		if len(found) == 0 {
			t.Fatalf("%s: no texts found; has the pattern changed?", file)
		}
		for _, m := range found {
			if key := string(m[1]); zh[key] == "" {
				t.Errorf("%s uses %q, which has no Chinese translation", file, key)
			}
		}
	}
}
