// Package model is the chat room's wire protocol: chat_message.proto (its
// comment is the protocol's reference, as the README's Protocol section
// is), the Go generated from it, and codec.go: message types, encoding and
// decoding, the subprotocols and the rules the server and the clients
// share (a username's, a talk's content).
package model

// The generated code is committed; regenerate it after editing the .proto with
// `go generate ./model` (needs protoc from Debian's protobuf-compiler and
// `go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12`, with
// $(go env GOPATH)/bin, where that installs it, on PATH).
//go:generate protoc --go_out=. --go_opt=paths=source_relative chat_message.proto
