package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"chatroom/model"
)

// search calls s.Search or fails, and gives the seqs found.
func search(t *testing.T, s *Store, conv, query string, bef uint64, limit int) ([]uint64, bool) {
	t.Helper()
	msgs, more, err := s.Search(context.Background(), conv, query, bef, limit)
	if err != nil {
		t.Fatalf("Search(%q, %q): %v", conv, query, err)
	}
	return seqs(msgs), more
}

func TestTermsIndexWordsAndCJKCharactersAndPairs(t *testing.T) {
	for content, want := range map[string]string{
		"Hello, World! ＨＥＬＬＯ":    "hello world hello",
		"大家你好啊":                  "大 大家 家 家你 你 你好 好 好啊 啊",
		"go是好的":                  "go 是 是好 好 好的 的",
		"Straße café-au-lait 42": "strasse café au lait 42",
		"!!!":                    "",
	} {
		if got := terms(content); got != want {
			t.Errorf("terms(%q) = %q, want %q", content, got, want)
		}
	}
}

func TestSearchFindsWordsByTheirStartAndCJKByCharacters(t *testing.T) {
	s := openT(t, "", Options{})
	mustAppend(t, s,
		talk("lobby", 1, "ann", "Hello world"),
		talk("lobby", 2, "bob", "大家你好啊"),
		talk("lobby", 3, "ann", "HELP me, world"),
		talk("other", 4, "ann", "hello from another room"),
		talk("lobby", 5, "bob", "你们好"),
		talk("lobby", 6, "bob", "ｈｅｌｌｏ fullwidth"),
		dm(7, "ann", "bob", "hello bob"),
		dm(8, "ann", "cat", "hello cat"),
	)
	for _, c := range []struct {
		conv, query string
		want        []uint64
	}{
		{"lobby", "hello", []uint64{6, 1}},
		{"lobby", "HEL", []uint64{6, 3, 1}},
		{"lobby", "hel wor", []uint64{3, 1}},
		{"lobby", "world hello", []uint64{1}},
		{"lobby", "你好", []uint64{2}},
		{"lobby", "好", []uint64{5, 2}},
		{"lobby", "你们好", []uint64{5}},
		{"lobby", "nothing", nil},
		{"lobby", "!!!", nil},
		{"other", "hello", []uint64{4}},
		{model.DirectConversation("bob", "ann"), "hello", []uint64{7}},
		{model.DirectConversation("ann", "cat"), "hello", []uint64{8}},
		{"lobby", `"hello" OR x* NEAR(`, nil}, // FTS syntax in a query is only words
	} {
		if got, _ := search(t, s, c.conv, c.query, 0, 50); !slices.Equal(got, c.want) {
			t.Errorf("Search(%q, %q) = %v, want %v", c.conv, c.query, got, c.want)
		}
	}
}

func TestSearchPagesNewestFirst(t *testing.T) {
	s := openT(t, "", Options{})
	var evs []*model.ChatRoomRequest
	for i := uint64(1); i <= 30; i++ {
		content := "noise"
		if i%2 == 0 {
			content = "needle number"
		}
		evs = append(evs, talk("lobby", i, "ann", content))
	}
	mustAppend(t, s, evs...)
	var got []uint64
	bef, more := uint64(0), true
	for pages := 0; more; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		var page []uint64
		page, more = search(t, s, "lobby", "needle", bef, 4)
		if len(page) == 0 {
			t.Fatalf("empty page with more, before %d", bef)
		}
		got = append(got, page...)
		bef = page[len(page)-1]
	}
	want := []uint64{30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2}
	if !slices.Equal(got, want) {
		t.Fatalf("pages = %v, want %v", got, want)
	}
}

func TestSearchRefusesALongQuery(t *testing.T) {
	s := openT(t, "", Options{})
	if _, _, err := s.Search(context.Background(), "lobby", strings.Repeat("a", MaxQueryBytes+1), 0, 10); err == nil {
		t.Fatal("a query over MaxQueryBytes: no error")
	}
	if _, _, err := s.Search(context.Background(), "lobby", "a", 0, 0); err == nil {
		t.Fatal("limit 0: no error")
	}
}

// A query's repeated words are looked up once: "a a a ..." (128 times)
// made the index look up every copy again, for seconds.
func TestSearchLooksUpEachWordOnce(t *testing.T) {
	got := matchTerms("a A a ａ 你好 你好 hello hello")
	want := `terms : "a" AND terms : "你好" AND terms : "hello"*`
	if got != want {
		t.Fatalf("matchTerms = %s, want %s", got, want)
	}
}

// A word of one letter finds itself, not every word that starts with it
// (which would read a good part of the index); two letters start words.
func TestSearchOneLetterIsAWord(t *testing.T) {
	s := openT(t, "", Options{})
	mustAppend(t, s, talk("lobby", 1, "ann", "a plan"), talk("lobby", 2, "ann", "apples"), talk("lobby", 3, "ann", "apricots"))
	for q, want := range map[string][]uint64{"a": {1}, "ap": {3, 2}, "A PL": {1}} {
		msgs, _, err := s.Search(context.Background(), "lobby", q, 0, 10)
		if err != nil || !slices.Equal(seqs(msgs), want) {
			t.Errorf("search %q: %v (%v), want %v", q, seqs(msgs), err, want)
		}
		if got := matches(q, []string{"a plan", "apples", "apricots"}); !slices.Equal(got, want) {
			t.Errorf("model.ParseQuery(%q) matches %v, want %v (the NATS scan and the index must agree)", q, got, want)
		}
	}
}

// matches is the seqs (1-based, newest first) of texts that q matches as
// model.Query does.
func matches(q string, texts []string) []uint64 {
	var out []uint64
	for i := len(texts) - 1; i >= 0; i-- {
		if model.ParseQuery(q).Match(texts[i]) {
			out = append(out, uint64(i+1))
		}
	}
	return out
}
