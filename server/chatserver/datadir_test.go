package chatserver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chatroom/service/store"
)

// A data directory the server cannot use stops its start: exit code 1 and
// the reason in words on its log (standard error here).
func TestABadDataDirStopsTheStart(t *testing.T) {
	notDB := t.TempDir()
	os.WriteFile(filepath.Join(notDB, store.FileName), []byte(strings.Repeat("not a database ", 10)), 0o644)
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	inUse := t.TempDir()
	s, err := store.Open(inUse, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct{ dir, want string }{
		{notDB, filepath.Join(notDB, store.FileName) + " is not a chatroom database (it is not an SQLite file)"},
		{filepath.Join(file, "data"), "is not a directory"},
		{inUse, "data directory " + inUse + " is in use by another chatroom server"},
	} {
		var stderr syncBuffer
		args := []string{"-addr", "127.0.0.1:0", "-log-dir", t.TempDir(), "-data-dir", c.dir}
		code := Run(context.Background(), args, noEnv, &stderr, func(string) { t.Errorf("-data-dir %s: the server started", c.dir) })
		if code != 1 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("-data-dir %s: exit %d, said %q; want 1 and %q", c.dir, code, stderr.String(), c.want)
		}
	}
}
