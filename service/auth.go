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

// roomClaims are a token's claims: the registered ones, and the rooms its
// user may join (none listed: any).
type roomClaims struct {
	jwt.RegisteredClaims
	Rooms []string `json:"rooms,omitempty"`
	// Role is the user's role on the server: model.RoleAdmin, or none.
	Role string `json:"role,omitempty"`
}

// A Token is what a verified token says: who, and where they may go.
type Token struct {
	Name  string
	Rooms []string // normalized; nil: any room
	Role  string   // the role claim: model.RoleAdmin for a server admin; "" none
}

// MintToken returns an HS256 token for username, valid for ttl from now.
func MintToken(secret []byte, username string, ttl time.Duration, now time.Time) (string, error) {
	return MintRoomToken(secret, username, nil, ttl, now)
}

// MintRoomToken is MintToken for a user who may join only rooms (none:
// any room).
func MintRoomToken(secret []byte, username string, rooms []string, ttl time.Duration, now time.Time) (string, error) {
	return MintRoleToken(secret, username, rooms, "", ttl, now)
}

// MintRoleToken is MintRoomToken with a role claim: model.RoleAdmin makes
// its user a server admin; "" is none.
func MintRoleToken(secret []byte, username string, rooms []string, role string, ttl time.Duration, now time.Time) (string, error) {
	if role != "" && role != model.RoleAdmin {
		return "", fmt.Errorf("role %q: the only role a token gives is %q", role, model.RoleAdmin)
	}
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
	claims := roomClaims{RegisteredClaims: jwt.RegisteredClaims{
		Subject:   name,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}, Role: role}
	for _, r := range rooms {
		room, err := model.NormalizeRoom(r)
		if err != nil {
			return "", fmt.Errorf("room %q: %v", r, err)
		}
		claims.Rooms = append(claims.Rooms, room)
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
}

// VerifyToken checks token's signature (HS256 only) and expiry, and returns
// the username it was issued for. A token whose expiry is further than
// maxAge from now is refused, whoever signed it, so that no token can be
// good for years (0: no such bound). The error says what is wrong in words
// a user can act on.
func VerifyToken(secret []byte, token string, now time.Time, maxAge time.Duration) (string, error) {
	t, err := VerifyRoomToken(secret, token, now, maxAge)
	return t.Name, err
}

// VerifyRoomToken is VerifyToken that also returns the rooms the token
// lets its user join.
func VerifyRoomToken(secret []byte, token string, now time.Time, maxAge time.Duration) (Token, error) {
	var claims roomClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(tokenLeeway),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Token{}, errors.New("token expired")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return Token{}, errors.New("token has no expiry (exp)")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && strings.Contains(err.Error(), "signing method"):
		return Token{}, errors.New("token must be signed with HS256")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return Token{}, errors.New("token signature is invalid")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return Token{}, errors.New("token not valid yet")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return Token{}, errors.New("token is malformed")
	case err != nil:
		return Token{}, fmt.Errorf("token rejected: %v", err)
	}
	if maxAge > 0 && claims.ExpiresAt.Sub(now) > maxAge+tokenLeeway {
		return Token{}, fmt.Errorf("token lives too long: it expires %s, more than %s from now", claims.ExpiresAt.UTC().Format(time.DateOnly), maxAge)
	}
	name, err := model.NormalizeUsername(claims.Subject)
	if err != nil {
		return Token{}, fmt.Errorf("token's subject is not a valid username: %v", err)
	}
	t := Token{Name: name, Role: claims.Role}
	if claims.Rooms != nil {
		t.Rooms = []string{} // listed, even if empty: no room at all
	}
	for _, r := range claims.Rooms {
		room, err := model.NormalizeRoom(r)
		if err != nil {
			return Token{}, fmt.Errorf("token's rooms claim: %q: %v", clipRoom(r), err)
		}
		t.Rooms = append(t.Rooms, room)
	}
	return t, nil
}
