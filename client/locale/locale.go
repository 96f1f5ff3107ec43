// Package locale makes a C locale (LANG=C.UTF-8, as in most containers and
// services) read as English before fyne reads it. fyne takes the C of
// C.UTF-8 for a language and prints "Fyne error: Error parsing user locale
// C" on every start; a plain C or POSIX it already takes as English,
// quietly. So when LANG or LC_MESSAGES says C.UTF-8 (or C@…, POSIX.…),
// LC_MESSAGES becomes plain C: the same messages (C.UTF-8 translates
// nothing), the character set untouched, and -lang, which sets LC_ALL,
// still wins. An LC_ALL of C.UTF-8 is left as it is: changing it would
// change the character set too.
//
// It does so in init, because fyne reads the locale while it initialises:
// a program imports this package for its effect only (import _
// "chatroom/client/locale"), and Go initialises it before fyne's lang
// package, as it needs nothing fyne needs and its import path sorts first
// (the Go specification's order of package initialisation).
package locale

import (
	"os"
	"strings"
)

func init() {
	if name, value, ok := fallback(os.Getenv); ok {
		os.Setenv(name, value)
	}
}

// fallback returns the variable to set, and its value, when the locale
// fyne would read (LC_ALL, LC_MESSAGES or LANG, the first set) is C or
// POSIX with a codeset or modifier, and LANGUAGE, which fyne reads instead
// of those, is not set.
func fallback(getenv func(string) string) (name, value string, ok bool) {
	if getenv("LANGUAGE") != "" || getenv("LC_ALL") != "" {
		return "", "", false
	}
	loc := getenv("LC_MESSAGES")
	if loc == "" {
		loc = getenv("LANG")
	}
	base, _, _ := strings.Cut(loc, "@")
	base, _, _ = strings.Cut(base, ".")
	if (base == "C" || base == "POSIX") && loc != base {
		return "LC_MESSAGES", base, true
	}
	return "", "", false
}
