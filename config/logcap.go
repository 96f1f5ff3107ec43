package config

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	rotatelogs "github.com/lestrrat-go/file-rotatelogs"
)

// The cap on the log folder's total size (-log-max-total). file-rotatelogs
// rotates by time and by size and deletes by age, but its own cap
// (WithRotationCount) cannot be combined with an age limit, counts files
// rather than bytes, and orders them by name, so that generation .10 goes
// before .9. cappedLog does the capping instead, each time a new file
// starts.

// cappedLog writes to a rotating log and, each time it moves to a new file,
// deletes the oldest rotated files until they fit in MaxTotal less
// MaxSize, the room the new file may grow to before the next rotation.
type cappedLog struct {
	rl     *rotatelogs.RotateLogs
	dir    string    // the log folder, absolute
	budget int64     // bytes the rotated files may keep; <= 0: no cap
	errOut io.Writer // where a file that cannot be deleted is reported; nil: nowhere

	mu      sync.Mutex
	current string // the file the last write went to
}

func newCappedLog(rl *rotatelogs.RotateLogs, dir string, l Log, errOut io.Writer) *cappedLog {
	c := &cappedLog{rl: rl, dir: dir, errOut: errOut}
	if l.MaxTotal > 0 {
		c.budget = int64(l.MaxTotal - l.MaxSize)
	}
	return c
}

// Write writes p to the current file and, if that started a new one,
// applies the cap.
func (c *cappedLog) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.rl.Write(p)
	if cur := c.rl.CurrentFileName(); cur != c.current {
		c.current = cur
		if c.budget > 0 {
			c.prune()
		}
	}
	return n, err
}

// Close closes the current file.
func (c *cappedLog) Close() error { return c.rl.Close() }

// logFile is one rotated file of the folder.
type logFile struct {
	path     string
	size     int64
	modified time.Time
	stamp    string // YYYYmmddHHMM
	gen      int    // the size rotation's generation within the stamp's period
}

// prune keeps the newest rotated files that fit in the budget together and
// deletes the older ones (never the current file).
func (c *cappedLog) prune() {
	files := c.rotated()
	// Newest first: by modification time, then by name, with generations
	// in number order.
	slices.SortFunc(files, func(a, b logFile) int {
		return cmp.Or(b.modified.Compare(a.modified), cmp.Compare(b.stamp, a.stamp), cmp.Compare(b.gen, a.gen))
	})
	var kept int64
	full := false
	for _, f := range files {
		if full = full || kept+f.size > c.budget; !full {
			kept += f.size
			continue
		}
		if err := os.Remove(f.path); err != nil && !os.IsNotExist(err) && c.errOut != nil {
			fmt.Fprintf(c.errOut, "log: cannot delete %s to keep the log folder under its cap: %v\n", f.path, err)
		}
	}
}

// rotated lists the folder's log files but the current one.
func (c *cappedLog) rotated() []logFile {
	paths, _ := filepath.Glob(filepath.Join(c.dir, LogFileName+".*"))
	var files []logFile
	for _, p := range paths {
		if p == c.current || strings.HasSuffix(p, "_lock") || strings.HasSuffix(p, "_symlink") {
			continue
		}
		info, err := os.Lstat(p)
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		stamp, gen, _ := strings.Cut(strings.TrimPrefix(filepath.Base(p), LogFileName+"."), ".")
		n, _ := strconv.Atoi(gen)
		files = append(files, logFile{path: p, size: info.Size(), modified: info.ModTime(), stamp: stamp, gen: n})
	}
	return files
}
