package chatserver

import (
	"testing"

	"chatroom/model"
)

// Names are isolated in bidirectional text: every place the page shows a
// username (a message's sender, a join or leave line, the user list, the
// status), the name is a <bdi> element of its own, so that a right-to-left
// name, or one ending in punctuation or digits, cannot reorder the words
// around it. (Attack 3 of issue 15.)
func TestBrowserIsolatesNames(t *testing.T) {
	b := browser(t)
	r := start(t)
	p := page(t, b, "http://"+r.addr+"/?username=reader&lang=en", "")
	waitJS(t, p, "the page to connect", `document.body.dataset.state === "connected"`)
	const name = "שרה 2!"
	ws := dial(t, r.addr, name)
	until(t, ws, model.TypeUserList)
	send(t, ws, model.TypeTalk, "12 apples")
	waitJS(t, p, "the talk", messageShown("12 apples"))
	// The page asks for coalesced presence: a join comes at the end of its
	// window (a join and leave in one window would say only the leave).
	waitJS(t, p, "the join", `[...document.querySelectorAll("#messages li.system")].some(e => e.textContent.endsWith(" joined"))`)
	ws.Close()
	waitJS(t, p, "the leave", `[...document.querySelectorAll("#messages li.system")].some(e => e.textContent.endsWith(" left"))`)
	isolated := func(sel, text string) string {
		return `[...document.querySelectorAll(` + js(sel) + `)].some(e => e.textContent === ` + js(text) + `)`
	}
	checks := map[string]string{
		"the sender":            isolated("#messages li bdi.sender", name),
		"the join line's name":  `[...document.querySelectorAll("#messages li.system")].some(li => li.textContent.endsWith(` + js(name+" joined") + `) && li.querySelector("bdi")?.textContent === ` + js(name) + `)`,
		"the leave line's name": `[...document.querySelectorAll("#messages li.system")].some(li => li.textContent.endsWith(` + js(name+" left") + `) && li.querySelector("bdi")?.textContent === ` + js(name) + `)`,
		"the user list's name":  isolated("#users li bdi", "reader"),
		"the status's name":     isolated("#status bdi", "reader"),
		"the status's words":    `document.getElementById("status").textContent === "Connected as reader"`,
	}
	for what, expr := range checks {
		if !eval[bool](t, p, expr) {
			t.Errorf("%s is not isolated: %s is false", what, expr)
		}
	}
}
