// Package clocale makes a C locale with a codeset (C.UTF-8, the default in
// many containers and CI images, or POSIX.UTF-8) read as English to fyne,
// quietly. Import it for its effect, before anything that imports fyne:
// view does.
//
// fyne's lang package takes the language from LC_ALL, LC_MESSAGES or LANG
// (the first one set; LANGUAGE instead, if set, unless that locale is
// plain C). It knows plain "C" and "POSIX" mean no language and falls back
// to English, but of "C.UTF-8" it parses "C" as a language, fails, and
// logs "Fyne error: Error parsing user locale C": in its package init,
// before main (even for -h), and each time it looks again. This package's
// init says the same in words fyne knows: LC_MESSAGES=C, the category of
// messages, while LC_CTYPE and the others keep the codeset (GLFW takes the
// text input's codeset from LC_CTYPE).
//
// It runs first because Go initializes, of the packages whose imports are
// all initialized, the first by import path: chatroom/view/clocale imports
// only packages fyne's lang imports too, and sorts before fyne.io/… (the Go
// spec, "Package initialization").
package clocale

import (
	"os"
	"strings"
)

func init() {
	for _, c := range Changes(os.Getenv) {
		if c.Value == "" {
			os.Unsetenv(c.Name)
		} else {
			os.Setenv(c.Name, c.Value)
		}
	}
}

// Change is one change to the environment: Name set to Value, or unset if
// Value is empty.
type Change struct{ Name, Value string }

// Changes returns the changes to the environment (read with getenv) that
// make a C locale with a codeset plain C for messages, or none if fyne
// reads the locale without an error already.
func Changes(getenv func(string) string) []Change {
	name, value := messagesLocale(getenv)
	if value == "C" || value == "POSIX" || !isC(value) || getenv("LANGUAGE") != "" {
		return nil // fyne knows these, or reads a language, or LANGUAGE
	}
	if name != "LC_ALL" {
		return []Change{{"LC_MESSAGES", "C"}}
	}
	// LC_ALL sets every category: set each instead, messages to C.
	changes := []Change{{"LC_ALL", ""}}
	for _, category := range [...]string{"LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY",
		"LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION"} {
		changes = append(changes, Change{category, value})
	}
	return append(changes, Change{"LC_MESSAGES", "C"})
}

// messagesLocale is the locale of messages, as fyne reads it: the first
// of LC_ALL, LC_MESSAGES and LANG that is set, and its name.
func messagesLocale(getenv func(string) string) (name, value string) {
	for _, name := range [...]string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if value := getenv(name); value != "" {
			return name, value
		}
	}
	return "", ""
}

// isC is whether locale is C or POSIX, with or without a codeset or
// modifier (C.UTF-8, POSIX.UTF-8, C.utf8).
func isC(locale string) bool {
	language, _, _ := strings.Cut(locale, ".")
	if i := strings.IndexAny(language, "@_-"); i >= 0 {
		language = language[:i]
	}
	return language == "C" || language == "POSIX"
}
