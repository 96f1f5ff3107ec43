package service

// This file owns how the NATS broker keeps a claimed username in its
// bucket, and who online holds which key: a claim's key is made of the
// name's comparison key (model.UsernameKey), so that "Alice" and a
// look-alike of it are one key, and its value says which name holds it.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"chatroom/model"
)

// keyPrefix starts every claim's key. Keys of the earlier layout, "u_" and
// the name itself, are not claims any more, and expire.
const keyPrefix = "k_"

// nameKey is the key of name's claim: the SHA-256 of the name's comparison
// key, as keys allow only [-/_=.a-zA-Z0-9] and a comparison key can be
// several times as long as the name.
func nameKey(name string) string {
	sum := sha256.Sum256([]byte(model.UsernameKey(name)))
	return keyPrefix + base64.RawURLEncoding.EncodeToString(sum[:])
}

// isClaimKey says whether key is a claim's (see nameKey).
func isClaimKey(key string) bool { return strings.HasPrefix(key, keyPrefix) }

// claimValue is what a claim's key holds: who holds it, on which node.
type claimValue struct {
	Node string `json:"node"`
	User string `json:"user"`
}

// claimData is the value of name's claim made by node.
func claimData(node, name string) []byte {
	b, err := json.Marshal(claimValue{Node: node, User: name})
	if err != nil {
		panic("service: claim value: " + err.Error()) // two strings always marshal
	}
	return b
}

// claimUser is the username a claim's value names, if it is one.
func claimUser(data []byte) (string, bool) {
	var v claimValue
	if err := json.Unmarshal(data, &v); err != nil || v.User == "" {
		return "", false
	}
	return v.User, true
}

// onlineUser is one user online as this node delivered the room.
type onlineUser struct {
	name string
	seq  uint64 // the seq of the join (0 for the names Subscribe found claimed)
}

// setOnline records name as online since the join at seq. The caller
// holds b.mu.
func (b *NatsBroker) setOnline(name string, seq uint64) {
	key := nameKey(name)
	if old, ok := b.online[key]; ok {
		b.dropSkeleton(old.name)
	}
	b.online[key] = onlineUser{name: name, seq: seq}
	b.skeletons[model.UsernameSkeleton(name)]++
}

// setOffline records that name left. The caller holds b.mu.
func (b *NatsBroker) setOffline(name string) {
	key := nameKey(name)
	if u, ok := b.online[key]; ok && u.name == name {
		delete(b.online, key)
		b.dropSkeleton(name)
	}
}

func (b *NatsBroker) dropSkeleton(name string) {
	skel := model.UsernameSkeleton(name)
	if b.skeletons[skel]--; b.skeletons[skel] <= 0 {
		delete(b.skeletons, skel)
	}
}

// lookAlikeOnline says whether someone online under another key has the
// skeleton of name (whoever holds its key, its claim's key finds). This
// node's view of who is online is the stream's as delivered here, so this
// check is not atomic across nodes as the key's is: it catches a
// look-alike of a user who has been online for as long as a join takes to
// reach every node.
func (b *NatsBroker) lookAlikeOnline(name string) bool {
	key, skel := nameKey(name), model.UsernameSkeleton(name)
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.skeletons[skel]
	if u, ok := b.online[key]; ok && model.UsernameSkeleton(u.name) == skel {
		n--
	}
	return n > 0
}
