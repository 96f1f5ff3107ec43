package config

import (
	"flag"
	"fmt"
)

// This file owns -api-key, the key of the server API (/api/ on the chat
// listener): without it there is no server API at all.

// MinAPIKey is the shortest -api-key accepted, in bytes.
const MinAPIKey = 16

// registerAPIFlags binds the server API's settings to flags on fs.
func (c *Server) registerAPIFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.APIKey, "api-key", c.APIKey, fmt.Sprintf("if set (at least %d bytes), serve the operator's HTTP API under /api/, to requests that send this key (Authorization: Bearer KEY or X-API-Key: KEY); unset: no /api/ at all. Prefer the environment variable, which ps does not show", MinAPIKey))
}

// validateAPI reports an -api-key too short to stand up to guessing.
func (c *Server) validateAPI() error {
	if c.APIKey != "" && len(c.APIKey) < MinAPIKey {
		return fmt.Errorf("-api-key must be at least %d bytes (try: openssl rand -base64 24)", MinAPIKey)
	}
	return nil
}
