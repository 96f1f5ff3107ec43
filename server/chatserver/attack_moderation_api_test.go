package chatserver

import (
	"fmt"
	"net"
	"net/http"
	"testing"
)

// Attacks on the server API over real sockets: locking the operator out
// by spending the wrong-key allowance.

// apiFrom sends GET /api/rooms from the loopback address src with key, on
// a connection of its own, and returns the status.
func apiFrom(t *testing.T, addr, src, key string) int {
	t.Helper()
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: waitTime}
	client := &http.Client{Timeout: waitTime, Transport: &http.Transport{DialContext: nd.DialContext, DisableKeepAlives: true}}
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/api/rooms", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("from %s: %v", src, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// An attacker with many addresses (one wrong key from each of 4,096, the
// table's size, then more from new ones) spends the allowance that
// addresses past the table share. The operator's address, which has
// used the right key before, keeps its own allowance and is served.
func TestAttackModerationAPILockout(t *testing.T) {
	srv := start(t, "-api-key", testAPIKey)
	operator := "127.0.0.2"
	if s := apiFrom(t, srv.addr, operator, testAPIKey); s != http.StatusOK {
		t.Fatalf("the operator: %d", s)
	}
	for i := range 4096 + 20 {
		src := fmt.Sprintf("127.10.%d.%d", i/254, 1+i%254)
		apiFrom(t, srv.addr, src, "wrong-key-"+src)
	}
	if s := apiFrom(t, srv.addr, "127.200.0.1", "still-wrong"); s != http.StatusTooManyRequests {
		t.Errorf("a new address past the table, after the shared allowance is spent: %d, want 429", s)
	}
	if s := apiFrom(t, srv.addr, operator, testAPIKey); s != http.StatusOK {
		t.Errorf("the operator, after an attack from 4,116 addresses: %d, want 200", s)
	}
}
