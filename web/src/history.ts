// Reading a conversation's history (protocol.md, "Scroll back" and "Catch
// up"). Scrolling to the top of a room's or DM's messages reads the page
// before its oldest line, one request at a time per conversation, with
// "loading" and then "beginning" on the list's top line. A reconnect's
// catch-up frames are appended; a gap drops what the room held. A DM
// conversation, which has no catch-up of its own, reads its latest page
// after a reconnect and appends what is newer than what it holds. A
// search result not held is loaded into view (jump).

import { Conversation } from "./conversation.ts";
import type { Conversations } from "./conversations.ts";
import type { Texts } from "./i18n.ts";
import type { ChatRoomRequest, Request } from "./protocol.ts";

// Talks per page scrolled back.
const pageSize = 50;
// A jump reads pages of the most the server gives (model.MaxHistoryPage),
// up to jumpPages of them (the list limiter's burst), before it shows the
// page ending at the message instead, apart from the latest.
const jumpPage = 200;
const jumpPages = 5;
// A list scrolled to within this many pixels of its top reads older talks.
const nearTop = 40;
// A request unanswered this long is given up (and may be asked again).
const answerWithin = 10_000;
// A request refused for asking too often (the list limiter's burst spent)
// is sent again after retryAfter, up to retries times.
const retryAfter = 2_500;
const retries = 4;
const tooOften = /rate limited/i;
// Errors that refuse a history request rather than a talk.
const historyRefusal = /histor|rate limited|not in room|search/i;

type Asked =
  | { kind: "older" } // the page before the oldest line
  | { kind: "latest" } // the newest page, the list dropped first (back from a jump)
  | { kind: "dmCatchUp"; after: bigint } // a DM's newest page after a reconnect
  | { kind: "jump"; seq: bigint; pages: number } // pages back until seq is held
  | { kind: "around"; seq: bigint } // the page ending at seq, instead of the list
  | { kind: "stale" }; // asked before a gap dropped the list: its answer is ignored

export class HistoryReader {
  private readonly asked = new Map<Conversation, { what: Asked; timer: number; request: Request; tries: number }>();

  constructor(
    private readonly t: Texts,
    private readonly convs: Conversations,
    private readonly send: (r: Request) => boolean,
    // arrived counts a caught-up talk as unread.
    private readonly arrived: (c: Conversation, from: string) => void,
  ) {
    const atTop = (target: EventTarget | null) => {
      const c = this.convs.current;
      return c && target instanceof Node && c.list.contains(target) && c.list.scrollTop < nearTop ? c : null;
    };
    // Scrolling (scroll does not bubble: caught on its way down), at the
    // top and not also at the end: a list just grown past its height, or
    // emptied, was not scrolled up by the user. A wheel turned up on a list
    // too short to scroll, a key that goes up.
    const scrolled = (target: EventTarget | null) => {
      const c = atTop(target);
      return c && c.list.scrollHeight - c.list.clientHeight > 2 * nearTop ? c : null;
    };
    document.addEventListener("scroll", (e) => this.older(scrolled(e.target)), true);
    document.addEventListener("wheel", (e) => e.deltaY < 0 && this.older(atTop(e.target)), { passive: true });
    document.addEventListener("keydown", (e) => ["PageUp", "Home", "ArrowUp"].includes(e.key) && this.older(atTop(e.target)));
  }

  // older reads the page before c's oldest line, unless c's beginning is
  // shown or a request of c's is in flight.
  older(c: Conversation | null): boolean {
    return c !== null && !c.atBeginning && !this.asked.has(c) && this.ask(c, { kind: "older" }, c.firstSeq(), pageSize);
  }

  // dmCatchUp reads a DM conversation's latest page after a reconnect
  // (one that holds nothing and was read reads the page before nothing:
  // the same).
  dmCatchUp(c: Conversation): void {
    if (c.lastSeq === 0n) {
      c.historyAsked &&= this.older(c);
    } else if (!this.asked.has(c)) {
      this.ask(c, { kind: "dmCatchUp", after: c.lastSeq }, 0n, jumpPage);
    }
  }

  // jump shows the talk seq of c, read into the list if not held.
  jump(c: Conversation, seq: bigint): void {
    if (this.reveal(c, seq) || this.asked.has(c)) {
      return;
    }
    if (c.atBeginning || c.firstSeq() === 0n || seq > c.firstSeq()) {
      this.ask(c, { kind: "around", seq }, seq + 1n, pageSize); // not in the stretch held
    } else {
      this.ask(c, { kind: "jump", seq, pages: 1 }, c.firstSeq(), jumpPage);
    }
  }

  private ask(c: Conversation, what: Asked, before: bigint, limit: number): boolean {
    const r: Request = c.kind === "room" ? { type: "history", room: c.name, limit } : { type: "history", to: c.name, limit };
    if (before > 0n) {
      r.before = before;
    }
    if (!this.send(r)) {
      return false;
    }
    const timer = window.setTimeout(() => this.settle(c, this.t.noAnswer), answerWithin);
    this.asked.set(c, { what, timer, request: r, tries: 1 });
    if (what.kind === "older") {
      c.mark(this.t.loading);
    } else if (what.kind === "jump" || what.kind === "around") {
      c.mark(this.t.jumping);
    }
    return true;
  }

