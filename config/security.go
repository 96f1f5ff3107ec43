package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"
	"time"
)

// The settings that bound what the server exposes beyond the chat itself:
// the Host names it answers to (against DNS rebinding), where /metrics is
// served, how long a token may live, HSTS under TLS, and which proxies'
// forwarded client addresses are believed (proxies.go).

// registerExposureFlags binds the exposure settings to flags on fs.
func (c *Server) registerExposureFlags(fs *flag.FlagSet) {
	fs.Func("public-names", "comma-separated host names (no scheme, no port) the server answers to besides localhost and IP addresses; a request with another Host gets 421, against DNS rebinding. Unset: a server on a loopback -addr answers to those only, any other server to every name; * answers to every name", func(v string) error {
		c.PublicNames = nil
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			name, err := normalizePublicName(n)
			if err != nil {
				return err
			}
			c.PublicNames = append(c.PublicNames, name)
		}
		return nil
	})
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "serve Prometheus metrics at http://METRICS-ADDR/metrics, a listener apart from the chat port (off when empty; keep it private)")
	fs.DurationVar(&c.TokenMaxAge, "token-max-age", c.TokenMaxAge, "refuse a token whose expiry (exp) is further away than this, however it was signed")
	fs.DurationVar(&c.HSTSMaxAge, "hsts-max-age", c.HSTSMaxAge, "with -tls-cert, every response tells browsers to use only https for this long (Strict-Transport-Security; 0: no header)")
	c.registerProxyFlags(fs)
}

// validateExposure reports exposure settings that cannot work.
func (c *Server) validateExposure() error {
	var errs []error
	if c.TokenMaxAge <= 0 {
		errs = append(errs, errors.New("-token-max-age must be > 0"))
	}
	if c.HSTSMaxAge < 0 {
		errs = append(errs, errors.New("-hsts-max-age must be >= 0"))
	}
	return errors.Join(errs...)
}

// normalizePublicName checks a -public-names entry and returns it in lower
// case: a host name or an IP address, without scheme, port or path; or *.
func normalizePublicName(entry string) (string, error) {
	if entry == "*" {
		return entry, nil
	}
	n := strings.ToLower(strings.TrimSuffix(strings.Trim(entry, "[]"), "."))
	if n == "" || strings.ContainsAny(n, "/@?#%* ") || (strings.Contains(n, ":") && net.ParseIP(n) == nil) {
		return "", fmt.Errorf("%q is not a host name: use names like chat.example.com, without scheme, port or wildcard (* alone answers to every name)", entry)
	}
	return n, nil
}

// DefaultTokenMaxAge is -token-max-age's default: the longest a token the
// `server token` subcommand mints may live, unless told otherwise.
const DefaultTokenMaxAge = 30 * 24 * time.Hour
