package ctrl

import (
	"net/http"
	"net/netip"
	"time"

	"github.com/sirupsen/logrus"
)

// The log lines a client can cause at will, and how one address is kept
// from multiplying them (attack 2 of issue 15, log flooding): refused
// handshakes, failed upgrades, rejected and rate-limited frames, and
// net/http's own complaints (httperrorlog.go) are sampled per address, and
// every value the client chose is clipped. The metrics still count every
// one.

// Sampling: an address may cause logsPerAddr lines of each kind in each
// logPeriod; the first line of the next period says how many were
// dropped ("suppressed").
const (
	logsPerAddr = 5
	logPeriod   = time.Minute
)

// maxReason is the most bytes of a refusal's or an error reply's reason
// that is logged or sent back. The server's own reasons are shorter; a
// reason that quotes a client's value clips it where it is made, and this
// bounds any that does not.
const maxReason = 256

// clientLogs are the samplers of the lines clients cause, one per kind.
type clientLogs struct {
	refusals *logSampler // "handshake refused", "upgrade failed"
	rejected *logSampler // "frame rejected"
	limited  *logSampler // "rate limited"
	http     *logSampler // net/http's error lines, by the address they name
	drops    *logSampler // "connection dropped" (listener.go)
	addrRate *logSampler // "rate limited: the address sends too fast" (addrrate.go)
	lists    *logSampler // "user list rate limited" (userlistlimit.go)
}

func newClientLogs() clientLogs {
	return clientLogs{
		refusals: newLogSampler(logsPerAddr, logPeriod),
		rejected: newLogSampler(logsPerAddr, logPeriod),
		limited:  newLogSampler(logsPerAddr, logPeriod),
		http:     newLogSampler(logsPerAddr, logPeriod),
		drops:    newLogSampler(logsPerAddr, logPeriod),
		addrRate: newLogSampler(logsPerAddr, logPeriod),
		lists:    newLogSampler(logsPerAddr, logPeriod),
	}
}

// logSampled writes msg at info level with fields, unless sampler drops
// this line from ip.
func logSampled(log logrus.FieldLogger, sampler *logSampler, ip netip.Addr, fields logrus.Fields, msg string) {
	ok, suppressed := sampler.allow(ip, time.Now())
	if !ok {
		return
	}
	if suppressed > 0 {
		fields["suppressed"] = suppressed
	}
	log.WithFields(fields).Info(msg)
}

// logRefusal logs a refused handshake, sampled per address, with the
// client's values in its fields clipped.
func (s *Server) logRefusal(r *http.Request, ref *refused, status int) {
	fields := logrus.Fields{"remote": s.remote(r)}
	for k, v := range ref.fields {
		if str, ok := v.(string); ok {
			v = clip(str)
		}
		fields[k] = v
	}
	fields["status"] = status
	fields["reason"] = ref.reason
	logSampled(s.log, s.logs.refusals, s.clientIP(r), fields, "handshake refused")
}

// logFrame logs a line about a frame c sent, sampled by sampler over all
// the connections of c's address.
func (c *conn) logFrame(sampler *logSampler, fields logrus.Fields, msg string) {
	fields["user"], fields["remote"] = c.name, c.remote
	logSampled(c.s.log, sampler, c.ip, fields, msg)
}
