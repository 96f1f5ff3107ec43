package chatserver

import (
	"context"
	"slices"
	"strings"
	"testing"

	"chatroom/internal/faultnet"
	"chatroom/model"
)

// The browser client catching up: after a restart of the server on the
// same -data-dir it shows every talk exactly once, in order, those said
// while it was away included; past -catch-up it shows the gap's notice and
// the latest talks, and scrolling back reads the rest.

// A page is cut off from the server (partitioned), talks are said, the
// server restarts on the same address and data directory, more are said;
// the page comes back and shows every talk once, in order.
func TestBrowserCatchesUpAcrossRestart(t *testing.T) {
	b := browser(t)
	dir := t.TempDir()
	r := start(t, "-data-dir", dir)
	link := faultnet.New(t, r.addr)
	p := page(t, b, "http://"+link.Addr()+"/?username=alice&lang=en&room=keep", "")
	waitJS(t, p, "alice in keep", `document.body.dataset.state === "connected" && `+titled("# keep"))
	bob := brDial(t, r.addr, "bob", "keep")
	until(t, bob, model.TypeUserList)
	sayAll(t, bob, "keep", "", "before 1", "before 2")
	typeAndEnter(t, p, "alice's own")
	brUntil(t, bob, model.TypeTalk, "alice's own")
	waitJS(t, p, "the talks so far", messageShown("before 2")+" && "+messageShown("alice's own"))

	link.Partition()
	waitJS(t, p, "the page to see the drop", `document.body.dataset.state === "reconnecting"`)
	sayAll(t, bob, "keep", "", "while away 1", "while away 2")
	bob.Close()
	r.cancel()
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	r2 := start(t, "-addr", r.addr, "-data-dir", dir)
	carol := brDial(t, r2.addr, "carol", "keep")
	until(t, carol, model.TypeUserList)
	sayAll(t, carol, "keep", "", "after the restart 1", "after the restart 2")

	link.Heal()
	waitJSWithin(t, p, 2*waitTime, "the reconnect", `document.body.dataset.state === "connected"`)
	sayAll(t, carol, "keep", "", "live again")
	waitJS(t, p, "the live talk", messageShown("live again"))
	want := []string{"before 1", "before 2", "alice's own", "while away 1", "while away 2", "after the restart 1", "after the restart 2", "live again"}
	if got := shownTalks(t, p); !slices.Equal(got, want) {
		t.Fatalf("after the restart the page shows %q, want %q: each talk once, in order", got, want)
	}
	// Once more, by a cut only: nothing missed, nothing shown again.
	link.Cut()
	waitJS(t, p, "the page to see the cut", `document.body.dataset.state === "reconnecting"`)
	waitJS(t, p, "the reconnect", `document.body.dataset.state === "connected"`)
	sayAll(t, carol, "keep", "", "last")
	waitJS(t, p, "the last talk", messageShown("last"))
	if got := shownTalks(t, p); !slices.Equal(got, append(want, "last")) {
		t.Fatalf("after a cut the page shows %q", got)
	}
}

// More talks than -catch-up while the page is away: it says so (the gap's
// notice, in Chinese on a Chinese page), shows the latest talks in place
// of what it held, and scrolling back reads the older ones, each once.
func TestBrowserShowsGap(t *testing.T) {
	b := browser(t)
	r := start(t, "-data-dir", t.TempDir(), "-catch-up", "5", "-history", "5", "-msg-rate", "0", "-msg-rate-per-ip", "0")
	link := faultnet.New(t, r.addr)
	en := page(t, b, "http://"+link.Addr()+"/?username=alice&lang=en&room=busy", "")
	zh := page(t, b, "http://"+link.Addr()+"/?username=%E5%BC%A0%E4%B8%89&lang=zh&room=busy", "")
	bob := brDial(t, r.addr, "bob", "busy")
	until(t, bob, model.TypeUserList)
	sayAll(t, bob, "busy", "", "seen")
	for _, p := range []context.Context{en, zh} {
		waitJS(t, p, "the first talk", messageShown("seen"))
	}

	link.Partition()
	for _, p := range []context.Context{en, zh} {
		waitJS(t, p, "the page to see the drop", `document.body.dataset.state === "reconnecting"`)
	}
	missed := numbered("missed", 12)
	sayAll(t, bob, "busy", "", missed...)
	link.Heal()
	const notice = `(document.querySelector("#messages li.notice.gap")?.textContent ?? "")`
	for _, p := range []context.Context{en, zh} {
		waitJSWithin(t, p, 2*waitTime, "the gap's notice and the latest talks", notice+` !== "" && `+messageShown(missed[11]))
		if got := shownTalks(t, p); !slices.Equal(got, missed[7:]) {
			t.Fatalf("after the gap the page shows %q, want the latest 5 only", got)
		}
	}
	if got := eval[string](t, en, notice); !strings.Contains(got, "more than 5 messages") {
		t.Fatalf("the gap's notice says %q", got)
	}
	if got := eval[string](t, zh, notice); !strings.Contains(got, "超过 5 条消息") {
		t.Fatalf("the gap's notice in Chinese says %q", got)
	}
	scrollToBeginning(t, en, 5)
	if got := shownTalks(t, en); !slices.Equal(got, append([]string{"seen"}, missed...)) {
		t.Fatalf("after scrolling back the page shows %q", got)
	}
}
