package model

import (
	"fmt"
	"testing"
)

func TestQueryMatch(t *testing.T) {
	cases := []struct {
		query, text string
		want        bool
	}{
		{"hel", "Hello, world", true},
		{"HELLO wor", "hello world", true},
		{"ＨＥＬＬＯ", "hello", true},
		{"hello there", "hello world", false},
		{"ello", "hello", false},
		{"你好", "大家你好啊", true},
		{"你好", "你们好", false},
		{"好", "大家你好啊", true},
		{"你好 bob", "bob: 你好!", true},
		{"straße", "STRASSE", true},
		{"café", "Cafe\u0301 au lait", true},
		{"", "anything", false},
		{"  ,.", "anything", false},
		{"abc你好", "abc 你好", true},
	}
	for _, c := range cases {
		if got := ParseQuery(c.query).Match(c.text); got != c.want {
			t.Errorf("%q in %q: %v, want %v", c.query, c.text, got, c.want)
		}
	}
}

func TestSearchTermsSplitsWordsAndCJKRuns(t *testing.T) {
	got := SearchTerms("Hi大家好, x2!")
	want := []SearchTerm{{"hi", false}, {"大家好", true}, {"x2", false}}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%v, want %v", got, want)
		}
	}
}

// What matching costs per talk, ASCII and Chinese (printed, not asserted).
func BenchmarkQueryMatch(b *testing.B) {
	q := ParseQuery("nosuchword")
	for _, text := range []string{"message 12345 word345", "大家好，今天的会议改到下午三点"} {
		b.Run(fmt.Sprint(len(text)), func(b *testing.B) {
			for range b.N {
				q.Match(text)
			}
		})
	}
}
