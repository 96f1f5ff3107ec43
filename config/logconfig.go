package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	rotatelogs "github.com/lestrrat-go/file-rotatelogs"
	"github.com/sirupsen/logrus"
)

// LogFileName is the link, inside Log.Dir, to the current log file. Rotated
// files are named LogFileName.YYYYmmddHHMM, as in the original chat room;
// the files a period's size rotation adds are LogFileName.YYYYmmddHHMM.N,
// N = 1, 2, ...
const LogFileName = "chatroom.log"

// MinLogMaxSize is the smallest -log-max-size: a new file every few lines
// would cost a file and a folder listing each.
const MinLogMaxSize = 16 * KB

// Log configures logging: rotating files (logrus + file-rotatelogs), and a
// copy on standard error unless turned off.
type Log struct {
	Dir      string        // folder of the log files
	Level    string        // logrus level: debug, info, warn, error
	Format   string        // text or json
	Rotation time.Duration // start a new file this often
	MaxAge   time.Duration // delete files older than this
	MaxSize  ByteSize      // start a new file when the current one is this large; 0: by time only
	MaxTotal ByteSize      // delete the oldest files to keep all of them under this; 0: no cap
	Stderr   bool          // also write to standard error
	Talk     bool          // log the content of talk messages
}

// DefaultLog returns the laptop defaults: ./log, info, text, daily files of
// at most 100 MB kept a week, 1 GB in all, talk logged.
func DefaultLog() Log {
	return Log{Dir: "log", Level: "info", Format: "text", Rotation: 24 * time.Hour, MaxAge: 7 * 24 * time.Hour,
		MaxSize: 100 * MB, MaxTotal: 1 * GB, Stderr: true, Talk: true}
}

// RegisterFlags binds the log settings to flags on fs.
func (l *Log) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&l.Dir, "log-dir", l.Dir, "folder for log files ("+LogFileName+" links to the current one)")
	fs.StringVar(&l.Level, "log-level", l.Level, "log level: debug, info, warn or error")
	fs.StringVar(&l.Format, "log-format", l.Format, "log format: text or json")
	fs.DurationVar(&l.Rotation, "log-rotation", l.Rotation, "start a new log file this often")
	fs.DurationVar(&l.MaxAge, "log-max-age", l.MaxAge, "delete log files older than this")
	fs.Var(&l.MaxSize, "log-max-size", fmt.Sprintf("start a new log file when the current one reaches this `size` (KB, MB or GB; at least %v; 0: by time only, with -log-max-total 0)", MinLogMaxSize))
	fs.Var(&l.MaxTotal, "log-max-total", "delete the oldest log files to keep all of them, the current one included, under this `size` (KB, MB or GB; at least twice -log-max-size; 0: no cap, only -log-max-age)")
	fs.BoolVar(&l.Stderr, "log-stderr", l.Stderr, "also write the log to standard error")
	fs.BoolVar(&l.Talk, "log-talk", l.Talk, "log the content of talk messages (false: talk lines keep the user and seq only, for deployments that must not keep message text)")
}

// Validate reports log settings that cannot work.
func (l *Log) Validate() error {
	var errs []error
	if _, err := logrus.ParseLevel(l.Level); err != nil {
		errs = append(errs, fmt.Errorf("-log-level: %v", err))
	}
	if l.Format != "text" && l.Format != "json" {
		errs = append(errs, fmt.Errorf("-log-format must be text or json, not %q", l.Format))
	}
	if l.Dir == "" {
		errs = append(errs, errors.New("-log-dir is empty"))
	}
	if l.Rotation < time.Minute {
		errs = append(errs, errors.New("-log-rotation must be at least 1m"))
	}
	if l.MaxAge < l.Rotation {
		errs = append(errs, errors.New("-log-max-age must be at least -log-rotation"))
	}
	if l.MaxSize != 0 && l.MaxSize < MinLogMaxSize {
		errs = append(errs, fmt.Errorf("-log-max-size must be 0 or at least %v", MinLogMaxSize))
	}
	if l.MaxTotal != 0 && (l.MaxSize == 0 || l.MaxTotal < 2*l.MaxSize) {
		errs = append(errs, errors.New("-log-max-total must be 0, or at least twice -log-max-size (the current file may grow to -log-max-size beside the rotated ones); with -log-max-size 0 (files rotated by time only, which could outgrow any cap) it must be 0"))
	}
	return errors.Join(errs...)
}

// NewLogger opens the rotating log in l.Dir and returns a logger writing to
// it (and to stderr when l.Stderr). Close the returned Closer at exit.
//
// Values are written as logrus fields, never spliced into the message, and
// both formats escape them: a username or message with a newline cannot
// forge a log line.
func NewLogger(l Log, stderr io.Writer) (*logrus.Logger, io.Closer, error) {
	if err := l.Validate(); err != nil {
		return nil, nil, err
	}
	level, _ := logrus.ParseLevel(l.Level)
	if err := os.MkdirAll(l.Dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("log folder: %w", err)
	}
	dir, err := filepath.Abs(l.Dir)
	if err != nil {
		return nil, nil, err
	}
	rl, err := rotatelogs.New(
		filepath.Join(dir, LogFileName+".%Y%m%d%H%M"),
		rotatelogs.WithLinkName(filepath.Join(dir, LogFileName)),
		rotatelogs.WithRotationTime(l.Rotation),
		rotatelogs.WithRotationSize(int64(l.MaxSize)),
		rotatelogs.WithMaxAge(l.MaxAge),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("log rotation: %w", err)
	}
	file := newCappedLog(rl, dir, l, stderr)
	var out io.Writer = file
	if l.Stderr && stderr != nil {
		out = io.MultiWriter(file, stderr)
	}
	log := logrus.New()
	log.SetOutput(out)
	log.SetLevel(level)
	if l.Format == "json" {
		log.SetFormatter(&logrus.JSONFormatter{})
	} else {
		log.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
	}
	return log, file, nil
}
