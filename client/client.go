// Command client is the desktop chat client (fyne): log in with a server
// address and a username, see who is online, chat. It speaks the protocol
// of model/chat_message.proto through service.Session.
//
//	go run ./client                    # UI language from the system locale
//	go run ./client -lang zh           # force Chinese (or en)
//
// On Linux it needs the Debian packages listed in the README to build, and
// a CJK font (fonts-noto-cjk) to show Chinese.
package main

import (
	"flag"
	"fmt"
	"os"

	"fyne.io/fyne/v2/app"

	"chatroom/ctrl"
	"chatroom/view"
)

func main() {
	language := flag.String("lang", "", "UI language: zh or en (default: the system locale)")
	addr := flag.String("addr", ctrl.DefaultAddress, "server address to fill in")
	user := flag.String("username", "", "username to fill in")
	reconnect := flag.Bool("reconnect", true, "reconnect automatically when the connection drops")
	maxContent := flag.Int("max-content", 4096, "the server's message limit, in bytes")
	flag.Parse()
	if err := view.LoadTranslations(*language); err != nil {
		fmt.Fprintln(os.Stderr, "client: translations:", err)
	}
	a := app.NewWithID("io.github.chatroom.client")
	w := view.New(a, nil)
	c := ctrl.NewClient(w, ctrl.ClientOptions{Reconnect: *reconnect, MaxContent: *maxContent})
	w.Bind(c)
	w.Address.SetText(*addr)
	w.Username.SetText(*user)
	w.Win.ShowAndRun()
	c.Disconnect()
}
