package chatroom_test

// The commands the README and docs/ give must work on a fresh clone, and the
// defaults they state must be the code's: these tests read both from the
// documents themselves (docs_test.go), so that a document that drifts from
// the code fails here. The quick commands run on freshly built binaries:
// each program's -h, the specification's `cd server && go run server.go`,
// the token example with its secret recipe; every flag table is compared
// with `server -h`.

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// commandWait bounds every command these tests run, and every wait.
const commandWait = 2 * time.Minute

func TestDocumentedCommands(t *testing.T) {
	docs := readDocs(t)
	bin := buildPrograms(t)

	t.Run("every program's -h", func(t *testing.T) { testHelp(t, docs, bin) })
	t.Run("the specification's go run", func(t *testing.T) { testSpecRun(t, docs) })
	t.Run("the token example", func(t *testing.T) { testTokenExample(t, docs, bin) })
	t.Run("flag defaults", func(t *testing.T) { testDefaults(t, docs, bin) })
	t.Run("go test -run", func(t *testing.T) { testGoTestRuns(t, docs) })
}

// buildPrograms builds every main package of the module, once, into a
// folder of the test, and returns the folder. The go command's cache makes
// it quick after the first time.
func buildPrograms(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	out, err := exec.Command("go", "list", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := strings.Fields(string(out))
	build := exec.Command("go", append([]string{"build", "-o", bin + "/"}, pkgs...)...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", pkgs, err, out)
	}
	return bin
}

// programs are the names of the module's commands: the folders of its main
// packages, as the docs call them (go run ./NAME, go run ./internal/NAME).
// buildPrograms built each as bin/ and the folder's last element.
func programs(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{if eq .Name "main"}}{{.Dir}}{{end}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, dir := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.ToSlash(rel))
	}
	return names
}

// onBinaries turns a documented command line into one that runs the built
// programs: `go run ./server` becomes the binary bin/server, `go run
// ./internal/storebench` bin/storebench.
func onBinaries(line, bin string, names []string) string {
	for _, n := range names {
		line = regexp.MustCompile(`go run \./`+regexp.QuoteMeta(n)+`\b`).ReplaceAllLiteralString(line, strconv.Quote(filepath.Join(bin, path.Base(n))))
	}
	return line
}

// shell runs a bash script in the repository's root with env added to a
// clean environment: no display (the desktop client must not need one for
// -h) and the C locale of a fresh machine.
func shell(t *testing.T, script string, env ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DISPLAY", "WAYLAND_DISPLAY", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG":
		default:
			if !strings.HasPrefix(k, "CHATROOM_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
	}
	cmd.Env = append(cmd.Env, "LANG=C.UTF-8")
	cmd.Env = append(cmd.Env, env...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// testHelp runs every documented `go run ./PROGRAM -h` (and `server token
// -h`, `server backup -h`) on the built programs; every program must have
// one.
func testHelp(t *testing.T, docs []doc, bin string) {
	names := programs(t)
	want := append(slices.Clone(names), "server token", "server backup")
	helpLine := regexp.MustCompile(`^go run \./([\w/]+(?: token| backup)?) -h$`)
	done := map[string]bool{}
	for _, c := range commands(docs) {
		m := helpLine.FindStringSubmatch(c)
		if m == nil || done[m[1]] {
			continue
		}
		done[m[1]] = true
		t.Run(m[1], func(t *testing.T) {
			stdout, stderr, err := shell(t, onBinaries(c, bin, names))
			out := stdout + stderr
			if err != nil || !strings.Contains(strings.ToLower(out), "usage") {
				t.Fatalf("%s: %v\n%s", c, err, out)
			}
			if strings.Contains(out, "Fyne error") {
				t.Errorf("%s, under LANG=C.UTF-8 and without a display, complained: %s", c, out)
			}
			if m[1] == "server" && !strings.Contains(out, "server token") {
				t.Errorf("%s does not mention the token subcommand:\n%s", c, out)
			}
		})
	}
	for _, w := range want {
		if !done[w] {
			t.Errorf("no document gives `go run ./%s -h`", w)
		}
	}
}

// testSpecRun runs the specification's way to start each program, as the
// README gives it, with -h: server.go and client.go compile alone.
func testSpecRun(t *testing.T, docs []doc) {
	readme := slices.IndexFunc(docs, func(d doc) bool { return d.path == "README.md" })
	for _, want := range []string{"cd server && go run server.go", "cd client && go run client.go"} {
		if !slices.Contains(commands(docs[readme:readme+1]), want) {
			t.Errorf("the README does not give `%s`", want)
			continue
		}
		t.Run(want, func(t *testing.T) {
			stdout, stderr, err := shell(t, want+" -h")
			out := stdout + stderr
			if err != nil || !strings.Contains(out, "Usage") {
				t.Fatalf("%s -h: %v\n%s", want, err, out)
			}
			if strings.Contains(out, "Fyne error") {
				t.Errorf("%s -h complained: %s", want, out)
			}
		})
	}
}

// testTokenExample runs each documented token example: its secret recipe
// (export CHATROOM_AUTH_SECRET=...) and its `go run ./server token` line.
// A server given that secret must accept the token for its user.
func testTokenExample(t *testing.T, docs []doc, bin string) {
	names := programs(t)
	found := 0
	for _, d := range docs {
		for i, block := range d.block {
			var recipe, mint string
			for _, line := range block {
				switch {
				case strings.HasPrefix(line, "export CHATROOM_AUTH_SECRET="):
					recipe = line
				case strings.HasPrefix(line, "go run ./server token ") && mint == "":
					mint = line
				}
			}
			if recipe == "" || mint == "" {
				continue
			}
			found++
			t.Run(fmt.Sprintf("%s block %d", d.path, i+1), func(t *testing.T) {
				script := recipe + "\n" + onBinaries(mint, bin, names) + "\n" + `printf 'secret %s\n' "$CHATROOM_AUTH_SECRET"`
				stdout, stderr, err := shell(t, script)
				lines := strings.Split(strings.TrimSpace(stdout), "\n")
				if err != nil || len(lines) != 2 || !strings.HasPrefix(lines[1], "secret ") {
					t.Fatalf("%s\n%s: %v\n%s%s", recipe, mint, err, stdout, stderr)
				}
				token, secret := lines[0], strings.TrimPrefix(lines[1], "secret ")
				user := regexp.MustCompile(`-sub (\S+)`).FindStringSubmatch(mint)[1]
				addr := startServer(t, filepath.Join(bin, "server"), "CHATROOM_AUTH_SECRET="+secret)
				joinWithToken(t, addr, token, user)
			})
		}
	}
	if found == 0 {
		t.Fatal("no document shows how to make a secret and mint a token (export CHATROOM_AUTH_SECRET=… and go run ./server token …)")
	}
}

// startServer starts the built server on a free loopback port with env
// and returns its address, read from its start line.
func startServer(t *testing.T, server string, env ...string) string {
	t.Helper()
	cmd := exec.Command(server, "-addr", "127.0.0.1:0", "-log-dir", t.TempDir())
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		url := regexp.MustCompile(`url="?ws://([^/" ]+)/ws`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := url.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		close(found)
		for sc.Scan() { // the rest of the log, so the server never blocks on it
		}
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			t.Fatal("the server exited without its start line")
		}
		return addr
	case <-time.After(commandWait):
		t.Fatal("the server printed no start line")
		return ""
	}
}

// joinWithToken connects to the server at addr with token and checks that
// it joins as user.
func joinWithToken(t *testing.T, addr, token, user string) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: commandWait}
	ws, resp, err := d.Dial("ws://"+addr+"/ws", http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("the server refused the documented token: %v (HTTP %d)", err, status)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(commandWait))
	_, frame, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(frame), user) {
		t.Fatalf("the first frame, the join, does not name %s: %q", user, frame)
	}
}

