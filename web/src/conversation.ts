// One conversation: a room the user is in, or the direct messages with one
// other user. It owns its message list (an <ol> of its own, in the page only
// while it is the one shown), its users (rooms), its unread count, what the
// user left behind when switching away (the draft and the scroll place),
// and where its history stands: the last seq received (what a reconnect
// catches up from), whether its beginning is shown, and its search.
//
// The list holds one stretch of the conversation, in seq order: live
// events and catch-ups are appended, pages read by scrolling back are
// prepended. The server sends each talk once (protocol.md), so nothing is
// de-duplicated.

import { isolated } from "./bidi.ts";
import { deleteButton, deleteButtons, mark } from "./moderated.ts";
import { newModeration } from "./moderation.ts";
import { newPresence } from "./presence.ts";
import type { ChatRoomRequest } from "./protocol.ts";

export type Kind = "room" | "dm";

// A list followed at its end keeps this many lines; older ones go (and
// scrolling back reads them again).
const maxLines = 1000;
// A list scrolled to within this many pixels of its end follows new lines.
const nearEnd = 40;

// keyOf names a conversation uniquely: rooms and users have separate names.
export function keyOf(kind: Kind, name: string): string {
  return `${kind}:${name}`;
}

// What a conversation is searching for and has found (search.ts).
export type SearchState = {
  open: boolean;
  query: string; // the query of the results shown
  results: ChatRoomRequest[]; // newest first
  more: boolean;
  pending: boolean; // a search request is in flight
  status: string;
};

export class Conversation {
  readonly key: string;
  readonly list: HTMLOListElement;
  users = new Set<string>(); // a room's users, while it is not large
  presence = newPresence(); // a room's count, and its pages while large
  mod = newModeration(); // a room's topic, slow mode and roles
  unread = 0;
  draft = "";
  historyAsked = false; // a DM conversation reads its latest page once
  unlisted = false; // a private room, as its user list says: rejoined with join {private}
  // lastSeq is the highest seq received of this conversation (any event
  // but our own join): a reconnect asks for what came after it.
  lastSeq = 0n;
  // atBeginning: the list starts at the conversation's first kept talk.
  atBeginning = false;
  readonly search: SearchState = { open: false, query: "", results: [], more: false, pending: false, status: "" };
  private scrollTop = 0;
  private following = true; // at the end when last shown: new lines keep it there
  private marker: HTMLLIElement | null = null; // the top line: loading, or the beginning
  private deleting = false; // the user may delete talks here: each has its button

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

  // saw records a seq received of this conversation.
  saw(seq: bigint): void {
    if (seq > this.lastSeq) {
      this.lastSeq = seq;
    }
  }

  // talk appends a talk (live, or caught up after a reconnect).
  talk(m: ChatRoomRequest): void {
    this.saw(m.seq);
    this.append(this.lineOf(m));
  }

  // lineOf is the line of a talk, with its delete button if the user may
  // delete talks here.
  private lineOf(m: ChatRoomRequest): HTMLLIElement {
    const li = talkLine(m);
    if (this.deleting) {
      deleteButton(li, true);
    }
    return li;
  }

  // mayDelete gives every talk line a delete button (or takes them away).
  mayDelete(on: boolean): void {
    if (on !== this.deleting) {
      this.deleting = on;
      deleteButtons(this.list, on);
    }
  }

  // caughtUp puts a talk a catch-up replays after the lines held, before
  // any newer ones that came live meanwhile.
  caughtUp(m: ChatRoomRequest): void {
    this.saw(m.seq);
    const li = this.lineOf(m);
    let after = this.list.lastElementChild as HTMLElement | null;
    for (let i = 0; after?.dataset.seq !== undefined && BigInt(after.dataset.seq) > m.seq && i < maxLines; i++) {
      after = after.previousElementSibling as HTMLElement | null;
    }
    if (after === this.list.lastElementChild) {
      this.append(li);
    } else if (after) {
      after.after(li);
    } else {
      this.list.prepend(li);
    }
  }

  // system appends a line of the page's own words (a join, a leave, an
  // error); seq is the event's (0: none).
  system(text: string | (string | Node)[], timestamp: bigint, seq = 0n): void {
    this.saw(seq);
    this.append(systemLine(text, timestamp, seq));
  }

