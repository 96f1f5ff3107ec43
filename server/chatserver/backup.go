package chatserver

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"chatroom/config"
	"chatroom/service/store"
)

// This file owns `server backup`: a copy of a data directory's history
// database (chatroom.db) in one new file, consistent even while a server
// is writing it (SQLite's VACUUM INTO reads one snapshot). Restoring is
// stopping the server and copying the file back as DIR/chatroom.db.

// runBackup is `server backup -data-dir DIR -out FILE`.
func runBackup(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data-dir", "", "the server's -data-dir (default: $"+config.EnvName("data-dir")+", else "+config.DefaultDataDir+")")
	out := fs.String("out", "", "the file to write the copy to; it must not exist (required)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: server backup -data-dir DIR -out FILE\nCopies DIR/%s to FILE, a new file, consistent even while a server runs on DIR.\nTo restore: stop the server, move DIR/%[2]s, %[2]s-wal and %[2]s-shm away\n(a WAL left there would be replayed onto the copy), copy FILE to DIR/%[2]s,\nstart the server.\n", store.FileName, store.FileName)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "server backup: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "server backup: -out FILE is required")
		return 2
	}
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "data-dir" })
	if !set {
		*dir = config.DefaultDataDir
		if v, ok := lookupEnv(config.EnvName("data-dir")); ok {
			*dir = v
		}
	}
	if *dir == "" {
		fmt.Fprintln(stderr, `server backup: -data-dir is "": a server run so keeps no database to back up`)
		return 2
	}
	if err := store.BackupDir(ctx, *dir, *out); err != nil {
		fmt.Fprintln(stderr, "server backup:", err)
		return 1
	}
	size := int64(0)
	if info, err := os.Stat(*out); err == nil {
		size = info.Size()
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes)\n", filepath.Join(*dir, store.FileName), *out, size)
	return 0
}