// testDefaults compares each flag table of the documents (a column "flag",
// a column "default", maybe "environment") with `server -h`. A default
// cell may be the value -h prints; for a zero default, "off", "none" or
// 0, or "0: WHAT" or a phrase that -h says the same way.
func testDefaults(t *testing.T, docs []doc, bin string) {
	stdout, stderr, err := shell(t, strconv.Quote(filepath.Join(bin, "server"))+" -h")
	if err != nil {
		t.Fatalf("server -h: %v\n%s", err, stderr)
	}
	flags := parseHelp(stdout + stderr)
	if len(flags) < 20 {
		t.Fatalf("read only %d flags from server -h:\n%s", len(flags), stderr)
	}
	rows := 0
	for _, d := range docs {
		for _, row := range flagTableRows(d.text) {
			rows++
			names := regexp.MustCompile("`-([\\w-]+)`").FindAllStringSubmatch(row["flag"], -1)
			defaults := splitCell(row["default"], len(names))
			envs := splitCell(row["environment"], len(names))
			for i, n := range names {
				f, ok := flags[n[1]]
				if !ok {
					t.Errorf("%s: -%s is not a flag of server -h", d.path, n[1])
					continue
				}
				if err := sameDefault(defaults[i], f); err != nil {
					t.Errorf("%s: -%s: %v", d.path, n[1], err)
				}
				if _, has := row["environment"]; has {
					want := "`CHATROOM_" + strings.ToUpper(strings.ReplaceAll(n[1], "-", "_")) + "`"
					if envs[i] != want {
						t.Errorf("%s: -%s: environment %s, want %s", d.path, n[1], envs[i], want)
					}
				}
			}
		}
	}
	if rows < 30 {
		t.Fatalf("found only %d flag table rows in %v", rows, docFiles())
	}
}

// testGoTestRuns checks every documented `go test -run NAME PACKAGE`: the
// package has a test of that name.
func testGoTestRuns(t *testing.T, docs []doc) {
	run := regexp.MustCompile(`go test (?:.* )?-run (\w+) (\./[\w/]+)`)
	for _, c := range commands(docs) {
		m := run.FindStringSubmatch(c)
		if m == nil {
			continue
		}
		out, err := exec.Command("go", "test", "-list", "^"+m[1]+"$", m[2]).CombinedOutput()
		if err != nil || !slices.Contains(strings.Fields(string(out)), m[1]) {
			t.Errorf("`%s`: %s has no test %s: %v\n%s", c, m[2], m[1], err, out)
		}
	}
}
