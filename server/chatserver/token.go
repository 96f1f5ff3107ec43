package chatserver

import (
	"flag"
	"fmt"
	"io"
	"time"

	"chatroom/config"
	"chatroom/service"
)

// mintToken is `server token`: it prints an access token for one user,
// signed with the server's auth secret (-auth-secret or
// CHATROOM_AUTH_SECRET), for the clients' -token flag or token parameter.
func mintToken(args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("auth-secret", "", "the server's -auth-secret (default: $"+config.EnvName("auth-secret")+")")
	sub := fs.String("sub", "", "the username the token is for (required)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: server token -sub NAME [-ttl 24h] [-auth-secret SECRET]\nPrints an HS256 access token for NAME.\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if *secret == "" {
		*secret, _ = lookupEnv(config.EnvName("auth-secret"))
	}
	if *secret == "" {
		fmt.Fprintln(stderr, "server token: no secret: set -auth-secret or", config.EnvName("auth-secret"))
		return 2
	}
	if len(*secret) < config.MinAuthSecret {
		fmt.Fprintf(stderr, "server token: the secret must be at least %d bytes, as the server requires\n", config.MinAuthSecret)
		return 2
	}
	token, err := service.MintToken([]byte(*secret), *sub, *ttl, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "server token:", err)
		return 2
	}
	fmt.Fprintln(stdout, token)
	return 0
}
