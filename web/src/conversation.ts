// One conversation: a room the user is in, or the direct messages with one
// other user. It owns its message list (an <ol> of its own, in the page only
// while it is the one shown), its users (rooms), its unread count, and what
// the user left behind when switching away: the draft and the scroll place.

import { isolated } from "./bidi.ts";
import type { ChatRoomRequest } from "./protocol.ts";

export type Kind = "room" | "dm";

// A list keeps this many lines; older ones go.
const maxLines = 1000;
// A list scrolled to within this many pixels of its end follows new lines.
const nearEnd = 40;

// keyOf names a conversation uniquely: rooms and users have separate names.
export function keyOf(kind: Kind, name: string): string {
  return `${kind}:${name}`;
}

export class Conversation {
  readonly key: string;
  readonly list: HTMLOListElement;
  users = new Set<string>();
  unread = 0;
  draft = "";
  historyAsked = false; // a DM conversation asks for its history once
  unlisted = false; // a private room, as its user list says: rejoined with join {private}
  private scrollTop = 0;
  private following = true; // at the end when last shown: new lines keep it there
  // Talks shown, by timestamp and seq: history sent again after a
  // reconnect, or asked for a DM already partly shown, is not shown twice.
  // A restarted server counts seqs from 1 again, at later times, so a
  // talk is the same only if both match. The desktop client does the same.
  private readonly seen = new Set<string>();

  constructor(
    readonly kind: Kind,
    readonly name: string,
  ) {
    this.key = keyOf(kind, name);
    this.list = document.createElement("ol");
    this.list.className = "messages";
    this.list.setAttribute("role", "log");
    this.list.tabIndex = 0;
    this.list.setAttribute("aria-labelledby", "messages-title");
  }

  // talk adds a talk in its place by time; false if it was shown before.
  talk(m: ChatRoomRequest): boolean {
    const id = `${m.timestamp}/${m.seq}`;
    if (this.seen.has(id)) {
      return false;
    }
    this.seen.add(id);
    const li = document.createElement("li");
    li.append(timeSpan(m.timestamp));
    const content = document.createElement("span");
    content.className = "content";
    content.textContent = m.content;
    li.append(isolated(m.userName, "sender"), content);
    li.dataset.seq = m.seq.toString();
    li.dataset.id = id;
    this.insert(li, m.timestamp, m.seq);
    return true;
  }

  // system adds a line of the page's own words (a join, a leave, an error).
  system(text: string | (string | Node)[], timestamp: bigint): void {
    const li = document.createElement("li");
    li.className = "system";
    li.append(timeSpan(timestamp));
    const span = document.createElement("span");
    span.append(...(typeof text === "string" ? [text] : text));
    li.append(span);
    // A line with no time of the server's goes last.
    const last = (this.list.lastElementChild as HTMLElement | null)?.dataset.time;
    this.insert(li, timestamp > 0n ? timestamp : BigInt(last ?? Date.now()), -1n);
  }

  // insert puts li after the last line no newer than it (history comes
  // after the live lines that made the user open it), and drops the oldest
  // lines past maxLines.
  private insert(li: HTMLElement, timestamp: bigint, seq: bigint): void {
    const l = this.list;
    li.dataset.time = timestamp.toString();
    const shown = l.isConnected;
    const atEnd = shown ? l.scrollHeight - l.scrollTop - l.clientHeight < nearEnd : this.following;
    let after = l.lastElementChild as HTMLElement | null;
    for (let i = 0; after && i < maxLines && newer(after, timestamp, seq); i++) {
      after = after.previousElementSibling as HTMLElement | null;
    }
    if (after) {
      after.after(li);
    } else {
      l.prepend(li);
    }
    while (l.childElementCount > maxLines) {
      const old = l.firstElementChild as HTMLElement;
      this.seen.delete(old.dataset.id ?? "");
      old.remove();
    }
    if (atEnd && shown) {
      l.scrollTop = l.scrollHeight;
    }
  }

  // leaving keeps the scroll place of a list about to be taken off the page.
  leaving(): void {
    const l = this.list;
    this.scrollTop = l.scrollTop;
    this.following = l.scrollHeight - l.scrollTop - l.clientHeight < nearEnd;
  }

  // shown puts the scroll place back once the list is on the page again.
  shown(): void {
    const l = this.list;
    l.scrollTop = this.following ? l.scrollHeight : this.scrollTop;
  }
}

// newer says whether the line el is newer than a line of timestamp and seq.
function newer(el: HTMLElement, timestamp: bigint, seq: bigint): boolean {
  const t = BigInt(el.dataset.time ?? "0");
  if (t !== timestamp) {
    return t > timestamp;
  }
  return seq >= 0n && el.dataset.seq !== undefined && BigInt(el.dataset.seq) > seq;
}

function timeSpan(timestamp: bigint): HTMLElement {
  const when = timestamp > 0n ? new Date(Number(timestamp)) : new Date();
  const el = document.createElement("time");
  el.className = "time";
  el.dateTime = when.toISOString();
  el.textContent = when.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return el;
}
