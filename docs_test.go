package chatroom_test

// Reading the documents: their commands (code spans and code blocks) and
// flag tables, for commands_test.go; and the paths and links they give,
// which must exist inside the repository.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// docFiles are the documents a user follows.
func docFiles() []string {
	return []string{"README.md", "BENCHMARKS.md", "RELIABILITY.md", "docs/cluster.md", "docs/operations.md", "docs/api.md"}
}

// doc is one document: its path and what it shows as code.
type doc struct {
	path  string
	text  string
	spans []string   // inline code spans, whatever the line breaks inside them
	lines []string   // lines of the fenced code blocks
	block [][]string // the fenced code blocks, line by line
}

func readDocs(t *testing.T) []doc {
	t.Helper()
	var docs []doc
	for _, path := range docFiles() {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		d := doc{path: path, text: string(b)}
		var prose []string
		var block []string
		in := false
		for _, line := range strings.Split(d.text, "\n") {
			switch {
			case strings.HasPrefix(line, "```") && !in:
				in, block = true, nil
			case strings.HasPrefix(line, "```"):
				in = false
				d.block = append(d.block, block)
				d.lines = append(d.lines, block...)
			case in:
				block = append(block, line)
			default:
				prose = append(prose, line)
			}
		}
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(strings.Join(prose, " "), -1) {
			d.spans = append(d.spans, m[1])
		}
		docs = append(docs, d)
	}
	return docs
}

// commands are the commands of every document, as written: each code
// span and each line of a code block, without a trailing comment.
func commands(docs []doc) []string {
	var out []string
	for _, d := range docs {
		for _, c := range append(slices.Clone(d.spans), d.lines...) {
			if i := strings.Index(c, "  #"); i >= 0 {
				c = c[:i]
			}
			out = append(out, strings.TrimSpace(c))
		}
	}
	return out
}

// flagHelp is one flag as -h shows it.
type flagHelp struct {
	usage      string
	def        string // the default -h prints, unquoted
	hasDefault bool   // -h prints none for a zero default
}

// parseHelp reads the flags out of a flag package's -h output.
func parseHelp(out string) map[string]*flagHelp {
	flags := map[string]*flagHelp{}
	start := regexp.MustCompile(`^  -([\w-]+)`)
	var cur *flagHelp
	for _, line := range strings.Split(out, "\n") {
		if m := start.FindStringSubmatch(line); m != nil {
			cur = &flagHelp{}
			flags[m[1]] = cur
			continue
		}
		if cur != nil && strings.HasPrefix(line, "    \t") {
			cur.usage = strings.TrimSpace(cur.usage + " " + strings.TrimPrefix(line, "    \t"))
			continue
		}
		cur = nil
	}
	def := regexp.MustCompile(`^(.*) \(default (.*)\)$`)
	for _, f := range flags {
		if m := def.FindStringSubmatch(f.usage); m != nil {
			f.usage, f.def, f.hasDefault = m[1], m[2], true
			if s, err := strconv.Unquote(f.def); err == nil {
				f.def = s
			}
		}
	}
	return flags
}

// flagTableRows returns the rows of every table whose header has the
// columns "flag" and "default", each as column → cell.
func flagTableRows(text string) []map[string]string {
	var rows []map[string]string
	var header []string
	cells := func(line string) []string {
		parts := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "|") {
			header = nil
			continue
		}
		c := cells(line)
		switch {
		case header == nil:
			header = c
		case strings.HasPrefix(c[0], "---"):
		case slices.Contains(header, "flag") && slices.Contains(header, "default"):
			row := map[string]string{}
			for i, h := range header {
				if i < len(c) {
					row[h] = c[i]
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// splitCell splits "a / b" into n values, one per flag of the row; a cell
// with one value applies to every flag.
func splitCell(cell string, n int) []string {
	parts := strings.Split(cell, " / ")
	if len(parts) == n {
		return parts
	}
	out := make([]string, n)
	for i := range out {
		out[i] = cell
	}
	return out
}

// sameDefault says whether a table's default cell says what -h says.
func sameDefault(cell string, f *flagHelp) error {
	doc := strings.Trim(strings.TrimSpace(cell), "`")
	if f.hasDefault {
		if doc == f.def {
			return nil
		}
		a, errA := time.ParseDuration(doc)
		b, errB := time.ParseDuration(f.def)
		if errA == nil && errB == nil && a == b {
			return nil
		}
		return fmt.Errorf("the docs say the default is %q, -h says %q", doc, f.def)
	}
	switch doc {
	case "off", "none", "0", "false":
		return nil
	}
	if rest, ok := strings.CutPrefix(doc, "0: "); ok && strings.Contains(f.usage, "(0: "+rest+")") {
		return nil
	}
	if strings.Contains(f.usage, "(default: "+doc+")") {
		return nil
	}
	return fmt.Errorf("the docs say the default is %q; -h prints no default, and its text says neither \"(0: …)\" nor \"(default: …)\" the same: %q", doc, f.usage)
}

// Every path a document names (scripts, locust files, docs, sources) and
// every relative link exists, inside the repository (a clone has nothing
// else), and every link's #anchor is a heading of the document it names.
func TestDocumentedPathsExist(t *testing.T) {
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	path := regexp.MustCompile(`\b([\w.-]+/[\w./-]*\w\.(?:sh|py|md|png|go|proto|ts))\b`)
	link := regexp.MustCompile(`\]\(([^)#\s]*)(?:#([^)\s]*))?\)`)
	for _, d := range readDocs(t) {
		for _, m := range path.FindAllStringSubmatch(d.text, -1) {
			top, _, _ := strings.Cut(m[1], "/")
			if st, err := os.Stat(top); err != nil || !st.IsDir() {
				continue // not a path in the repository (/etc/nats/…, a URL's path)
			}
			if _, err := os.Stat(m[1]); err != nil {
				t.Errorf("%s names %s, which does not exist", d.path, m[1])
			}
		}
		for _, m := range link.FindAllStringSubmatch(d.text, -1) {
			target, anchor := m[1], m[2]
			if strings.Contains(target, "://") {
				continue
			}
			file := d.path
			if target != "" {
				file = filepath.Join(filepath.Dir(d.path), target)
			}
			if rel, err := filepath.Rel(root, filepath.Join(root, file)); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s links %s, outside the repository", d.path, target)
				continue
			}
			text, err := os.ReadFile(file)
			if err != nil {
				t.Errorf("%s links %s, which does not exist", d.path, target)
				continue
			}
			if anchor != "" && !slices.Contains(headingAnchors(string(text)), anchor) {
				t.Errorf("%s links %s#%s: %s has no such heading", d.path, target, anchor, file)
			}
		}
	}
}

// headingAnchors are the anchors a Markdown renderer gives the headings of
// text: lower case, spaces as hyphens, punctuation dropped.
func headingAnchors(text string) []string {
	var anchors []string
	in := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			in = !in
		}
		if in || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		anchors = append(anchors, b.String())
	}
	return anchors
}
