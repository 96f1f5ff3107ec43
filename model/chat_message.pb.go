// The chat room's wire protocol. Every WebSocket frame carries one
// ChatRoomRequest, protobuf-encoded. Clients may send it in binary or text
// frames; the server always sends binary frames.
//
// Fields 1-4 are the original specification's and never change number or
// meaning, so clients written to it keep working. Anything new gets a new
// field number (>= 5) or a new `type` value.
//
//   type      sent by  fields set                        meaning
//   talk      client   content                           say something to the room
//   talk      server   user_name content timestamp seq   someone said something (the sender too)
//   userlist  client   -                                 ask for the online users
//   userlist  server   user_list (name -> name)          the online users, to the asker only
//   exit      client   -                                 leave; the server closes with 1000
//   join      server   user_name timestamp seq           someone joined; a new client's first frame
//                                                        is its own join, with its (maybe assigned) name
//   leave     server   user_name timestamp seq           someone left
//   error     server   content (the reason)              the server rejected the client's last frame,
//                                                        or a notice (e.g. the link between servers)
//   ping      client   -                                 are you there? for clients that cannot send
//                                                        WebSocket pings (browsers)
//   pong      server   -                                 the answer to ping, to the asker only
//
// Rooms and direct messages (new fields and types; a client that knows
// nothing of them lives in one room, its "home room", and sees what the
// specification says). A connection starts in the rooms its handshake names
// (?room=NAME, repeatable, or the header "room: NAME"), or in the server's
// default room (-default-room, default "lobby"); the first of them is its
// home room. A client message with no room means the home room. Every
// server message about a room carries its name in `room`.
//
//   type      sent by  fields set                        meaning
//   talk      client   content room                      say something in a room the client is in
//   talk      client   content to                        a direct message to the user `to`
//   talk      server   ... to                            a direct message: delivered to `to` and echoed to
//                                                        its sender (user_name), no one else; no room
//   join      client   room [private]                    join a room, created on first join (private:
//                                                        created unlisted); the answer is the join event,
//                                                        the room's user list and its last talks, as at
//                                                        connect
//   part      client   room                              leave a room; the answer is the leave event
//   userlist  client   [room]                            the online users of a room (the reply has room,
//                                                        and private if the room is unlisted)
//   rooms     client   [cursor] [limit]                  list the public rooms, by name, from after cursor
//   rooms     server   rooms cursor                      one page: name, members, topic; cursor is the
//                                                        name to ask from for the next page, "" at the end
//   history   client   room | to                         the room's last talks, or the last direct messages
//                                                        between the client and `to`
//   history   server   room | to                         the end of the talks just replayed for that request
//   join/leave server  user_name room timestamp seq      per room; seqs increase per room, the same order
//                                                        for every member; direct messages between two users
//                                                        are ordered too
//   error     server   content [room] [to]               refused; room or to say what the request was about
//
// Durable history (new fields and types). The server keeps every talk of a
// room and of a direct-message conversation (on disk with -data-dir, in
// the JetStream stream with NATS), up to its retention. Seqs never go back,
// also across a restart of the server.
//
//   type      sent by  fields set                        meaning
//   history   client   room | to, limit [before]         scroll back: one page of at most limit (<= 200)
//                                                        talks with seq < before (before 0 or unset: the
//                                                        newest); without limit or before, the old form
//   history   server   room | to, messages, more,        the page, oldest first; more: older talks are
//                      before                            kept (ask again with before = the first's seq)
//   join      client   room since                        catch up: the join's answer replays exactly the
//                                                        room's talks with seq > since, then live events,
//                                                        instead of the last talks; a handshake says the
//                                                        same with ?since=ROOM:SEQ (repeatable, or
//                                                        comma-separated, or the header "since")
//   gap       server   room content seq                  a catch-up could not replay every talk after
//                                                        since (they aged out, or there were too many):
//                                                        what follows is the room's latest talks, and older
//                                                        ones are read with history before; seq is the
//                                                        first replayed (0: none)
//   search    client   room | to, content [before]       the talks whose text matches content (words;
//                      [limit]                           Chinese, Japanese and Korean by characters),
//                                                        newest first, with seq < before
//   search    server   room | to, content, messages,     one page of results, newest first; more: ask
//                      more                              again with before = the last one's seq
//
// Presence at scale (new fields and types). A room's presence is sent
// per user (join, leave) only while the room has at most -presence-limit
// members (default 1000): past it the room is "large", and nobody is sent
// anyone else's join or leave, only their own. A client that asks for
// coalesced presence in its handshake (?presence=coalesce, or the header
// "presence: coalesce") gets, instead of others' joins and leaves, at most
// one presence frame per room per window (-presence-window, 250ms) with
// the names that joined and left in it, and in a large room only the
// count, on change, at most every 8 windows (2 s). Clients that do not
// ask get per-user joins and leaves in rooms that are not large, as
// before. Its own join always comes first, at once, to everyone.
//
//   type      sent by  fields set                        meaning
//   presence  server   room count [joined] [left]        the room's members changed: joined are in it
//                      [large]                           now, left are not (apply both as set changes:
//                                                        a name in either changed in the window); count
//                                                        is how many are in the room (all nodes);
//                                                        large: past -presence-limit, no names are
//                                                        sent, ask userlist pages
//   userlist  client   [room] [limit] [cursor]           one page of the room's users, by name: at most
//                      [content]                         limit (<= 1000) names after cursor, whose
//                                                        names start with content (case-insensitive);
//                                                        no limit: the whole room, or in a large room
//                                                        its first page
//   userlist  server   user_list room count cursor       the page (or the whole room); count: the room's
//                      [large]                           members; cursor: ask from it for the next
//                                                        page, "" after the last
// A room becomes large when its members pass -presence-limit, and stops
// being large when they fall below nine tenths of it, once it has been
// large 8 windows (2 s; so that clients joining and parting around the
// limit cannot have it sent more often): then every member is sent the
// whole userlist (and coalescing clients a presence frame without large).
//
// Moderation (new fields and types). With -auth-secret, names are proven
// by tokens and roles can be trusted: a server admin (the token's "role"
// claim "admin", or a name in -admins), a room's owner (whoever created
// it; the default room has none) and its moderators (named by the owner
// or an admin). Without -auth-secret nobody has a role over WebSocket
// (a self-chosen name proves nothing): the operator moderates with the
// server API (/api/, -api-key). Every request below is refused with an
// error in words (room or to say what it was about) unless the sender's
// role in that room allows it, and never acts on someone whose role is
// the sender's or higher. Every action is kept in the audit trail.
//
//   type      sent by  fields set                        meaning (who may)
//   kick      client   room to [content]                 take to out of room, content the reason (moderator+);
//                                                        kicked from its home room, to's connection is closed
//                                                        (4001) after the kick event
//   ban       client   [room] to [duration] [address]    ban the name to (and with address, the address it is
//                      [server] [content]                connected from) from room, or with server from the
//                                                        server (admin), for duration seconds (0: for ever);
//                                                        an online target is kicked (server: closed, 4003);
//                                                        bans are stored and survive restarts
//   unban     client   [room] to [server]                lift the ban
//   mute      client   room to [duration] [content]      to cannot talk in room for duration s (0: for ever)
//   unmute    client   room to
//   delete    client   room target_seq [content]         delete a talk: gone from history and search, and from
//                                                        every client's view; a tombstone says by whom
//   topic     client   room topic                        set the room's topic ("" clears it; <= 300 bytes)
//   slow      client   room duration                     slow mode: each user may talk once per duration s in
//                                                        room (0: off); moderators are exempt
//   role      client   room to role                      name to the room's "moderator", or "" to unname
//                                                        (owner, admin)
//   audit     client   [room] [before] [limit]           the audit trail, newest first (admin)
//
//   kick, ban, mute, unmute, topic, slow, role
//             server   room user_name by [content]       the action, to the room's members, in the room's order
//                      [until] [topic] [duration] [role] (seq): user_name is who it was done to, by who did it;
//                                                        to a joiner, after its own join: topic, slow and its
//                                                        role, if set (no seq)
//   unban     server   [room] user_name by [server]      to the one who lifted it
//   delete    server   room user_name by target_seq      a talk was deleted: drop it from view. In a history or
//                                                        search reply (and in a joiner's last talks), a deleted
//                                                        talk is this tombstone: seq and target_seq the talk's,
//                                                        no content
//   audit     server   messages more                     one page of the audit trail, newest first: each entry
//                                                        is the action's event (type, room, user_name, by,
//                                                        content, duration, until, timestamp; seq: the entry's
//                                                        id, ask again with before = the last one's seq)
// A talk whose user_name is "server" is a message from the operator (the
// server API); no user may take that name.
//
// Batched framing (opt-in). A client that offers the WebSocket subprotocol
// "chatroom.v2" in its handshake, and gets it back, receives ChatRoomBatch
// frames instead: each binary frame carries one or more ChatRoomRequests, in
// order. What the client sends is unchanged (one ChatRoomRequest per
// frame). Clients that do not offer it, like the specification's, get
// exactly one ChatRoomRequest per frame.
//
// Refusals in band (opt-in). A refused handshake is an HTTP error (400 bad
// username, 401 token, 403 origin, 409 username taken, 503 full or
// unavailable), which a browser cannot read. A client that offers the
// subprotocol "chatroom.refusals" instead gets the upgrade, one error frame
// with the reason, and a close frame with code 4000 + the status (4409:
// username taken) and the reason; 403 stays an HTTP error. An accepted
// handshake answers "chatroom.refusals" too, with unbatched framing, unless
// the client offered "chatroom.v2" as well: then it answers "chatroom.v2".

