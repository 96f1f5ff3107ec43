// The wire protocol (model/chat_message.proto), as the browser speaks it:
// one ChatRoomRequest per binary frame each way; ping/pong for heartbeats;
// refusals read from the connection (the chatroom.refusals subprotocol).

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ChatRoomRequestSchema, type ChatRoomRequest } from "./gen/chat_message_pb.ts";

export type { ChatRoomRequest };

// Offered in the handshake: a refused one is then upgraded, told why in an
// error frame and closed with 4000 + the HTTP status.
export const subprotocolRefusals = "chatroom.refusals";
export const closeCodeRefused = 4000;

// The server's default -max-content; a longer talk is refused anyway.
export const maxContentBytes = 4096;
// model.MaxUsernameRunes.
export const maxUsernameChars = 32;

export function encode(type: string, content = ""): Uint8Array {
  return toBinary(ChatRoomRequestSchema, create(ChatRoomRequestSchema, { type, content }));
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
