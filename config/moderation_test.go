package config

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestAdminsNeedAuthSecret(t *testing.T) {
	_, err := ParseServer("server", []string{"-admins", "root"}, env(nil), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "-admins needs -auth-secret") {
		t.Errorf("-admins without a secret: %v", err)
	}
	c, err := ParseServer("server", []string{"-admins", " root, 张三 ,", "-auth-secret", strings.Repeat("s", MinAuthSecret)}, env(nil), &bytes.Buffer{})
	if err != nil || !slices.Equal(c.Admins, []string{"root", "张三"}) {
		t.Errorf("admins %q, %v", c.Admins, err)
	}
}