// Code generated by protoc-gen-go. DO NOT EDIT.
// versions:
// 	protoc-gen-go v1.36.12
// 	protoc        v3.21.12
// source: chat_message.proto

package model

import (
	protoreflect "google.golang.org/protobuf/reflect/protoreflect"
	protoimpl "google.golang.org/protobuf/runtime/protoimpl"
	reflect "reflect"
	sync "sync"
	unsafe "unsafe"
)

const (
	// Verify that this generated code is sufficiently up-to-date.
	_ = protoimpl.EnforceVersion(20 - protoimpl.MinVersion)
	// Verify that runtime/protoimpl is sufficiently up-to-date.
	_ = protoimpl.EnforceVersion(protoimpl.MaxVersion - 20)
)

type ChatRoomRequest struct {
	state    protoimpl.MessageState `protogen:"open.v1"`
	Type     string                 `protobuf:"bytes,1,opt,name=type,proto3" json:"type,omitempty"`
	UserName string                 `protobuf:"bytes,2,opt,name=user_name,json=userName,proto3" json:"user_name,omitempty"`
	Content  string                 `protobuf:"bytes,3,opt,name=content,proto3" json:"content,omitempty"`
	UserList map[string]string      `protobuf:"bytes,4,rep,name=user_list,json=userList,proto3" json:"user_list,omitempty" protobuf_key:"bytes,1,opt,name=key" protobuf_val:"bytes,2,opt,name=value"`
	// Server time when the room accepted the event, Unix milliseconds.
	Timestamp int64 `protobuf:"varint,5,opt,name=timestamp,proto3" json:"timestamp,omitempty"`
	// The room's sequence number of a talk, join or leave. Live events reach
	// every user in increasing seq order, the same order for everyone; the
	// history replayed after a user's own join keeps its original, lower seqs.
	Seq uint64 `protobuf:"varint,6,opt,name=seq,proto3" json:"seq,omitempty"`
	// The room a message is about. Empty from a client: its home room.
	// Room names are 1-64 letters, digits, marks and "-_." of any script
	// (Chinese too), compared and shown in NFKC, lower case.
	Room string `protobuf:"bytes,7,opt,name=room,proto3" json:"room,omitempty"`
	// A direct message's addressee (talk, history, error).
	To string `protobuf:"bytes,8,opt,name=to,proto3" json:"to,omitempty"`
	// A rooms reply: one page of the public rooms.
	Rooms []*RoomInfo `protobuf:"bytes,9,rep,name=rooms,proto3" json:"rooms,omitempty"`
	// Rooms paging: in a request, list the rooms after this name; in the
	// reply, the name to ask from for the next page, "" after the last.
	Cursor string `protobuf:"bytes,10,opt,name=cursor,proto3" json:"cursor,omitempty"`
	// Rooms paging: most rooms per page (0: the server's default, at most
	// its maximum).
	Limit uint32 `protobuf:"varint,11,opt,name=limit,proto3" json:"limit,omitempty"`
	// A join that creates its room creates it unlisted: not in the rooms
	// list, joined only by whoever knows its name. In a userlist reply: the
	// room is unlisted (a client coming back to it joins it with private,
	// since a handshake's rooms are created listed).
	Private bool `protobuf:"varint,12,opt,name=private,proto3" json:"private,omitempty"`
	// Scroll back (history, search): only talks with a lower seq (0: from
	// the newest). In a history or search reply: echoes the request's.
	Before uint64 `protobuf:"varint,13,opt,name=before,proto3" json:"before,omitempty"`
	// Catch up (join, or the handshake's since): the last seq of the room
	// the client received (of a talk, someone's join or leave, or in a
	// catch-up; not its own join, which comes before its catch-up); the
	// answer replays the talks after it.
	Since uint64 `protobuf:"varint,14,opt,name=since,proto3" json:"since,omitempty"`
	// A history page (oldest first) or search results (newest first): talks,
	// each as it was sent live (user_name, content, timestamp, seq, room or
	// to).
	Messages []*ChatRoomRequest `protobuf:"bytes,15,rep,name=messages,proto3" json:"messages,omitempty"`
	// A history or search reply: there are more (older) talks to ask for.
	More bool `protobuf:"varint,16,opt,name=more,proto3" json:"more,omitempty"`
	// A presence frame: the names that joined the room in its window (in
	// it now).
	Joined []string `protobuf:"bytes,17,rep,name=joined,proto3" json:"joined,omitempty"`
	// A presence frame: the names that left the room in its window (not in
	// it now).
	Left []string `protobuf:"bytes,18,rep,name=left,proto3" json:"left,omitempty"`
	// A presence or userlist frame: how many are in the room (all nodes).
	Count uint32 `protobuf:"varint,19,opt,name=count,proto3" json:"count,omitempty"`
	// A presence or userlist frame: the room is past -presence-limit
	// members: no per-user presence is sent, the user list comes in pages.
	Large bool `protobuf:"varint,20,opt,name=large,proto3" json:"large,omitempty"`
	// Moderation: ban and mute, how long in seconds (0: for ever); slow,
	// the seconds between two talks of one user (0: off).
	Duration uint32 `protobuf:"varint,21,opt,name=duration,proto3" json:"duration,omitempty"`
	// A ban: the target's address is banned too.
	Address bool `protobuf:"varint,22,opt,name=address,proto3" json:"address,omitempty"`
	// A ban or unban of the whole server (admins only).
	Server bool `protobuf:"varint,23,opt,name=server,proto3" json:"server,omitempty"`
	// Who did a moderation action (events, tombstones, the audit trail).
	By string `protobuf:"bytes,24,opt,name=by,proto3" json:"by,omitempty"`
	// A delete: the seq of the talk deleted.
	TargetSeq uint64 `protobuf:"varint,25,opt,name=target_seq,json=targetSeq,proto3" json:"target_seq,omitempty"`
	// A role request or event: "moderator" or "" (none); to a joiner:
	// its role in the room ("admin", "owner", "moderator").
	Role string `protobuf:"bytes,26,opt,name=role,proto3" json:"role,omitempty"`
	// A room's topic (a topic request or event, and to a joiner).
	Topic string `protobuf:"bytes,27,opt,name=topic,proto3" json:"topic,omitempty"`
	// A ban or mute: when it ends, Unix milliseconds (0: never).
	Until         int64 `protobuf:"varint,28,opt,name=until,proto3" json:"until,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ChatRoomRequest) Reset() {
	*x = ChatRoomRequest{}
	mi := &file_chat_message_proto_msgTypes[0]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ChatRoomRequest) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ChatRoomRequest) ProtoMessage() {}

func (x *ChatRoomRequest) ProtoReflect() protoreflect.Message {
	mi := &file_chat_message_proto_msgTypes[0]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ChatRoomRequest.ProtoReflect.Descriptor instead.
func (*ChatRoomRequest) Descriptor() ([]byte, []int) {
	return file_chat_message_proto_rawDescGZIP(), []int{0}
}

func (x *ChatRoomRequest) GetType() string {
	if x != nil {
		return x.Type
	}
	return ""
}

func (x *ChatRoomRequest) GetUserName() string {
	if x != nil {
		return x.UserName
	}
	return ""
}

func (x *ChatRoomRequest) GetContent() string {
	if x != nil {
		return x.Content
	}
	return ""
}

func (x *ChatRoomRequest) GetUserList() map[string]string {
	if x != nil {
		return x.UserList
	}
	return nil
}

func (x *ChatRoomRequest) GetTimestamp() int64 {
	if x != nil {
		return x.Timestamp
	}
	return 0
}

func (x *ChatRoomRequest) GetSeq() uint64 {
	if x != nil {
		return x.Seq
	}
	return 0
}

func (x *ChatRoomRequest) GetRoom() string {
	if x != nil {
		return x.Room
	}
	return ""
}

func (x *ChatRoomRequest) GetTo() string {
	if x != nil {
		return x.To
	}
	return ""
}

func (x *ChatRoomRequest) GetRooms() []*RoomInfo {
	if x != nil {
		return x.Rooms
	}
	return nil
}

func (x *ChatRoomRequest) GetCursor() string {
	if x != nil {
		return x.Cursor
	}
	return ""
}

func (x *ChatRoomRequest) GetLimit() uint32 {
	if x != nil {
		return x.Limit
	}
	return 0
}

func (x *ChatRoomRequest) GetPrivate() bool {
	if x != nil {
		return x.Private
	}
	return false
}

func (x *ChatRoomRequest) GetBefore() uint64 {
	if x != nil {
		return x.Before
	}
	return 0
}

func (x *ChatRoomRequest) GetSince() uint64 {
	if x != nil {
		return x.Since
	}
	return 0
}

func (x *ChatRoomRequest) GetMessages() []*ChatRoomRequest {
	if x != nil {
		return x.Messages
	}
	return nil
}

func (x *ChatRoomRequest) GetMore() bool {
	if x != nil {
		return x.More
	}
	return false
}

func (x *ChatRoomRequest) GetJoined() []string {
	if x != nil {
		return x.Joined
	}
	return nil
}

func (x *ChatRoomRequest) GetLeft() []string {
	if x != nil {
		return x.Left
	}
	return nil
}

func (x *ChatRoomRequest) GetCount() uint32 {
	if x != nil {
		return x.Count
	}
	return 0
}

func (x *ChatRoomRequest) GetLarge() bool {
	if x != nil {
		return x.Large
	}
	return false
}

func (x *ChatRoomRequest) GetDuration() uint32 {
	if x != nil {
		return x.Duration
	}
	return 0
}

func (x *ChatRoomRequest) GetAddress() bool {
	if x != nil {
		return x.Address
	}
	return false
}

func (x *ChatRoomRequest) GetServer() bool {
	if x != nil {
		return x.Server
	}
	return false
}

func (x *ChatRoomRequest) GetBy() string {
	if x != nil {
		return x.By
	}
	return ""
}

func (x *ChatRoomRequest) GetTargetSeq() uint64 {
	if x != nil {
		return x.TargetSeq
	}
	return 0
}

func (x *ChatRoomRequest) GetRole() string {
	if x != nil {
		return x.Role
	}
	return ""
}

func (x *ChatRoomRequest) GetTopic() string {
	if x != nil {
		return x.Topic
	}
	return ""
}

func (x *ChatRoomRequest) GetUntil() int64 {
	if x != nil {
		return x.Until
	}
	return 0
}

// One room in a rooms reply.
type RoomInfo struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	Name          string                 `protobuf:"bytes,1,opt,name=name,proto3" json:"name,omitempty"`
	Members       uint32                 `protobuf:"varint,2,opt,name=members,proto3" json:"members,omitempty"` // online in the room (all nodes)
	Topic         string                 `protobuf:"bytes,3,opt,name=topic,proto3" json:"topic,omitempty"`      // empty if none
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *RoomInfo) Reset() {
	*x = RoomInfo{}
	mi := &file_chat_message_proto_msgTypes[1]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *RoomInfo) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*RoomInfo) ProtoMessage() {}

func (x *RoomInfo) ProtoReflect() protoreflect.Message {
	mi := &file_chat_message_proto_msgTypes[1]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use RoomInfo.ProtoReflect.Descriptor instead.
func (*RoomInfo) Descriptor() ([]byte, []int) {
	return file_chat_message_proto_rawDescGZIP(), []int{1}
}

func (x *RoomInfo) GetName() string {
	if x != nil {
		return x.Name
	}
	return ""
}

func (x *RoomInfo) GetMembers() uint32 {
	if x != nil {
		return x.Members
	}
	return 0
}

func (x *RoomInfo) GetTopic() string {
	if x != nil {
		return x.Topic
	}
	return ""
}

// One server frame in the "chatroom.v2" subprotocol: several messages, in
// the order they would have been sent one per frame.
type ChatRoomBatch struct {
	state         protoimpl.MessageState `protogen:"open.v1"`
	Messages      []*ChatRoomRequest     `protobuf:"bytes,1,rep,name=messages,proto3" json:"messages,omitempty"`
	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

func (x *ChatRoomBatch) Reset() {
	*x = ChatRoomBatch{}
	mi := &file_chat_message_proto_msgTypes[2]
	ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
	ms.StoreMessageInfo(mi)
}

func (x *ChatRoomBatch) String() string {
	return protoimpl.X.MessageStringOf(x)
}

func (*ChatRoomBatch) ProtoMessage() {}

func (x *ChatRoomBatch) ProtoReflect() protoreflect.Message {
	mi := &file_chat_message_proto_msgTypes[2]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

// Deprecated: Use ChatRoomBatch.ProtoReflect.Descriptor instead.
func (*ChatRoomBatch) Descriptor() ([]byte, []int) {
	return file_chat_message_proto_rawDescGZIP(), []int{2}
}

func (x *ChatRoomBatch) GetMessages() []*ChatRoomRequest {
	if x != nil {
		return x.Messages
	}
	return nil
}

var File_chat_message_proto protoreflect.FileDescriptor

const file_chat_message_proto_rawDesc = "" +
	"\n" +
	"\x12chat_message.proto\x12\bchatroom\"\xb3\x06\n" +
	"\x0fChatRoomRequest\x12\x12\n" +
	"\x04type\x18\x01 \x01(\tR\x04type\x12\x1b\n" +
	"\tuser_name\x18\x02 \x01(\tR\buserName\x12\x18\n" +
	"\acontent\x18\x03 \x01(\tR\acontent\x12D\n" +
	"\tuser_list\x18\x04 \x03(\v2'.chatroom.ChatRoomRequest.UserListEntryR\buserList\x12\x1c\n" +
	"\ttimestamp\x18\x05 \x01(\x03R\ttimestamp\x12\x10\n" +
	"\x03seq\x18\x06 \x01(\x04R\x03seq\x12\x12\n" +
	"\x04room\x18\a \x01(\tR\x04room\x12\x0e\n" +
	"\x02to\x18\b \x01(\tR\x02to\x12(\n" +
	"\x05rooms\x18\t \x03(\v2\x12.chatroom.RoomInfoR\x05rooms\x12\x16\n" +
	"\x06cursor\x18\n" +
	" \x01(\tR\x06cursor\x12\x14\n" +
	"\x05limit\x18\v \x01(\rR\x05limit\x12\x18\n" +
	"\aprivate\x18\f \x01(\bR\aprivate\x12\x16\n" +
	"\x06before\x18\r \x01(\x04R\x06before\x12\x14\n" +
	"\x05since\x18\x0e \x01(\x04R\x05since\x125\n" +
	"\bmessages\x18\x0f \x03(\v2\x19.chatroom.ChatRoomRequestR\bmessages\x12\x12\n" +
	"\x04more\x18\x10 \x01(\bR\x04more\x12\x16\n" +
	"\x06joined\x18\x11 \x03(\tR\x06joined\x12\x12\n" +
	"\x04left\x18\x12 \x03(\tR\x04left\x12\x14\n" +
	"\x05count\x18\x13 \x01(\rR\x05count\x12\x14\n" +
	"\x05large\x18\x14 \x01(\bR\x05large\x12\x1a\n" +
	"\bduration\x18\x15 \x01(\rR\bduration\x12\x18\n" +
	"\aaddress\x18\x16 \x01(\bR\aaddress\x12\x16\n" +
	"\x06server\x18\x17 \x01(\bR\x06server\x12\x0e\n" +
	"\x02by\x18\x18 \x01(\tR\x02by\x12\x1d\n" +
	"\n" +
	"target_seq\x18\x19 \x01(\x04R\ttargetSeq\x12\x12\n" +
	"\x04role\x18\x1a \x01(\tR\x04role\x12\x14\n" +
	"\x05topic\x18\x1b \x01(\tR\x05topic\x12\x14\n" +
	"\x05until\x18\x1c \x01(\x03R\x05until\x1a;\n" +
	"\rUserListEntry\x12\x10\n" +
	"\x03key\x18\x01 \x01(\tR\x03key\x12\x14\n" +
	"\x05value\x18\x02 \x01(\tR\x05value:\x028\x01\"N\n" +
	"\bRoomInfo\x12\x12\n" +
	"\x04name\x18\x01 \x01(\tR\x04name\x12\x18\n" +
	"\amembers\x18\x02 \x01(\rR\amembers\x12\x14\n" +
	"\x05topic\x18\x03 \x01(\tR\x05topic\"F\n" +
	"\rChatRoomBatch\x125\n" +
	"\bmessages\x18\x01 \x03(\v2\x19.chatroom.ChatRoomRequestR\bmessagesB\x10Z\x0echatroom/modelb\x06proto3"

var (
	file_chat_message_proto_rawDescOnce sync.Once
	file_chat_message_proto_rawDescData []byte
)

func file_chat_message_proto_rawDescGZIP() []byte {
	file_chat_message_proto_rawDescOnce.Do(func() {
		file_chat_message_proto_rawDescData = protoimpl.X.CompressGZIP(unsafe.Slice(unsafe.StringData(file_chat_message_proto_rawDesc), len(file_chat_message_proto_rawDesc)))
	})
	return file_chat_message_proto_rawDescData
}

var file_chat_message_proto_msgTypes = make([]protoimpl.MessageInfo, 4)
var file_chat_message_proto_goTypes = []any{
	(*ChatRoomRequest)(nil), // 0: chatroom.ChatRoomRequest
	(*RoomInfo)(nil),        // 1: chatroom.RoomInfo
	(*ChatRoomBatch)(nil),   // 2: chatroom.ChatRoomBatch
	nil,                     // 3: chatroom.ChatRoomRequest.UserListEntry
}
var file_chat_message_proto_depIdxs = []int32{
	3, // 0: chatroom.ChatRoomRequest.user_list:type_name -> chatroom.ChatRoomRequest.UserListEntry
	1, // 1: chatroom.ChatRoomRequest.rooms:type_name -> chatroom.RoomInfo
	0, // 2: chatroom.ChatRoomRequest.messages:type_name -> chatroom.ChatRoomRequest
	0, // 3: chatroom.ChatRoomBatch.messages:type_name -> chatroom.ChatRoomRequest
	4, // [4:4] is the sub-list for method output_type
	4, // [4:4] is the sub-list for method input_type
	4, // [4:4] is the sub-list for extension type_name
	4, // [4:4] is the sub-list for extension extendee
	0, // [0:4] is the sub-list for field type_name
}

func init() { file_chat_message_proto_init() }
func file_chat_message_proto_init() {
	if File_chat_message_proto != nil {
		return
	}
	type x struct{}
	out := protoimpl.TypeBuilder{
		File: protoimpl.DescBuilder{
			GoPackagePath: reflect.TypeOf(x{}).PkgPath(),
			RawDescriptor: unsafe.Slice(unsafe.StringData(file_chat_message_proto_rawDesc), len(file_chat_message_proto_rawDesc)),
			NumEnums:      0,
			NumMessages:   4,
			NumExtensions: 0,
			NumServices:   0,
		},
		GoTypes:           file_chat_message_proto_goTypes,
		DependencyIndexes: file_chat_message_proto_depIdxs,
		MessageInfos:      file_chat_message_proto_msgTypes,
	}.Build()
	File_chat_message_proto = out.File
	file_chat_message_proto_goTypes = nil
	file_chat_message_proto_depIdxs = nil
}