  // settle ends c's request; words, if any, go on the list's top line.
  private settle(c: Conversation, words = ""): void {
    const a = this.asked.get(c);
    if (a) {
      window.clearTimeout(a.timer);
      this.asked.delete(c);
    }
    if (words) {
      c.mark(words);
    } else {
      this.markTop(c);
    }
  }

  private markTop(c: Conversation): void {
    c.mark(c.atBeginning ? (c.kind === "room" ? this.t.beginning : this.t.beginningDm) : "", c.atBeginning);
  }

  // of is the conversation a history frame is about.
  private of(m: ChatRoomRequest): Conversation | undefined {
    return m.to ? this.convs.get("dm", m.to) : this.convs.get("room", m.room);
  }

  // reply takes a history frame: a catch-up's talks, or the answer to
  // a request (without one, the end of an old-form history: nothing).
  reply(m: ChatRoomRequest): void {
    const c = this.of(m);
    if (!c) {
      return;
    }
    if (m.since > 0n) {
      for (const talk of m.messages) {
        c.caughtUp(talk);
        this.arrived(c, talk.userName);
      }
      return;
    }
    const what = this.asked.get(c)?.what;
    if (!what) {
      return;
    }
    this.settle(c);
    if (what.kind === "dmCatchUp") {
      this.dmCaughtUp(c, m, what.after);
      return;
    }
    if (what.kind === "latest" || what.kind === "around") {
      c.drop();
    }
    if (what.kind !== "stale") {
      c.prepend(m.messages, m.more);
      this.markTop(c);
    }
    this.answered(c, m, what);
  }

  // answered goes on from a page prepended: to the talk jumped to, or the end.
  private answered(c: Conversation, m: ChatRoomRequest, what: Asked): void {
    if (what.kind === "latest") {
      c.list.scrollTop = c.list.scrollHeight;
    } else if (what.kind === "around") {
      this.detached(c);
      this.reveal(c, what.seq);
    } else if (what.kind === "jump" && !this.reveal(c, what.seq)) {
      if (!m.more) {
        return; // gone: not kept any more
      }
      if (what.pages < jumpPages) {
        this.ask(c, { ...what, pages: what.pages + 1 }, c.firstSeq(), jumpPage);
      } else {
        this.ask(c, { kind: "around", seq: what.seq }, what.seq + 1n, pageSize);
      }
    }
  }

  // detached says, below a page read around a talk, that what follows up
  // to the latest is not shown, with a button that reads the latest.
  private detached(c: Conversation): void {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary latest";
    b.textContent = this.t.latest;
    b.addEventListener("click", () => {
      if (!this.asked.has(c) && this.ask(c, { kind: "latest" }, 0n, pageSize)) {
        b.disabled = true;
      }
    });
    c.notice([document.createTextNode(this.t.detached + " "), b]);
  }

  // dmCaughtUp appends a DM's latest talks newer than after, what the
  // conversation held at the reconnect. If even the oldest of them is
  // newer and there are older ones, some may be missing: the page is
  // shown instead of what was held, with a gap notice.
  private dmCaughtUp(c: Conversation, m: ChatRoomRequest, after: bigint): void {
    const newer = m.messages.filter((talk) => talk.seq > after);
    if (m.more && newer.length === m.messages.length) {
      c.drop();
      c.notice(this.t.dmGap);
      c.prepend(m.messages, m.more);
      return;
    }
    for (const talk of newer) {
      c.caughtUp(talk);
      this.arrived(c, talk.userName);
    }
  }

  // reveal scrolls to the talk seq and highlights it; false if not held.
  reveal(c: Conversation, seq: bigint): boolean {
    const li = c.line(seq);
    if (!li) {
      return false;
    }
    c.list.querySelectorAll(".highlight").forEach((e) => e.classList.remove("highlight"));
    li.classList.add("highlight");
    li.scrollIntoView({ block: "center" });
    return true;
  }

  // gap: a room's catch-up could not replay everything after its since.
  // What the room held goes; the replay follows; scroll back reads older.
  gap(m: ChatRoomRequest): void {
    const c = this.convs.get("room", m.room);
    if (!c) {
      return;
    }
    const a = this.asked.get(c);
    if (a) {
      a.what = { kind: "stale" };
    }
    c.drop();
    c.notice(this.t.gap(m.content)).classList.add("gap");
  }

  // refused takes an error that refuses c's request in flight; false if
  // the error is about something else.
  refused(m: ChatRoomRequest): boolean {
    const c = this.of(m) ?? (this.asked.size === 1 ? [...this.asked.keys()][0] : undefined);
    const a = c && this.asked.get(c);
    if (!c || !a || !historyRefusal.test(m.content) || /^search/i.test(m.content)) {
      return false;
    }
    if (!tooOften.test(m.content) || a.tries > retries) {
      this.settle(c, this.t.historyFailed(m.content));
      return true;
    }
    window.clearTimeout(a.timer); // still loading: asked again in a moment
    a.timer = window.setTimeout(() => {
      a.tries++;
      a.timer = window.setTimeout(() => this.settle(c, this.t.noAnswer), answerWithin);
      if (!this.send(a.request)) {
        this.settle(c);
      }
    }, retryAfter);
    return true;
  }

  // reset forgets the requests in flight: the connection is gone.
  reset(): void {
    for (const c of [...this.asked.keys()]) {
      this.settle(c);
    }
  }
}
