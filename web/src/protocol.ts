// The wire protocol (model/chat_message.proto), as the browser speaks it:
// one ChatRoomRequest per binary frame each way; ping/pong for heartbeats;
// refusals read from the connection (the chatroom.refusals subprotocol).

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ChatRoomRequestSchema, type ChatRoomRequest, type RoomInfo } from "./gen/chat_message_pb.ts";

export type { ChatRoomRequest, RoomInfo };

// Offered in the handshake: a refused one is then upgraded, told why in an
// error frame and closed with 4000 + the HTTP status.
export const subprotocolRefusals = "chatroom.refusals";
export const closeCodeRefused = 4000;

// model.PresenceParam and model.PresenceCoalesce: the handshake's query
// parameter by which a client asks for coalesced presence.
export const presenceParam = "presence";
export const presenceCoalesce = "coalesce";

// The server's default -max-content; a longer talk is refused anyway.
export const maxContentBytes = 4096;
// model.MaxUsernameRunes.
export const maxUsernameChars = 32;

// model.MaxRoomRunes: the longest room name any server takes (its
// -max-room-name may take less, and says so in words).
export const maxRoomChars = 64;

// The fields a client request may set (see model/chat_message.proto).
export type Request = {
  type: string;
  content?: string;
  room?: string;
  to?: string;
  cursor?: string;
  limit?: number;
  private?: boolean;
  before?: bigint;
  since?: bigint;
  duration?: number;
  server?: boolean;
  targetSeq?: bigint;
  role?: string;
  topic?: string;
};

// model.SystemName: the operator's messages come from this name, which no
// user may take.
export const systemName = "server";

// Moderation's limits (model/moderation.go): the longest topic and reason,
// in bytes, and the longest duration that is not "for ever", in seconds.
export const maxTopicBytes = 300;
export const maxReasonBytes = 300;
export const maxModerationSeconds = 366 * 24 * 3600;

// The close codes of a moderation action (the server's): kicked out of
// the home room (reconnecting is fine), and banned from the server.
export const closeKicked = 4001;
export const closeBanned = 4003;

export function encode(type: string, content = ""): Uint8Array {
  return encodeRequest({ type, content });
}

export function encodeRequest(r: Request): Uint8Array {
  return toBinary(ChatRoomRequestSchema, create(ChatRoomRequestSchema, r));
}

export function decode(data: ArrayBuffer): ChatRoomRequest {
  return fromBinary(ChatRoomRequestSchema, new Uint8Array(data));
}

export type UsernameProblem = { kind: "empty" } | { kind: "tooLong" } | { kind: "control" };

// checkUsername applies model.NormalizeUsername's rules: trimmed, 1 to 32
// characters, no control characters (nor U+2028/U+2029). It returns the
// trimmed name or the problem.
export function checkUsername(raw: string): string | UsernameProblem {
  const name = raw.trim();
  if (name === "") {
    return { kind: "empty" };
  }
  if ([...name].length > maxUsernameChars) {
    return { kind: "tooLong" };
  }
  // \p{Cs} matches lone surrogates only: they are not valid UTF-8.
  if (/[\p{Cc}\p{Cs}\u2028\u2029]/u.test(name)) {
    return { kind: "control" };
  }
  return name;
}

export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

export type RoomProblem = { kind: "empty" } | { kind: "tooLong" };

// checkRoom is the part of model.NormalizeRoom's rules a page can apply
// exactly: a name is given and has at most 64 characters. It returns the
// name in the form the server knows it by, as near as a browser can make
// it (NFKC, lower case); the server's own check, in words, is the last.
export function checkRoom(raw: string): string | RoomProblem {
  const name = normalizeRoom(raw.trim());
  if (name === "") {
    return { kind: "empty" };
  }
  if ([...name].length > maxRoomChars) {
    return { kind: "tooLong" };
  }
  return name;
}

// normalizeRoom approximates model.NormalizeRoom's NFKC case folding.
export function normalizeRoom(name: string): string {
  return name.normalize("NFKC").toLowerCase().normalize("NFKC");
}
