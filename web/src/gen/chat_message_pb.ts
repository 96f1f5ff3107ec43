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

// @generated by protoc-gen-es v2.13.0 with parameter "target=ts"
// @generated from file chat_message.proto (package chatroom, syntax proto3)
/* eslint-disable */

import type { GenFile, GenMessage } from "@bufbuild/protobuf/codegenv2";
import { fileDesc, messageDesc } from "@bufbuild/protobuf/codegenv2";
import type { Message } from "@bufbuild/protobuf";

/**
 * Describes the file chat_message.proto.
 */
export const file_chat_message: GenFile = /*@__PURE__*/
  fileDesc("ChJjaGF0X21lc3NhZ2UucHJvdG8SCGNoYXRyb29tItIECg9DaGF0Um9vbVJlcXVlc3QSDAoEdHlwZRgBIAEoCRIRCgl1c2VyX25hbWUYAiABKAkSDwoHY29udGVudBgDIAEoCRI6Cgl1c2VyX2xpc3QYBCADKAsyJy5jaGF0cm9vbS5DaGF0Um9vbVJlcXVlc3QuVXNlckxpc3RFbnRyeRIRCgl0aW1lc3RhbXAYBSABKAMSCwoDc2VxGAYgASgEEgwKBHJvb20YByABKAkSCgoCdG8YCCABKAkSIQoFcm9vbXMYCSADKAsyEi5jaGF0cm9vbS5Sb29tSW5mbxIOCgZjdXJzb3IYCiABKAkSDQoFbGltaXQYCyABKA0SDwoHcHJpdmF0ZRgMIAEoCBIOCgZiZWZvcmUYDSABKAQSDQoFc2luY2UYDiABKAQSKwoIbWVzc2FnZXMYDyADKAsyGS5jaGF0cm9vbS5DaGF0Um9vbVJlcXVlc3QSDAoEbW9yZRgQIAEoCBIOCgZqb2luZWQYESADKAkSDAoEbGVmdBgSIAMoCRINCgVjb3VudBgTIAEoDRINCgVsYXJnZRgUIAEoCBIQCghkdXJhdGlvbhgVIAEoDRIPCgdhZGRyZXNzGBYgASgIEg4KBnNlcnZlchgXIAEoCBIKCgJieRgYIAEoCRISCgp0YXJnZXRfc2VxGBkgASgEEgwKBHJvbGUYGiABKAkSDQoFdG9waWMYGyABKAkSDQoFdW50aWwYHCABKAMaLwoNVXNlckxpc3RFbnRyeRILCgNrZXkYASABKAkSDQoFdmFsdWUYAiABKAk6AjgBIjgKCFJvb21JbmZvEgwKBG5hbWUYASABKAkSDwoHbWVtYmVycxgCIAEoDRINCgV0b3BpYxgDIAEoCSI8Cg1DaGF0Um9vbUJhdGNoEisKCG1lc3NhZ2VzGAEgAygLMhkuY2hhdHJvb20uQ2hhdFJvb21SZXF1ZXN0QhBaDmNoYXRyb29tL21vZGVsYgZwcm90bzM");

/**
 * @generated from message chatroom.ChatRoomRequest
 */
