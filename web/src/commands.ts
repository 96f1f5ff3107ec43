// Slash commands typed in the message box: which there are, the role each
// needs, how a line is read into a moderation request (or refused in
// words, sending nothing), and the /help list. A line starting with one
// "/" is a command; one starting with "//" is a message, sent with the
// first "/" taken off. A name with spaces is written in double quotes.

import type { Texts } from "./i18n.ts";
import { maxModerationSeconds, maxReasonBytes, maxTopicBytes, utf8Length, type Request } from "./protocol.ts";

// Roles, from the least to the most trusted ("" is none), as the server
// names them (model/moderation.go).
const ranks = ["", "moderator", "owner", "admin"];

// rank is a role's place among ranks (an unknown role is none).
export function rank(role: string): number {
  return Math.max(0, ranks.indexOf(role));
}

type Spec = { needs: string; syntax: string; inRoom: boolean };

// The commands, in the order /help lists them.
const specs: Record<string, Spec> = {
  kick: { needs: "moderator", syntax: "/kick NAME [reason]", inRoom: true },
  ban: { needs: "moderator", syntax: "/ban NAME [DURATION] [reason]", inRoom: true },
  unban: { needs: "moderator", syntax: "/unban NAME", inRoom: true },
  mute: { needs: "moderator", syntax: "/mute NAME [DURATION] [reason]", inRoom: true },
  unmute: { needs: "moderator", syntax: "/unmute NAME", inRoom: true },
  topic: { needs: "moderator", syntax: "/topic [TEXT]", inRoom: true },
  slow: { needs: "moderator", syntax: "/slow SECONDS", inRoom: true },
  mod: { needs: "owner", syntax: "/mod NAME", inRoom: true },
  unmod: { needs: "owner", syntax: "/unmod NAME", inRoom: true },
  audit: { needs: "admin", syntax: "/audit", inRoom: false },
  help: { needs: "", syntax: "/help", inRoom: false },
};

// What a line typed means.
export type Typed =
  | { kind: "talk"; text: string } // a message to send
  | { kind: "request"; request: Request } // a moderation request to send
  | { kind: "help" }
  | { kind: "audit" }
  | { kind: "problem"; words: string }; // refused here: nothing is sent

// Where a line is typed: the room (null: a direct-message conversation)
// and the user's role there.
export type Place = { room: string | null; role: string };

// read reads a line typed in place.
export function read(t: Texts, line: string, place: Place): Typed {
  if (!line.startsWith("/") || line.startsWith("//")) {
    return { kind: "talk", text: line.startsWith("//") ? line.slice(1) : line };
  }
  const [, word = "", rest = ""] = /^\/(\S*)\s*([\s\S]*)$/.exec(line) ?? [];
  const name = word.toLowerCase();
  const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
  if (!spec) {
    return { kind: "problem", words: t.unknownCommand(word) };
  }
  if (rank(place.role) < rank(spec.needs)) {
    return { kind: "problem", words: t.needsRole(name, t.roleNames[spec.needs] ?? spec.needs) };
  }
  if (name === "help" || name === "audit") {
    return { kind: name };
  }
  if (place.room === null) {
    return { kind: "problem", words: t.onlyInRoom(name) };
  }
  const got = request(t, name, rest.trim(), place.room);
  return typeof got === "string" ? { kind: "problem", words: got } : { kind: "request", request: got };
}

// request reads a room command's arguments: the request, or the problem.
function request(t: Texts, name: string, args: string, room: string): Request | string {
  if (name === "topic") {
    return utf8Length(args) > maxTopicBytes ? t.topicTooLong(maxTopicBytes) : { type: "topic", room, topic: args };
  }
  if (name === "slow") {
    const s = /^\d+$/.test(args) ? Number(args) : seconds(args);
    if (s === null || args === "") return t.usage(specs.slow.syntax);
    return s > maxModerationSeconds ? t.durationTooLong : { type: "slow", room, duration: s };
  }
  const [to, after] = nameOf(args);
  if (to === "") {
    return t.usage(specs[name].syntax);
  }
  if (name === "kick") {
    return utf8Length(after) > maxReasonBytes ? t.reasonTooLong(maxReasonBytes) : { type: "kick", room, to, content: after };
  }
  if (name === "ban" || name === "mute") {
    return timed(t, name, room, to, after);
  }
  if (after !== "") {
    return t.usage(specs[name].syntax);
  }
  if (name === "mod" || name === "unmod") {
    return { type: "role", room, to, role: name === "mod" ? "moderator" : "" };
  }
  return { type: name, room, to }; // unban, unmute
}

// timed reads a ban's or a mute's optional duration and reason. A number
// first is a duration, which needs its unit (not a reason: "/ban bob 10"
// is refused, not a ban for ever).
function timed(t: Texts, type: string, room: string, to: string, args: string): Request | string {
  const [, first = "", rest = ""] = /^(\S*)\s*([\s\S]*)$/.exec(args) ?? [];
  let duration = 0;
  let reason = args;
  if (/^\d+[a-z]*$/i.test(first)) {
    const s = seconds(first);
    if (s === null) return t.badDuration(first);
    if (s > maxModerationSeconds) return t.durationTooLong;
    duration = s;
    reason = rest;
  }
  if (utf8Length(reason) > maxReasonBytes) {
    return t.reasonTooLong(maxReasonBytes);
  }
  return { type, room, to, duration, content: reason };
}

// seconds reads a duration like 30s, 10m, 2h or 7d (null: not one).
export function seconds(s: string): number | null {
  const m = /^(\d{1,9})([smhd])$/i.exec(s);
  if (!m) {
    return null;
  }
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  return Number(m[1]) * unit[m[2].toLowerCase()];
}

// durationText writes seconds as a command takes them: 7200 is 2h.
export function durationText(s: number): string {
  for (const [unit, n] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (s >= n && s % n === 0) {
      return `${s / n}${unit}`;
    }
  }
  return `${s}s`;
}

// nameOf splits a name (in double quotes if it has spaces) from what follows.
function nameOf(args: string): [string, string] {
  const m = /^"([^"]*)"\s*([\s\S]*)$/.exec(args) ?? /^(\S*)\s*([\s\S]*)$/.exec(args);
  return [m?.[1].trim() ?? "", m?.[2] ?? ""];
}

// quoteName writes a name as a command takes it.
export function quoteName(name: string): string {
  return /\s|^"/.test(name) ? `"${name}"` : name;
}

// help lists the commands a user of role may use, each with its words.
export function help(t: Texts, role: string): string[] {
  return Object.entries(specs)
    .filter(([, spec]) => rank(role) >= rank(spec.needs))
    .map(([name, spec]) => `${spec.syntax} — ${t.commandHelp[name] ?? ""}`);
}
