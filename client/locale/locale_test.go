package locale

import "testing"

func TestFallback(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // the LC_MESSAGES to set; "": none
	}{
		{map[string]string{"LANG": "C.UTF-8"}, "C"},
		{map[string]string{"LANG": "C.utf8"}, "C"},
		{map[string]string{"LC_MESSAGES": "POSIX.UTF-8", "LANG": "zh_CN.UTF-8"}, "POSIX"},
		{map[string]string{"LANG": "C@euro"}, "C"},
		{map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "C.UTF-8"}, ""},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "zh_CN"}, ""}, // fyne reads LANGUAGE
		{map[string]string{"LANG": "C.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, ""},
		{map[string]string{"LC_ALL": "C.UTF-8"}, ""}, // left alone: the character set
		{map[string]string{"LANG": "C"}, ""},         // fyne takes C as English already
		{map[string]string{"LANG": "zh_CN.UTF-8"}, ""},
		{map[string]string{}, ""},
	} {
		name, value, ok := fallback(func(k string) string { return tc.env[k] })
		if value != tc.want || ok != (tc.want != "") || ok && name != "LC_MESSAGES" {
			t.Errorf("%v: %s=%q %v, want LC_MESSAGES=%q", tc.env, name, value, ok, tc.want)
		}
	}
}
