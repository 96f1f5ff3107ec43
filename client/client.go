// Command client is the desktop chat client (fyne): log in with a server
// address and a username, see who is online, chat. It speaks the protocol
// of model/chat_message.proto through session.Session.
//
//	go run ./client                    # UI language from the system locale
//	go run ./client -lang zh           # force Chinese (or en)
//	go run ./client -room go -room 中文  # start in the rooms go and 中文 (or -room go,中文)
//	go run ./client -addr wss://chat.example.com:443 -ca ca.pem -token "$(go run ./server token -sub 张三)"
//
// On Linux it needs the Debian packages listed in the README to build, and
// a CJK font (fonts-noto-cjk) to show Chinese.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"

	"fyne.io/fyne/v2/app"

	"chatroom/ctrl"
	"chatroom/view"
)

func main() {
	flag.Usage = func() { // "Usage of client", not of go run's temporary binary
		fmt.Fprintln(flag.CommandLine.Output(), "Usage of client:")
		flag.PrintDefaults()
	}
	language := flag.String("lang", "", "UI language: zh or en (default: the system locale)")
	addr := flag.String("addr", ctrl.DefaultAddress, "server address to fill in")
	user := flag.String("username", "", "username to fill in")
	reconnect := flag.Bool("reconnect", true, "reconnect automatically when the connection drops")
	maxContent := flag.Int("max-content", 4096, "the server's message limit, in bytes")
	token := flag.String("token", "", "access token for a server run with -auth-secret (default $CHATROOM_TOKEN; mint one with: go run ./server token -sub NAME)")
	var rooms ctrl.RoomNames
	flag.Var(&rooms, "room", "a `room` to start in (repeat it, or give a comma list; the first is the home room; default: the server's default room)")
	caFile := flag.String("ca", "", "PEM file of the CA that signed the server's certificate, for wss:// addresses (default: the system's)")
	flag.Parse()
	if *token == "" {
		*token = os.Getenv("CHATROOM_TOKEN") // not the flag's default: -h would print it
	}
	tlsConf, err := tlsConfig(*caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(2)
	}
	if err := view.LoadTranslations(*language); err != nil {
		fmt.Fprintln(os.Stderr, "client: translations:", err)
	}
	a := app.NewWithID("io.github.chatroom.client")
	w := view.New(a, nil)
	c := ctrl.NewClient(w, ctrl.ClientOptions{Reconnect: *reconnect, MaxContent: *maxContent, Token: *token, TLS: tlsConf, Rooms: rooms})
	w.Bind(c)
	w.Address.SetText(*addr)
	w.Username.SetText(*user)
	w.Win.ShowAndRun()
	c.Disconnect()
}

// tlsConfig trusts caFile's certificates for wss://; nil (the system's
// roots) when caFile is empty.
func tlsConfig(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
