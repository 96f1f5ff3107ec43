package chatserver

import (
	"flag"
	"os"
	"strings"
	"testing"

	"chatroom/config"
)

// docs/operations.md documents every flag and its environment variable: a
// new flag without a line there fails here, not in an operator's hands.
func TestOperationsDocCoversEveryFlag(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.DefaultServer()
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		for _, want := range []string{"`-" + f.Name + "`", "`" + config.EnvName(f.Name) + "`"} {
			if !strings.Contains(string(doc), want) {
				t.Errorf("docs/operations.md does not mention %s", want)
			}
		}
	})
}