export type ChatRoomRequest = Message<"chatroom.ChatRoomRequest"> & {
  /**
   * @generated from field: string type = 1;
   */
  type: string;

  /**
   * @generated from field: string user_name = 2;
   */
  userName: string;

  /**
   * @generated from field: string content = 3;
   */
  content: string;

  /**
   * @generated from field: map<string, string> user_list = 4;
   */
  userList: { [key: string]: string };

  /**
   * Server time when the room accepted the event, Unix milliseconds.
   *
   * @generated from field: int64 timestamp = 5;
   */
  timestamp: bigint;

  /**
   * The room's sequence number of a talk, join or leave. Live events reach
   * every user in increasing seq order, the same order for everyone; the
   * history replayed after a user's own join keeps its original, lower seqs.
   *
   * @generated from field: uint64 seq = 6;
   */
  seq: bigint;

  /**
   * The room a message is about. Empty from a client: its home room.
   * Room names are 1-64 letters, digits, marks and "-_." of any script
   * (Chinese too), compared and shown in NFKC, lower case.
   *
   * @generated from field: string room = 7;
   */
  room: string;

  /**
   * A direct message's addressee (talk, history, error).
   *
   * @generated from field: string to = 8;
   */
  to: string;

  /**
   * A rooms reply: one page of the public rooms.
   *
   * @generated from field: repeated chatroom.RoomInfo rooms = 9;
   */
  rooms: RoomInfo[];

  /**
   * Rooms paging: in a request, list the rooms after this name; in the
   * reply, the name to ask from for the next page, "" after the last.
   *
   * @generated from field: string cursor = 10;
   */
  cursor: string;

  /**
   * Rooms paging: most rooms per page (0: the server's default, at most
   * its maximum).
   *
   * @generated from field: uint32 limit = 11;
   */
  limit: number;

  /**
   * A join that creates its room creates it unlisted: not in the rooms
   * list, joined only by whoever knows its name. In a userlist reply: the
   * room is unlisted (a client coming back to it joins it with private,
   * since a handshake's rooms are created listed).
   *
   * @generated from field: bool private = 12;
   */
  private: boolean;

  /**
   * Scroll back (history, search): only talks with a lower seq (0: from
   * the newest). In a history or search reply: echoes the request's.
   *
   * @generated from field: uint64 before = 13;
   */
  before: bigint;

  /**
   * Catch up (join, or the handshake's since): the last seq of the room
   * the client received (of a talk, someone's join or leave, or in a
   * catch-up; not its own join, which comes before its catch-up); the
   * answer replays the talks after it.
   *
   * @generated from field: uint64 since = 14;
   */
  since: bigint;

  /**
   * A history page (oldest first) or search results (newest first): talks,
   * each as it was sent live (user_name, content, timestamp, seq, room or
   * to).
   *
   * @generated from field: repeated chatroom.ChatRoomRequest messages = 15;
   */
  messages: ChatRoomRequest[];

  /**
   * A history or search reply: there are more (older) talks to ask for.
   *
   * @generated from field: bool more = 16;
   */
  more: boolean;

  /**
   * A presence frame: the names that joined the room in its window (in
   * it now).
   *
   * @generated from field: repeated string joined = 17;
   */
  joined: string[];

  /**
   * A presence frame: the names that left the room in its window (not in
   * it now).
   *
   * @generated from field: repeated string left = 18;
   */
  left: string[];

  /**
   * A presence or userlist frame: how many are in the room (all nodes).
   *
   * @generated from field: uint32 count = 19;
   */
  count: number;

  /**
   * A presence or userlist frame: the room is past -presence-limit
   * members: no per-user presence is sent, the user list comes in pages.
   *
   * @generated from field: bool large = 20;
   */
  large: boolean;

  /**
   * Moderation: ban and mute, how long in seconds (0: for ever); slow,
   * the seconds between two talks of one user (0: off).
   *
   * @generated from field: uint32 duration = 21;
   */
  duration: number;

  /**
   * A ban: the target's address is banned too.
   *
   * @generated from field: bool address = 22;
   */
  address: boolean;

  /**
   * A ban or unban of the whole server (admins only).
   *
   * @generated from field: bool server = 23;
   */
  server: boolean;

  /**
   * Who did a moderation action (events, tombstones, the audit trail).
   *
   * @generated from field: string by = 24;
   */
  by: string;

  /**
   * A delete: the seq of the talk deleted.
   *
   * @generated from field: uint64 target_seq = 25;
   */
  targetSeq: bigint;

  /**
   * A role request or event: "moderator" or "" (none); to a joiner:
   * its role in the room ("admin", "owner", "moderator").
   *
   * @generated from field: string role = 26;
   */
  role: string;

  /**
   * A room's topic (a topic request or event, and to a joiner).
   *
   * @generated from field: string topic = 27;
   */
  topic: string;

  /**
   * A ban or mute: when it ends, Unix milliseconds (0: never).
   *
   * @generated from field: int64 until = 28;
   */
  until: bigint;
};

/**
 * Describes the message chatroom.ChatRoomRequest.
 * Use `create(ChatRoomRequestSchema)` to create a new message.
 */
export const ChatRoomRequestSchema: GenMessage<ChatRoomRequest> = /*@__PURE__*/
  messageDesc(file_chat_message, 0);

/**
 * One room in a rooms reply.
 *
 * @generated from message chatroom.RoomInfo
 */
export type RoomInfo = Message<"chatroom.RoomInfo"> & {
  /**
   * @generated from field: string name = 1;
   */
  name: string;

  /**
   * online in the room (all nodes)
   *
   * @generated from field: uint32 members = 2;
   */
  members: number;

  /**
   * empty if none
   *
   * @generated from field: string topic = 3;
   */
  topic: string;
};

/**
 * Describes the message chatroom.RoomInfo.
 * Use `create(RoomInfoSchema)` to create a new message.
 */
export const RoomInfoSchema: GenMessage<RoomInfo> = /*@__PURE__*/
  messageDesc(file_chat_message, 1);

/**
 * One server frame in the "chatroom.v2" subprotocol: several messages, in
 * the order they would have been sent one per frame.
 *
 * @generated from message chatroom.ChatRoomBatch
 */
export type ChatRoomBatch = Message<"chatroom.ChatRoomBatch"> & {
  /**
   * @generated from field: repeated chatroom.ChatRoomRequest messages = 1;
   */
  messages: ChatRoomRequest[];
};

/**
 * Describes the message chatroom.ChatRoomBatch.
 * Use `create(ChatRoomBatchSchema)` to create a new message.
 */
export const ChatRoomBatchSchema: GenMessage<ChatRoomBatch> = /*@__PURE__*/
  messageDesc(file_chat_message, 2);

