package service

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"chatroom/model"
)

// Access tokens: with an auth secret set, a client proves its username with
// an HS256 JSON Web Token whose "sub" is the username and whose "exp" bounds
// its life. The server verifies them (ctrl); `go run ./server token` and
// the load tool mint them.

// tokenLeeway is how far the clocks of the token's issuer and this server
// may differ.
const tokenLeeway = 30 * time.Second

// MintToken returns an HS256 token for username, valid for ttl from now.
func MintToken(secret []byte, username string, ttl time.Duration, now time.Time) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("empty secret")
	}
	name, err := model.NormalizeUsername(username)
	if err != nil {
		return "", err
	}
	if ttl <= 0 {
		return "", errors.New("the token's lifetime must be > 0")
	}
	claims := jwt.RegisteredClaims{
		Subject:   name,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}

// VerifyToken checks token's signature (HS256 only) and expiry, and returns
// the username it was issued for. A token whose expiry is further than
// maxAge from now is refused, whoever signed it, so that no token can be
// good for years (0: no such bound). The error says what is wrong in words
// a user can act on.
func VerifyToken(secret []byte, token string, now time.Time, maxAge time.Duration) (string, error) {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(tokenLeeway),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", errors.New("token expired")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "", errors.New("token has no expiry (exp)")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && strings.Contains(err.Error(), "signing method"):
		return "", errors.New("token must be signed with HS256")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "", errors.New("token signature is invalid")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "", errors.New("token not valid yet")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "", errors.New("token is malformed")
	case err != nil:
		return "", fmt.Errorf("token rejected: %v", err)
	}
	if maxAge > 0 && claims.ExpiresAt.Sub(now) > maxAge+tokenLeeway {
		return "", fmt.Errorf("token lives too long: it expires %s, more than %s from now", claims.ExpiresAt.UTC().Format(time.DateOnly), maxAge)
	}
	name, err := model.NormalizeUsername(claims.Subject)
	if err != nil {
		return "", fmt.Errorf("token's subject is not a valid username: %v", err)
	}
	return name, nil
}
