package service

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestTokens(t *testing.T) {
	secret := []byte("secret")
	now := time.Unix(1_800_000_000, 0)
	good, err := MintToken(secret, "  张三 ", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if name, err := VerifyToken(secret, good, now.Add(59*time.Minute), time.Hour); err != nil || name != "张三" {
		t.Fatalf("good token: %q %v", name, err)
	}
	sign := func(m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	exp := now.Add(time.Hour).Unix()
	for _, tc := range []struct {
		name, token, want string
	}{
		{"expired", good, "expired"},
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"sub": "bob", "exp": exp}), "HS256"},
		{"HS512", sign(jwt.SigningMethodHS512, secret, jwt.MapClaims{"sub": "bob", "exp": exp}), "HS256"},
		{"no exp", sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "bob"}), "no expiry"},
		{"bad sub", sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "", "exp": exp}), "not a valid username"},
		{"other secret", sign(jwt.SigningMethodHS256, []byte("other"), jwt.MapClaims{"sub": "bob", "exp": exp}), "signature"},
		{"not yet", sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "bob", "exp": exp, "nbf": exp - 60}), "not valid yet"},
		{"garbage", "a.b.c", "malformed"},
		{"too long", sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "bob", "exp": now.Add(25 * time.Hour).Unix()}), "lives too long"},
		{"year 9999", sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "bob", "exp": time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()}), "9999-12-31"},
	} {
		at := now
		if tc.name == "expired" {
			at = now.Add(2 * time.Hour)
		}
		if name, err := VerifyToken(secret, tc.token, at, 24*time.Hour); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %q, %v; want an error with %q", tc.name, name, err, tc.want)
		}
	}
	if _, err := MintToken(nil, "bob", time.Hour, now); err == nil {
		t.Error("minted with an empty secret")
	}
}
