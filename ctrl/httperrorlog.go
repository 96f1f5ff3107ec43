package ctrl

import (
	stdlog "log"
	"net/netip"
	"strings"
	"time"
)

// net/http's own complaints (TLS handshakes that fail, query strings with
// semicolons, panics) go to the server's log through ErrorLog. A client
// can cause most of them at will, once per connection or per request, so
// they are sampled per address like refusals (clientlog.go) and cut.

// maxHTTPLogLine is the most bytes of one of net/http's lines that is
// logged; a panic's line keeps its whole stack.
const maxHTTPLogLine = 512

// ErrorLog returns the logger for http.Server.ErrorLog: each line goes to
// the server's log, sampled per the address it names (lines that name
// none share one budget), at debug level for failed TLS handshakes, which
// scanners and plain HTTP sent to a TLS port cause all day, and at warn
// level otherwise.
func (s *Server) ErrorLog() *stdlog.Logger {
	return stdlog.New(httpErrorWriter{s}, "", 0)
}

type httpErrorWriter struct{ s *Server }

func (w httpErrorWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	ok, suppressed := w.s.logs.http.allow(lineAddr(msg), time.Now())
	if !ok {
		return len(p), nil
	}
	if !strings.HasPrefix(msg, "http: panic serving") {
		msg = clipTo(msg, maxHTTPLogLine)
	}
	log := w.s.log
	if suppressed > 0 {
		log = log.WithField("suppressed", suppressed)
	}
	if strings.Contains(msg, "TLS handshake error") {
		log.Debug(msg)
	} else {
		log.Warn(msg)
	}
	return len(p), nil
}

// lineAddr is the client address a line of net/http's names ("… from
// 203.0.113.7:51234: …"), as clientIP would give it; the zero Addr when it
// names none.
func lineAddr(msg string) netip.Addr {
	for _, word := range strings.Fields(msg) {
		ap, err := netip.ParseAddrPort(strings.TrimRight(word, ":,;"))
		if err != nil {
			continue
		}
		ip := ap.Addr().Unmap()
		if ip.Is6() {
			if p, err := ip.Prefix(64); err == nil {
				return p.Addr()
			}
		}
		return ip
	}
	return netip.Addr{}
}
