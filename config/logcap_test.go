package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestByteSizeFlags(t *testing.T) {
	for in, want := range map[string]ByteSize{"0": 0, "65536": 64 * KB, "64KB": 64 * KB, "64k": 64 * KB, "100MB": 100 * MB, "1 GiB": GB, "7B": 7} {
		var b ByteSize
		if err := b.Set(in); err != nil || b != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, b, err, want)
		}
	}
	for _, in := range []string{"", "-1MB", "1.5GB", "MB", "12XB", "99999999999GB"} {
		var b ByteSize
		if err := b.Set(in); err == nil {
			t.Errorf("Set(%q) = %d, want an error", in, b)
		}
	}
	for b, want := range map[ByteSize]string{0: "0", 100 * MB: "100MB", GB: "1GB", 1536: "1536", 64 * KB: "64KB"} {
		if got := b.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int64(b), got, want)
		}
	}
}

// Whatever is logged, the folder stays under -log-max-total (with at most
// the one line that crossed -log-max-size over it), the newest lines stay,
// and more than ten size rotations in one period keep their order.
func TestLogFolderStaysUnderItsCap(t *testing.T) {
	l := DefaultLog()
	l.Dir = t.TempDir()
	l.Stderr = false
	l.MaxSize, l.MaxTotal = 16*KB, 64*KB
	var errOut bytes.Buffer
	log, closer, err := NewLogger(l, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	line := strings.Repeat("x", 1000)
	const lines = 1000 // about 1 MB: some 60 files of 16 KB
	largest := int64(0)
	for i := range lines {
		log.WithField("n", fmt.Sprintf("%04d", i)).Info(line)
		largest = max(largest, folderSize(t, l.Dir))
	}
	if largest > int64(l.MaxTotal+2*KB) {
		t.Errorf("the folder reached %d bytes; the cap is %d", largest, l.MaxTotal)
	}
	files, _ := filepath.Glob(filepath.Join(l.Dir, LogFileName+".*"))
	var all strings.Builder
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all.Write(b)
	}
	// The newest lines are the ones kept: from some line on, all of them.
	for i := lines - 40; i < lines; i++ {
		if !strings.Contains(all.String(), fmt.Sprintf("n=%04d", i)) {
			t.Errorf("line %d of %d was deleted; files: %v", i, lines, files)
			break
		}
	}
	if strings.Contains(all.String(), "n=0000") {
		t.Error("the first line is still there")
	}
	if errOut.Len() > 0 {
		t.Errorf("errors: %s", errOut.String())
	}
	t.Logf("%d files, at most %d bytes (cap %d)", len(files), largest, l.MaxTotal)
}

func folderSize(t *testing.T, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n
}
