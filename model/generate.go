package model

// The generated code is committed; regenerate it after editing the .proto with
// `go generate ./model` (needs protoc from Debian's protobuf-compiler and
// `go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12`, with
// $(go env GOPATH)/bin, where that installs it, on PATH).
//go:generate protoc --go_out=. --go_opt=paths=source_relative chat_message.proto
