// Package web is the chat room's browser client: TypeScript sources in src/
// and static/, built by `npm ci && npm run build` into dist/, which is
// committed and embedded here, so the server needs no Node to serve it.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"path"
	"time"
)

//go:embed dist
var dist embed.FS

// ContentSecurityPolicy is sent with every file: scripts and styles from
// this server only, no inline code, connections to this server only (its
// WebSocket included), no framing, no plugins.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"connect-src 'self'; img-src 'self'; manifest-src 'self'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

type file struct {
	data []byte
	etag string
}

// Handler serves the built client, to GET and HEAD: / is index.html. Each file carries an
// ETag of its content, so browsers revalidate cheaply and always get the
// build this server embeds.
func Handler() http.Handler {
	files := map[string]file{}
	err := fs.WalkDir(dist, "dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := dist.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		files["/"+p[len("dist/"):]] = file{data, `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic("web: the embedded build cannot be read: " + err.Error()) // a broken binary, not a runtime condition
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: the page is read with GET", http.StatusMethodNotAllowed)
			return
		}
		name := r.URL.Path
		if name == "/" {
			name = "/index.html"
		}
		f, ok := files[name]
		if !ok {
			http.Error(w, "not found: the chat is at /, its WebSocket at /ws", http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, path.Base(name), time.Time{}, bytes.NewReader(f.data))
	})
}
