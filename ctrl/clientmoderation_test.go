package ctrl

import (
	"strings"
	"testing"

	"chatroom/model"
)

// Each command reads into the request it names; what is not a command is
// a talk, and "//" sends a leading slash.
func TestParseCommand(t *testing.T) {
	cases := []struct {
		in   string
		want *model.ChatRoomRequest
	}{
		{"/kick bob", &model.ChatRoomRequest{Type: model.TypeKick, To: "bob"}},
		{"/kick  Bob  spamming   links ", &model.ChatRoomRequest{Type: model.TypeKick, To: "Bob", Content: "spamming   links"}},
		{"/KICK bob", &model.ChatRoomRequest{Type: model.TypeKick, To: "bob"}},
		{"/ban bob", &model.ChatRoomRequest{Type: model.TypeBan, To: "bob"}},
		{"/ban bob 10m", &model.ChatRoomRequest{Type: model.TypeBan, To: "bob", Duration: 600}},
		{"/ban bob 2h flood", &model.ChatRoomRequest{Type: model.TypeBan, To: "bob", Duration: 7200, Content: "flood"}},
		{"/ban bob 7d", &model.ChatRoomRequest{Type: model.TypeBan, To: "bob", Duration: 7 * 86400}},
		{"/ban bob 2 many posts", &model.ChatRoomRequest{Type: model.TypeBan, To: "bob", Content: "2 many posts"}},
		{"/ban bob dumb spam", &model.ChatRoomRequest{Type: model.TypeBan, To: "bob", Content: "dumb spam"}},
		{"/mute 张三 30s 冷静一下", &model.ChatRoomRequest{Type: model.TypeMute, To: "张三", Duration: 30, Content: "冷静一下"}},
		{"/mute bob", &model.ChatRoomRequest{Type: model.TypeMute, To: "bob"}},
		{"/unmute bob", &model.ChatRoomRequest{Type: model.TypeUnmute, To: "bob"}},
		{"/unban bob", &model.ChatRoomRequest{Type: model.TypeUnban, To: "bob"}},
		{"/mod bob", &model.ChatRoomRequest{Type: model.TypeRole, To: "bob", Role: model.RoleModerator}},
		{"/unmod bob", &model.ChatRoomRequest{Type: model.TypeRole, To: "bob"}},
		{"/topic Go and  gophers ", &model.ChatRoomRequest{Type: model.TypeTopic, Topic: "Go and  gophers"}},
		{"/topic", &model.ChatRoomRequest{Type: model.TypeTopic}},
		{"/slow 10", &model.ChatRoomRequest{Type: model.TypeSlow, Duration: 10}},
		{"/slow 2m", &model.ChatRoomRequest{Type: model.TypeSlow, Duration: 120}},
		{"/slow 0", &model.ChatRoomRequest{Type: model.TypeSlow}},
		{"/slow off", &model.ChatRoomRequest{Type: model.TypeSlow}},
		{"/delete off topic", &model.ChatRoomRequest{Type: model.TypeDelete, Content: "off topic"}},
		{"/audit", &model.ChatRoomRequest{Type: model.TypeAudit, Limit: auditPage}},
	}
	for _, tc := range cases {
		cmd, err := ParseCommand(tc.in)
		if err != nil || cmd.Req == nil {
			t.Errorf("%q: %v, %+v", tc.in, err, cmd)
			continue
		}
		got := cmd.Req
		if got.Type != tc.want.Type || got.To != tc.want.To || got.Content != tc.want.Content || got.Duration != tc.want.Duration ||
			got.Role != tc.want.Role || got.Topic != tc.want.Topic || got.Limit != tc.want.Limit || got.Room != "" {
			t.Errorf("%q read as %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseCommandTalksAndHelp(t *testing.T) {
	for in, want := range map[string]string{"hello": "hello", "//kick": "/kick", "// x": "/ x", "a /kick": "a /kick"} {
		if cmd, err := ParseCommand(in); err != nil || cmd.Req != nil || cmd.Talk != want {
			t.Errorf("%q: %+v, %v; want the talk %q", in, cmd, err, want)
		}
	}
	if cmd, err := ParseCommand("/help"); err != nil || !cmd.Help {
		t.Errorf("/help: %+v, %v", cmd, err)
	}
}

// Bad commands get an error in words, for the message box.
func TestParseCommandErrors(t *testing.T) {
	cases := map[string]string{
		"/frobnicate x":                    "Unknown command",
		"/":                                "Unknown command",
		"/kick":                            "Usage",
		"/unban bob now":                   "Usage",
		"/mod":                             "Usage",
		"/slow":                            "Usage",
		"/slow fast":                       "Usage",
		"/slow -1":                         "Usage",
		"/ban bob 0m":                      "A duration is from 1s",
		"/ban bob 400d":                    "A duration is from 1s",
		"/mute bob 99999999999h":           "A duration is from 1s",
		"/kick bo\x01b":                    "Not a username",
		"/kick " + strings.Repeat("n", 40): "Not a username",
		"/kick bob " + strings.Repeat("r", model.MaxReasonBytes+1): "A reason is at most",
		"/topic " + strings.Repeat("长", 101):                       "A topic is at most",
	}
	for in, want := range cases {
		cmd, err := ParseCommand(in)
		if err == nil || !strings.HasPrefix(err.Text.Key, want) || err.Field != FieldMessage {
			t.Errorf("%q: %+v, %v; want an error %q", in, cmd, err, want)
		}
	}
	if _, err := ParseCommand("/frob"); err.Text.Data["Word"] != "frob" {
		t.Errorf("the unknown command is not named: %v", err.Text.Data)
	}
}

// Each request needs its role: moderation a moderator, roles an owner,
// the audit trail an admin.
func TestAllowed(t *testing.T) {
	for _, tc := range []struct {
		typ, role string
		ok        bool
	}{
		{model.TypeKick, "", false}, {model.TypeKick, model.RoleModerator, true},
		{model.TypeDelete, model.RoleOwner, true}, {model.TypeTopic, model.RoleAdmin, true},
		{model.TypeRole, model.RoleModerator, false}, {model.TypeRole, model.RoleOwner, true},
		{model.TypeAudit, model.RoleOwner, false}, {model.TypeAudit, model.RoleAdmin, true},
	} {
		if err := allowed(tc.typ, tc.role); (err == nil) != tc.ok {
			t.Errorf("%s as %q: %v", tc.typ, tc.role, err)
		}
	}
	if (RoomMod{}).CanModerate() || !(RoomMod{Role: model.RoleModerator}).CanModerate() {
		t.Error("CanModerate is wrong")
	}
}
