package ctrl

// This file owns the desktop client's commands: a message box line that
// starts with "/" is a command (/kick, /ban, /unban, /mute, /unmute,
// /delete, /topic, /slow, /mod, /unmod, /audit, /help), read and checked
// here against our role in the room, and sent through the session as a
// moderation request. "//" at the start sends a message that starts
// with "/".

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"chatroom/model"
)

// auditPage is how many audit entries /audit asks for.
const auditPage = 20

// Command is a line of the message box, read: a moderation request to
// send (its room not set; a delete's TargetSeq is the talk selected), or
// Help, or Talk, a message to send as it is.
type Command struct {
	Req  *model.ChatRoomRequest
	Help bool
	Talk string
}

// usage is command word's form, as /help and its errors show it; false
// for a word that is no command.
func usage(word string) (string, bool) {
	form, ok := map[string]string{
		"kick": "/kick NAME [reason]", "ban": "/ban NAME [DURATION] [reason]", "unban": "/unban NAME",
		"mute": "/mute NAME [DURATION] [reason]", "unmute": "/unmute NAME", "delete": "/delete [reason]",
		"topic": "/topic [TEXT]", "slow": "/slow SECONDS", "mod": "/mod NAME", "unmod": "/unmod NAME",
		"audit": "/audit", "help": "/help",
	}[word]
	return form, ok
}

// ParseCommand reads text, a line of the message box. A line that does
// not start with "/" is a talk; "//" is a talk starting with "/".
func ParseCommand(text string) (Command, *InputError) {
	if !strings.HasPrefix(text, "/") {
		return Command{Talk: text}, nil
	}
	if strings.HasPrefix(text, "//") {
		return Command{Talk: text[1:]}, nil
	}
	word, rest := nextWord(text[1:])
	word = strings.ToLower(word)
	form, known := usage(word)
	if !known {
		return Command{}, cmdError("Unknown command: /{{.Word}} (try /help)", map[string]any{"Word": word})
	}
	bad := cmdError("Usage: {{.Usage}}", map[string]any{"Usage": form})
	switch word {
	case "help":
		return Command{Help: true}, nil
	case "audit":
		return Command{Req: &model.ChatRoomRequest{Type: model.TypeAudit, Limit: auditPage}}, nil
	case "topic":
		return topicCommand(strings.TrimSpace(rest))
	case "slow":
		return slowCommand(strings.TrimSpace(rest), bad)
	case "delete":
		return reasoned(&model.ChatRoomRequest{Type: model.TypeDelete}, strings.TrimSpace(rest))
	}
	name, rest := nextWord(rest)
	if name == "" {
		return Command{}, bad
	}
	target, err := model.NormalizeUsername(name)
	if err != nil {
		return Command{}, cmdError("Not a username: {{.Name}}", map[string]any{"Name": ShownName(name)})
	}
	return nameCommand(word, target, strings.TrimSpace(rest), bad)
}

// nameCommand reads what follows the name of a command that names someone.
func nameCommand(word, target, rest string, bad *InputError) (Command, *InputError) {
	req := &model.ChatRoomRequest{To: target}
	switch word {
	case "kick":
		req.Type = model.TypeKick
	case "ban", "mute":
		req.Type = model.TypeBan
		if word == "mute" {
			req.Type = model.TypeMute
		}
		first, after := nextWord(rest)
		if d, ok, derr := parseDuration(first); derr != nil {
			return Command{}, derr
		} else if ok {
			req.Duration, rest = d, strings.TrimSpace(after)
		}
	default: // unban, unmute, mod, unmod: the name alone
		if rest != "" {
			return Command{}, bad
		}
		req.Type = map[string]string{"unban": model.TypeUnban, "unmute": model.TypeUnmute, "mod": model.TypeRole, "unmod": model.TypeRole}[word]
		if word == "mod" {
			req.Role = model.RoleModerator
		}
		return Command{Req: req}, nil
	}
	return reasoned(req, rest)
}

// reasoned sets req's reason, if it is not too long.
func reasoned(req *model.ChatRoomRequest, reason string) (Command, *InputError) {
	if len(reason) > model.MaxReasonBytes {
		return Command{}, cmdError("A reason is at most {{.Max}} bytes long", map[string]any{"Max": model.MaxReasonBytes})
	}
	req.Content = reason
	return Command{Req: req}, nil
}

func topicCommand(topic string) (Command, *InputError) {
	if len(topic) > model.MaxTopicBytes {
		return Command{}, cmdError("A topic is at most {{.Max}} bytes long", map[string]any{"Max": model.MaxTopicBytes})
	}
	return Command{Req: &model.ChatRoomRequest{Type: model.TypeTopic, Topic: topic}}, nil
}

// slowCommand reads /slow's period: seconds, a duration (30s, 2m), or
// "off" (0).
func slowCommand(arg string, bad *InputError) (Command, *InputError) {
	req := &model.ChatRoomRequest{Type: model.TypeSlow}
	if arg == "off" || arg == "0" {
		return Command{Req: req}, nil
	}
	if n, err := strconv.ParseUint(arg, 10, 32); err == nil {
		arg = strconv.FormatUint(n, 10) + "s"
	}
	d, ok, derr := parseDuration(arg)
	if derr != nil {
		return Command{}, derr
	}
	if !ok {
		return Command{}, bad
	}
	req.Duration = d
	return Command{Req: req}, nil
}

