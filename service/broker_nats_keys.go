package service

// This file owns how the NATS broker keeps a claimed username in its
// bucket: a claim's key is made of the name's comparison key
// (model.UsernameKey), so that "Alice" and a look-alike of it are one key,
// and its value says which name holds it, on which node, and which rooms
// the user is in (the directory, see broker_nats_directory.go).

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

// claimValue is what a claim's key holds: who holds it, on which node, and
// the user's rooms, public and private apart so that a room costs its name
// and nothing more. A value with no "rooms" at all was written by a node of
// before rooms, whose users are all in the default room.
type claimValue struct {
	Node    string    `json:"node"`
	User    string    `json:"user"`
	Rooms   *[]string `json:"rooms,omitempty"`
	Private []string  `json:"private,omitempty"`
	// Admin: a server admin by token (ClaimOptions.Admin), which every
	// node's rank checks must know. Older nodes ignore it.
	Admin bool `json:"admin,omitempty"`
}

// claimData is the value of name's claim made by node, with its rooms and
// whether it is a server admin.
func claimData(node, name string, rooms []RoomRef, admin bool) []byte {
	public := make([]string, 0, len(rooms))
	var private []string
	for _, r := range rooms {
		if r.Private {
			private = append(private, r.Name)
		} else {
			public = append(public, r.Name)
		}
	}
	b, err := json.Marshal(claimValue{Node: node, User: name, Rooms: &public, Private: private, Admin: admin})
	if err != nil {
		panic("service: claim value: " + err.Error()) // strings always marshal
	}
	return b
}

// parseClaim reads a claim's value: the username it names and its rooms
// (defaultRoom for a value of before rooms). ok is false if it names none.
func parseClaim(data []byte, defaultRoom string) (name string, rooms []RoomRef, ok bool) {
	var v claimValue
	if err := json.Unmarshal(data, &v); err != nil || v.User == "" {
		return "", nil, false
	}
	if v.Rooms == nil {
		return v.User, []RoomRef{{Name: defaultRoom}}, true
	}
	rooms = make([]RoomRef, 0, len(*v.Rooms)+len(v.Private))
	for _, r := range *v.Rooms {
		rooms = append(rooms, RoomRef{Name: r})
	}
	for _, r := range v.Private {
		rooms = append(rooms, RoomRef{Name: r, Private: true})
	}
	return v.User, rooms, true
}

// claimAdmin says whether a claim's value makes its user a server admin.
func claimAdmin(data []byte) bool {
	var v claimValue
	return json.Unmarshal(data, &v) == nil && v.Admin
}

// claimUser is the username a claim's value names, if it is one.
func claimUser(data []byte) (string, bool) {
	name, _, ok := parseClaim(data, "")
	return name, ok
}
