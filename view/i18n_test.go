package view

import (
	"bytes"
	"encoding/json"
	"log"
	"maps"
	"os"
	"regexp"
	"slices"
	"testing"

	"fyne.io/fyne/v2/lang"

	"chatroom/view/clocale"
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
	used := regexp.MustCompile(`(?:Key: |key :?= |lang\.L\(|item\(|cmdError\(|modKey\()"([^"]+)"`)
	for _, file := range []string{"window.go", "conversations.go", "messages.go", "roompanel.go", "send.go", "shortcuts.go", "history.go", "search.go", "users.go", "../ctrl/clientcontroller.go", "../ctrl/clientrooms.go", "../ctrl/clienthistory.go", "../ctrl/clientpresence.go", "moderation.go", "../ctrl/clientmoderation.go", "../ctrl/clientmodevents.go"} {
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

// Under a C locale with a codeset (C.UTF-8), as clocale leaves it, the UI
// is in English and fyne logs nothing when it looks for the language again
// (LoadTranslations, and SystemLocale, which fyne asks while drawing).
func TestCLocaleIsQuietEnglish(t *testing.T) {
	t.Cleanup(func() { LoadTranslations("en") })
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANGUAGE"} {
		t.Setenv(name, "")
	}
	t.Setenv("LANG", "C.UTF-8")
	for _, c := range clocale.Changes(os.Getenv) {
		t.Setenv(c.Name, c.Value)
	}
	var logged bytes.Buffer
	defer log.SetOutput(log.Writer())
	log.SetOutput(&logged) // fyne.LogError writes to the standard logger
	if err := LoadTranslations(""); err != nil {
		t.Fatal(err)
	}
	if got := lang.SystemLocale(); got != "en" {
		t.Errorf("system locale %q, want en", got)
	}
	if got := lang.L("Connect"); got != "Connect" {
		t.Errorf("Connect reads %q", got)
	}
	if logged.Len() > 0 {
		t.Errorf("fyne logged:\n%s", logged.String())
	}
}
