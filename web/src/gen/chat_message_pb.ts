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
  fileDesc("ChJjaGF0X21lc3NhZ2UucHJvdG8SCGNoYXRyb29tItMDCg9DaGF0Um9vbVJlcXVlc3QSDAoEdHlwZRgBIAEoCRIRCgl1c2VyX25hbWUYAiABKAkSDwoHY29udGVudBgDIAEoCRI6Cgl1c2VyX2xpc3QYBCADKAsyJy5jaGF0cm9vbS5DaGF0Um9vbVJlcXVlc3QuVXNlckxpc3RFbnRyeRIRCgl0aW1lc3RhbXAYBSABKAMSCwoDc2VxGAYgASgEEgwKBHJvb20YByABKAkSCgoCdG8YCCABKAkSIQoFcm9vbXMYCSADKAsyEi5jaGF0cm9vbS5Sb29tSW5mbxIOCgZjdXJzb3IYCiABKAkSDQoFbGltaXQYCyABKA0SDwoHcHJpdmF0ZRgMIAEoCBIOCgZiZWZvcmUYDSABKAQSDQoFc2luY2UYDiABKAQSKwoIbWVzc2FnZXMYDyADKAsyGS5jaGF0cm9vbS5DaGF0Um9vbVJlcXVlc3QSDAoEbW9yZRgQIAEoCBIOCgZqb2luZWQYESADKAkSDAoEbGVmdBgSIAMoCRINCgVjb3VudBgTIAEoDRINCgVsYXJnZRgUIAEoCBovCg1Vc2VyTGlzdEVudHJ5EgsKA2tleRgBIAEoCRINCgV2YWx1ZRgCIAEoCToCOAEiOAoIUm9vbUluZm8SDAoEbmFtZRgBIAEoCRIPCgdtZW1iZXJzGAIgASgNEg0KBXRvcGljGAMgASgJIjwKDUNoYXRSb29tQmF0Y2gSKwoIbWVzc2FnZXMYASADKAsyGS5jaGF0cm9vbS5DaGF0Um9vbVJlcXVlc3RCEFoOY2hhdHJvb20vbW9kZWxiBnByb3RvMw");

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