  // notice appends a line that stands out: what the server says of the
  // conversation's history (a gap), or the page says of the list.
  notice(text: string | Node[]): HTMLLIElement {
    const li = systemLine(typeof text === "string" ? text : [...text], 0n, 0n);
    li.classList.add("notice");
    this.append(li);
    return li;
  }

  // firstSeq is the seq of the oldest line held (0: none), what scrolling
  // back reads before.
  firstSeq(): bigint {
    const first = this.list.querySelector<HTMLElement>("li[data-seq]");
    return first ? BigInt(first.dataset.seq ?? "0") : 0n;
  }

  // line is the line of the talk seq, if held.
  line(seq: bigint): HTMLElement | null {
    return this.list.querySelector<HTMLElement>(`li[data-seq="${seq}"]`);
  }

  // prepend puts a page of older talks (oldest first) above the lines held,
  // keeping what the user sees in place (nothing held: at the end); talks not older than the oldest
  // held (the newest page, asked with nothing held, meeting live talks that
  // came meanwhile) are already below. more: older talks are kept.
  prepend(page: ChatRoomRequest[], more: boolean): void {
    const first = this.firstSeq();
    const older = page.filter((m) => first === 0n || m.seq < first).map((m) => this.lineOf(m));
    const l = this.list;
    const anchor = this.marker ? this.marker.nextElementSibling : l.firstElementChild;
    // The line that was first stays where it was in the list's view.
    const at = (e: Element | null) => (e ? e.getBoundingClientRect().top - l.getBoundingClientRect().top : 0);
    const was = at(anchor);
    for (const li of older) {
      if (anchor) {
        anchor.before(li);
      } else {
        l.append(li);
      }
    }
    this.atBeginning = !more;
    if (!anchor) {
      l.scrollTop = l.scrollHeight; // the first page: its newest in view
    } else if (l.isConnected) {
      l.scrollTop += at(anchor) - was;
    }
  }

  // drop forgets every line held: the conversation is read again from what
  // follows (a gap's replay, a page around a search result).
  drop(): void {
    this.list.replaceChildren();
    this.marker = null;
    this.atBeginning = false;
    this.following = true;
  }

  // mark shows text on the list's top line ("": no such line); beginning:
  // it says the conversation starts here.
  mark(text: string, beginning = false): void {
    if (text === "") {
      this.marker?.remove();
      this.marker = null;
      return;
    }
    if (!this.marker) {
      this.marker = document.createElement("li");
      this.list.prepend(this.marker);
    }
    this.marker.className = beginning ? "marker beginning" : "marker";
    this.marker.textContent = text;
  }

  // append puts li at the end; a list followed at its end drops its oldest
  // lines past maxLines (its beginning is then no longer shown).
  private append(li: HTMLElement): void {
    const l = this.list;
    const shown = l.isConnected;
    const atEnd = shown ? l.scrollHeight - l.scrollTop - l.clientHeight < nearEnd : this.following;
    l.append(li);
    while (atEnd && l.childElementCount > maxLines) {
      const old = l.firstElementChild as HTMLElement;
      if (old === this.marker) {
        this.marker = null;
        this.atBeginning = false;
      }
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

// talkLine is the line of a talk.
export function talkLine(m: ChatRoomRequest): HTMLLIElement {
  const li = document.createElement("li");
  li.append(timeSpan(m.timestamp));
  const content = document.createElement("span");
  content.className = "content";
  content.textContent = m.content;
  li.append(isolated(m.userName, "sender"), content);
  li.dataset.seq = m.seq.toString();
  mark(li, content, m);
  return li;
}

function systemLine(text: string | (string | Node)[], timestamp: bigint, seq: bigint): HTMLLIElement {
  const li = document.createElement("li");
  li.className = "system";
  li.append(timeSpan(timestamp));
  const span = document.createElement("span");
  span.append(...(typeof text === "string" ? [text] : text));
  li.append(span);
  if (seq > 0n) {
    li.dataset.seq = seq.toString();
  }
  return li;
}

// timeSpan is a <time> of timestamp (0: now), with its date if withDate.
export function timeSpan(timestamp: bigint, withDate = false): HTMLElement {
  const when = timestamp > 0n ? new Date(Number(timestamp)) : new Date();
  const el = document.createElement("time");
  el.className = "time";
  el.dateTime = when.toISOString();
  const lang = document.documentElement.lang;
  const clock = when.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  el.textContent = withDate ? `${when.toLocaleDateString(lang)} ${clock}` : clock;
  return el;
}
