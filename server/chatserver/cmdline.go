package chatserver

import (
	"fmt"
	"net/http"
	"os"
	"strings"
)

// pprof's /debug/pprof/cmdline shows the process's command line; this one
// shows it with the values of secret flags replaced, so that
// `-auth-secret X` on a command line does not leak through -debug-addr.
// (Secrets set in the environment never show there.)

// redactedCmdline answers with the command line, arguments separated by
// NUL bytes as pprof.Cmdline does, secret values hidden.
func redactedCmdline(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, strings.Join(redactArgs(os.Args), "\x00"))
}

// redactArgs returns args with the value of every secret flag (-flag
// value, -flag=value, with one or two dashes) replaced by "REDACTED".
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i := 0; i < len(out); i++ {
		flag, value, hasValue := strings.Cut(out[i], "=")
		name := strings.TrimLeft(flag, "-")
		if !strings.HasPrefix(flag, "-") {
			continue
		}
		switch {
		case hasValue && isSecret(name, value):
			out[i] = flag + "=REDACTED"
		case !hasValue && i+1 < len(out) && isSecret(name, out[i+1]):
			i++
			out[i] = "REDACTED"
		}
	}
	return out
}

// isSecret says whether value, given to the flag called name, is a secret:
// -auth-secret's and -api-key's always, -nats's when its URLs carry credentials
// (user:password@).
func isSecret(name, value string) bool {
	return name == "auth-secret" || name == "api-key" || (name == "nats" && strings.Contains(value, "@"))
}
