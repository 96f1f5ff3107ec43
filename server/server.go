// Command server runs the chat room: a WebSocket endpoint at ws://ADDR/ws
// speaking the protobuf protocol of model/chat_message.proto, and the
// browser client at http://ADDR/.
//
//	go run ./server                 # ws://127.0.0.1:9000/ws, logs in ./log
//	go run ./server -h              # every flag; each is also CHATROOM_<FLAG>
//	go run ./server token -sub NAME # mint an access token (with -auth-secret)
//
// This file compiles alone, so the specification's `cd server && go run
// server.go` works too: the program itself is package chatserver.
package main

import (
	"context"
	"os"

	"chatroom/server/chatserver"
)

func main() {
	os.Exit(chatserver.Run(context.Background(), os.Args[1:], os.LookupEnv, os.Stderr, nil))
}
