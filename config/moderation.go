package config

import (
	"errors"
	"flag"
	"strings"
)

// The moderation settings: who the server admins are. Roles trust names,
// so they need names proven by tokens (-auth-secret).

// registerModerationFlags binds the moderation settings to flags on fs.
func (c *Server) registerModerationFlags(fs *flag.FlagSet) {
	fs.Func("admins", "comma-separated usernames that are server admins (besides tokens with the claim \"role\":\"admin\"); needs -auth-secret, which proves names", func(v string) error {
		c.Admins = nil
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			c.Admins = append(c.Admins, n) // checked as usernames where they are compared (service)
		}
		return nil
	})
}

// validateModeration reports moderation settings that cannot work.
func (c *Server) validateModeration() error {
	if len(c.Admins) > 0 && c.AuthSecret == "" {
		return errors.New("-admins needs -auth-secret: without tokens anyone could take an admin's name")
	}
	return nil
}
