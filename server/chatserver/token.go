package chatserver

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"chatroom/config"
	"chatroom/ctrl"
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
	rooms := fs.String("rooms", "", "comma-separated rooms the token's user may join, and no others (default: any room)")
	role := fs.String("role", "", "the token's role claim: admin makes its user a server admin (moderation; default: none)")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	maxAge := fs.Duration("token-max-age", config.DefaultTokenMaxAge, "the longest -ttl allowed, as the server's -token-max-age ($"+config.EnvName("token-max-age")+" when set)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: server token -sub NAME [-ttl 24h] [-rooms A,B] [-role admin] [-auth-secret SECRET]\nPrints an HS256 access token for NAME.\n")
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
	if err := tokenMaxAge(fs, maxAge, lookupEnv); err != nil {
		fmt.Fprintln(stderr, "server token:", err)
		return 2
	}
	if *ttl > *maxAge {
		fmt.Fprintf(stderr, "server token: -ttl %s is longer than the server accepts (-token-max-age %s)\n", *ttl, *maxAge)
		return 2
	}
	if *secret == "" {
		fmt.Fprintln(stderr, "server token: no secret: set -auth-secret or", config.EnvName("auth-secret"))
		return 2
	}
	if len(*secret) < config.MinAuthSecret {
		fmt.Fprintf(stderr, "server token: the secret must be at least %d bytes, as the server requires\n", config.MinAuthSecret)
		return 2
	}
	if err := ctrl.ReservedName(*sub); err != nil { // every handshake would refuse it
		fmt.Fprintln(stderr, "server token:", err)
		return 2
	}
	var only []string
	for _, r := range strings.Split(*rooms, ",") {
		if r = strings.TrimSpace(r); r != "" {
			only = append(only, r)
		}
	}
	token, err := service.MintRoleToken([]byte(*secret), *sub, only, *role, *ttl, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "server token:", err)
		return 2
	}
	fmt.Fprintln(stdout, token)
	return 0
}

// tokenMaxAge sets maxAge from the environment when -token-max-age was not
// given, as the server takes it.
func tokenMaxAge(fs *flag.FlagSet, maxAge *time.Duration, lookupEnv func(string) (string, bool)) error {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "token-max-age" })
	env := config.EnvName("token-max-age")
	if v, ok := lookupEnv(env); ok && !given {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s=%q: not a duration > 0", env, v)
		}
		*maxAge = d
	}
	return nil
}