// parseDuration reads a duration like 30s, 10m, 2h or 7d, in seconds. ok
// is false when word is not one (it is then the reason's first word); an
// error when it is one out of range.
func parseDuration(word string) (secs uint32, ok bool, err *InputError) {
	units := map[byte]uint64{'s': 1, 'm': 60, 'h': 3600, 'd': 24 * 3600}
	if len(word) < 2 {
		return 0, false, nil
	}
	unit, known := units[word[len(word)-1]]
	n, perr := strconv.ParseUint(word[:len(word)-1], 10, 32)
	if !known || perr != nil && !strings.Contains(perr.Error(), "range") {
		return 0, false, nil
	}
	if perr != nil || n == 0 || n*unit > model.MaxModerationDuration {
		return 0, false, cmdError("A duration is from 1s to {{.Days}} days, like 10m, 2h or 7d", map[string]any{"Days": model.MaxModerationDuration / (24 * 3600)})
	}
	return uint32(n * unit), true, nil
}

// nextWord splits s into its first word and what follows it.
func nextWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

func cmdError(key string, data map[string]any) *InputError {
	return &InputError{FieldMessage, Text{Key: key, Data: data}}
}

// command runs a line of the message box that starts with "/" in conv.
func (c *Client) command(conv Conv, text string) *InputError {
	cmd, ierr := ParseCommand(text)
	switch {
	case ierr != nil:
		return ierr
	case cmd.Req == nil && !cmd.Help:
		return c.say(conv, cmd.Talk)
	case conv.Room == "":
		return cmdError("Commands work in a room", nil)
	}
	mod := c.RoomModOf(conv.Room)
	if cmd.Help {
		c.help(conv, mod)
		return nil
	}
	if ierr := allowed(cmd.Req.Type, mod.Role); ierr != nil {
		return ierr
	}
	if cmd.Req.Type == model.TypeDelete {
		c.mu.Lock()
		cmd.Req.TargetSeq = c.convs.selected[conv]
		c.mu.Unlock()
		if cmd.Req.TargetSeq == 0 {
			return cmdError("Select the message to delete first", nil)
		}
	}
	return c.moderate(conv.Room, cmd.Req)
}

// allowed says why role may not send a request of type typ, if it may not
// (the server checks again, and words its own refusals).
func allowed(typ, role string) *InputError {
	need := model.RoleNeeded(typ, false)
	switch {
	case model.RoleRank(role) >= model.RoleRank(need):
		return nil
	case need == model.RoleOwner:
		return cmdError("Only the room's owner or an admin may name moderators", nil)
	case need == model.RoleAdmin:
		return cmdError("Only an admin may read the audit trail", nil)
	}
	return cmdError("You are not a moderator of this room", nil)
}

// moderate sends req about room.
func (c *Client) moderate(room string, req *model.ChatRoomRequest) *InputError {
	s := c.current()
	if s == nil {
		return cmdError("Not connected", nil)
	}
	req.Room = room
	return sendError(FieldMessage, s.Moderate(req))
}

// Select records the talk selected in conv (0: none): what /delete and
// DeleteTalk act on.
func (c *Client) Select(conv Conv, seq uint64) {
	c.mu.Lock()
	c.convs.selected[conv] = seq
	c.mu.Unlock()
}

// DeleteTalk asks to delete talk seq of room conv.
func (c *Client) DeleteTalk(conv Conv, seq uint64) *InputError {
	if conv.Room == "" || seq == 0 {
		return cmdError("Select the message to delete first", nil)
	}
	if ierr := allowed(model.TypeDelete, c.RoomModOf(conv.Room).Role); ierr != nil {
		return ierr
	}
	return c.moderate(conv.Room, &model.ChatRoomRequest{Type: model.TypeDelete, TargetSeq: seq})
}

// help shows the commands role may use in conv.
func (c *Client) help(conv Conv, mod RoomMod) {
	texts := []Text{{Key: "Commands: /help; // at the start sends a message that starts with /"}}
	if mod.CanModerate() {
		texts = append(texts, Text{Key: "Moderation: /kick NAME [reason], /ban NAME [DURATION] [reason], /unban NAME, /mute NAME [DURATION] [reason], /unmute NAME, /delete [reason] (the message selected), /topic [TEXT], /slow SECONDS (0: off). A DURATION is like 10m, 2h or 7d; none: for ever"})
	}
	if model.RoleRank(mod.Role) >= model.RoleRank(model.RoleOwner) {
		texts = append(texts, Text{Key: "Owners and admins: /mod NAME, /unmod NAME"})
	}
	if model.RoleRank(mod.Role) >= model.RoleRank(model.RoleAdmin) {
		texts = append(texts, Text{Key: "Admins: /audit (this room's audit trail)"})
	}
	for _, t := range texts {
		c.view.AppendLine(conv, Line{Kind: LineNotice, Time: time.Now(), Info: t})
	}
}
