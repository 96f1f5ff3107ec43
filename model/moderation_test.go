package model

import "testing"

// The protocol's rules of who may moderate, which the server and the
// desktop client both apply: the least role of each request, and which
// role outranks which.
func TestRoleNeededAndRank(t *testing.T) {
	for _, c := range []struct {
		typ    string
		server bool
		want   string
	}{
		{TypeKick, false, RoleModerator}, {TypeMute, false, RoleModerator}, {TypeDelete, false, RoleModerator},
		{TypeTopic, false, RoleModerator}, {TypeSlow, false, RoleModerator}, {TypeBan, false, RoleModerator},
		{TypeRole, false, RoleOwner}, {TypeAudit, false, RoleAdmin}, {TypeBan, true, RoleAdmin}, {TypeUnban, true, RoleAdmin},
	} {
		if got := RoleNeeded(c.typ, c.server); got != c.want {
			t.Errorf("RoleNeeded(%q, %v) = %q, want %q", c.typ, c.server, got, c.want)
		}
	}
	order := []string{"", RoleModerator, RoleOwner, RoleAdmin}
	for i := 1; i < len(order); i++ {
		if RoleRank(order[i-1]) >= RoleRank(order[i]) {
			t.Errorf("%q does not outrank %q", order[i], order[i-1])
		}
	}
	if RoleRank("root") != 0 {
		t.Errorf("an unknown role ranks %d, want 0 (none)", RoleRank("root"))
	}
}

// A tombstone is told from a live delete event by its target_seq.
func TestIsTombstone(t *testing.T) {
	for _, c := range []struct {
		m    *ChatRoomRequest
		want bool
	}{
		{&ChatRoomRequest{Type: TypeDelete, Seq: 7, TargetSeq: 7}, true},
		{&ChatRoomRequest{Type: TypeDelete, Seq: 7}, true},
		{&ChatRoomRequest{Type: TypeDelete, Seq: 9, TargetSeq: 7}, false},
		{&ChatRoomRequest{Type: TypeTalk, Seq: 7, TargetSeq: 7}, false},
		{Tombstone(7, 1700000000000, "ann", "den", "", "mod"), true},
	} {
		if got := IsTombstone(c.m); got != c.want {
			t.Errorf("IsTombstone(%v) = %v", c.m, got)
		}
	}
}
