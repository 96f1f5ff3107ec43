package clocale

import (
	"slices"
	"testing"
)

func TestChanges(t *testing.T) {
	messagesC := []Change{{"LC_MESSAGES", "C"}}
	for _, tc := range []struct {
		env  map[string]string
		want []Change
	}{
		{map[string]string{"LANG": "C.UTF-8"}, messagesC},
		{map[string]string{"LANG": "C.utf8"}, messagesC},
		{map[string]string{"LANG": "POSIX.UTF-8"}, messagesC},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "C.UTF-8"}, messagesC},
		// fyne reads these without an error already
		{map[string]string{}, nil},
		{map[string]string{"LANG": "C"}, nil},
		{map[string]string{"LANG": "C", "LC_ALL": "C"}, nil},
		{map[string]string{"LANG": "POSIX"}, nil},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, nil},
		{map[string]string{"LANG": "C.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, nil},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "en_US:en"}, nil},
		{map[string]string{"LANG": "C.UTF-8", "LC_ALL": "C"}, nil},
	} {
		got := Changes(func(name string) string { return tc.env[name] })
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.env, got, tc.want)
		}
	}
}

// LC_ALL=C.UTF-8 sets every category: each keeps the codeset but messages.
func TestChangesSplitLCAll(t *testing.T) {
	got := Changes(func(name string) string { return map[string]string{"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}[name] })
	if len(got) < 3 || got[0] != (Change{"LC_ALL", ""}) || got[len(got)-1] != (Change{"LC_MESSAGES", "C"}) {
		t.Fatalf("%v", got)
	}
	for _, c := range got[1 : len(got)-1] {
		if c.Value != "C.UTF-8" {
			t.Errorf("%v", c)
		}
	}
	if !slices.Contains(got, Change{"LC_CTYPE", "C.UTF-8"}) {
		t.Errorf("LC_CTYPE not kept: %v", got)
	}
}
