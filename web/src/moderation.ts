// Moderation as the page shows it and does it (model/chat_message.proto,
// "Moderation"). Every user sees a room's topic and slow mode under its
// name, the actions taken in it as lines (kicks, bans, mutes, topics,
// roles), deleted talks replaced by tombstones, and their own kick or ban
// in words. A user whose role in the room allows it (the role frame after
// its own join, and role events naming it) moderates: slash commands
// (commands.ts), a delete button on each talk (moderated.ts), and kick,
// mute and ban buttons by each name in the users panel, which write the
// command in the message box for a reason to be added. This file owns
// each room's moderation state and those frames.

import { isolated, withNames } from "./bidi.ts";
import { AuditPanel } from "./audit.ts";
import { help, quoteName, rank, read } from "./commands.ts";
import type { Conversation } from "./conversation.ts";
import type { Conversations } from "./conversations.ts";
import { byId } from "./dom.ts";
import type { Texts } from "./i18n.ts";
import { tombstone, tombstoneLine } from "./moderated.ts";
import type { ChatRoomRequest, Request } from "./protocol.ts";

// RoomModeration is what the page knows of a room's moderation.
export type RoomModeration = {
  topic: string;
  slow: number; // seconds between two talks of a user (0: off)
  role: string; // the user's own role in the room ("": none)
  roles: Map<string, string>; // others' roles, as role events said
};

export function newModeration(): RoomModeration {
  return { topic: "", slow: 0, role: "", roles: new Map() };
}

// What a line typed in the message box came to.
export type Outcome = { kind: "talk"; text: string } | { kind: "done" } | { kind: "problem"; words: string };

// The frames this file takes.
const frameTypes = new Set(["kick", "ban", "unban", "mute", "unmute", "delete", "topic", "slow", "role", "audit"]);

export class Moderation {
  private readonly about = byId<HTMLElement>("room-about");
  private readonly topicEl = byId<HTMLElement>("room-topic");
  private readonly topicText = byId<HTMLElement>("room-topic-text");
  private readonly slowEl = byId<HTMLElement>("room-slow");
  private readonly box = byId<HTMLTextAreaElement>("message");
  private readonly audit: AuditPanel;
  // ousted is what the page said of the user's own kick or ban (the words
  // of the close that follows); "" after a welcome.
  ousted = "";

  constructor(
    private readonly t: Texts,
    private readonly convs: Conversations,
    private readonly send: (r: Request) => boolean,
    // searched is told a search result became a tombstone.
    private readonly searched: () => void,
  ) {
    this.audit = new AuditPanel(t, send);
    byId("topic-label").textContent = t.topicHeader;
    convs.userTools = (c, name) => this.tools(c, name);
    document.addEventListener("click", (e) => {
      const b = e.target instanceof Element ? e.target.closest<HTMLElement>("#messages button.delete-talk") : null;
      if (b) {
        this.deleteTalk(b);
      }
    });
  }

  // frame takes a moderation frame; false if m is not one.
  frame(m: ChatRoomRequest): boolean {
    if (!frameTypes.has(m.type)) {
      return false;
    }
    const c = m.room ? this.convs.get("room", m.room) : undefined;
    if (m.type === "audit") {
      this.audit.reply(m);
    } else if (m.type === "topic" || m.type === "slow") {
      if (c) this.setting(c, m);
    } else if (m.type === "role") {
      if (c) this.role(c, m);
    } else if (m.type === "delete") {
      if (c) this.deleted(c, m);
    } else {
      this.action(c, m);
    }
    return true;
  }

  // joined: the user's own join of c; what the room says of itself follows.
  joined(c: Conversation): void {
    c.mod = newModeration();
    this.refresh();
  }

  // welcome: a new connection took the user.
  welcome(): void {
    this.ousted = "";
  }

  // refused takes an error refusing a request of this file's that waits
  // for its answer (the audit trail's); false if it is about something else.
  refused(m: ChatRoomRequest): boolean {
    return this.audit.refused(m);
  }

  // reset: the connection is gone.
  reset(): void {
    this.audit.reset();
  }

  // roleIn is the user's role in c: a server admin (any room says so) is
  // an admin everywhere.
  roleIn(c: Conversation | null): string {
    const admin = this.convs.rooms().some((r) => r.mod.role === "admin");
    return admin ? "admin" : c?.kind === "room" ? c.mod.role : "";
  }

  private moderates(c: Conversation): boolean {
    return c.kind === "room" && rank(this.roleIn(c)) >= rank("moderator");
  }

  private setting(c: Conversation, m: ChatRoomRequest): void {
    const t = this.t;
    if (m.type === "topic") {
      c.mod.topic = m.topic;
      if (m.seq > 0n) c.system(m.topic ? withNames(t.topicSet, m.by, m.topic) : withNames(t.topicCleared, m.by), m.timestamp, m.seq);
    } else {
      c.mod.slow = m.duration;
      if (m.seq > 0n) c.system(m.duration ? withNames(t.slowSet, m.by, String(m.duration)) : withNames(t.slowOff, m.by), m.timestamp, m.seq);
    }
    if (m.seq > 0n) this.atLeast(c, m.by, "moderator");
    this.render();
  }

  private role(c: Conversation, m: ChatRoomRequest): void {
    if (m.userName === this.convs.me) {
      c.mod.role = m.role;
    } else {
      c.mod.roles.set(m.userName, m.role);
    }
    this.atLeast(c, m.by, "owner"); // only an owner or an admin names moderators
    if (m.seq > 0n) {
      const words = m.role === "" ? this.t.unmadeModerator : this.t.madeModerator;
      c.system(withNames(words, m.userName, m.by), m.timestamp, m.seq);
    }
    this.refresh();
  }

  // action says a kick, ban, unban, mute or unmute in its room (a server
  // ban, or an unban told to the one who lifted it: in the one shown).
  private action(c: Conversation | undefined, m: ChatRoomRequest): void {
    const t = this.t;
    const when = this.until(m);
    const sentences: Record<string, (string | Node)[]> = {
      kick: withNames(t.kicked, m.userName, m.by),
      ban: m.server ? withNames(t.bannedServer, m.userName, m.by) : when ? withNames(t.bannedUntil, m.userName, m.by, when) : withNames(t.banned, m.userName, m.by),
      unban: withNames(t.unbanned, m.userName, m.by),
      mute: when ? withNames(t.mutedUntil, m.userName, m.by, when) : withNames(t.muted, m.userName, m.by),
      unmute: withNames(t.unmuted, m.userName, m.by),
    };
    const words = this.because(sentences[m.type] ?? [], m.content);
    if (c) this.atLeast(c, m.by, "moderator");
    const out = m.type === "kick" || (m.type === "ban" && !m.server);
    if (c && out && m.userName === this.convs.me) {
      this.oustedFrom(c, m);
      return;
    }
    (c ?? this.convs.current)?.system(words, m.timestamp, c ? m.seq : 0n);
    if (c && out && c.users.delete(m.userName)) {
      this.convs.renderUsers();
    }
  }

  // atLeast records that name, who took an action in c, has at least role
  // there: its users panel offers no tools against one who outranks the user.
  private atLeast(c: Conversation, name: string, role: string): void {
    if (name && name !== this.convs.me && rank(c.mod.roles.get(name) ?? "") < rank(role)) {
      c.mod.roles.set(name, role);
      this.convs.renderUsers();
    }
  }

  // oustedFrom: the user was kicked or banned from c. The room goes from the
  // list (a reconnect does not go back to it), unless it is the only one;
  // the words stay for the close that may follow.
  private oustedFrom(c: Conversation, m: ChatRoomRequest): void {
    const mine = this.because(withNames(m.type === "kick" ? this.t.youKicked : this.t.youBanned, c.name, m.by), m.content);
    this.ousted = mine.map((p) => (typeof p === "string" ? p : p.textContent)).join("");
    if (this.convs.rooms().length > 1) {
      this.convs.remove(c);
    }
    this.convs.current?.notice(mine.map((p) => (typeof p === "string" ? document.createTextNode(p) : p)));
  }

  // because adds the reason, if any, to words.
  private because(words: (string | Node)[], reason: string): (string | Node)[] {
    return reason ? [...words, this.t.reasonSep, isolated(reason)] : words;
  }

  // until is when a ban or mute ends, in the page's words ("": never).
  private until(m: ChatRoomRequest): string {
    const ms = m.until > 0n ? Number(m.until) : m.duration > 0 ? Date.now() + m.duration * 1000 : 0;
    return ms ? new Date(ms).toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" }) : "";
  }

  // deleted replaces a deleted talk, where it is shown, by its tombstone.
  // A tombstone the room replays to a joiner in place of the talk (its
  // seq the talk's: no target, or itself) is a line of its own.
  private deleted(c: Conversation, m: ChatRoomRequest): void {
    if (m.seq > 0n && (m.targetSeq === 0n || m.targetSeq === m.seq)) {
      c.talk(m);
      return;
    }
    const li = c.line(m.targetSeq);
    if (li) {
      const focused = li.contains(document.activeElement);
      tombstoneLine(li, m);
      if (focused) c.list.focus(); // the button pressed is gone
    }
    const s = c.search;
    if (s.results.some((r) => r.seq === m.targetSeq)) {
      s.results = s.results.map((r) => (r.seq === m.targetSeq ? tombstone(r, m.by) : r));
      this.searched();
    }
  }

  // deleteTalk asks to delete the talk whose delete button b is.
  private deleteTalk(b: HTMLElement): void {
    const c = this.convs.current;
    const seq = b.closest("li")?.dataset.seq;
    if (c?.kind === "room" && seq && !this.send({ type: "delete", room: c.name, targetSeq: BigInt(seq) })) {
      c.notice(this.t.notConnected);
    }
  }

  // typed reads a line typed in the message box of c: a talk to send, a
  // command done, or a problem said here.
  typed(line: string, c: Conversation): Outcome {
    const role = this.roleIn(c);
    const r = read(this.t, line, { room: c.kind === "room" ? c.name : null, role });
    switch (r.kind) {
      case "talk":
      case "problem":
        return r;
      case "help": {
        const list = document.createElement("ul");
        list.append(...help(this.t, role).map((h) => Object.assign(document.createElement("li"), { textContent: h })));
        c.notice([document.createTextNode(this.t.helpTitle), list]);
        return { kind: "done" };
      }
      case "audit":
        return this.audit.open() ? { kind: "done" } : { kind: "problem", words: this.t.notConnected };
      case "request":
        return this.send(r.request) ? { kind: "done" } : { kind: "problem", words: this.t.notConnected };
    }
  }

  // tools are the moderation buttons by name in c's users panel: for a
  // moderator, of a user whose role is not as high as its own.
  private tools(c: Conversation, name: string): HTMLElement[] {
    if (!this.moderates(c) || rank(c.mod.roles.get(name) ?? "") >= rank(this.roleIn(c))) {
      return [];
    }
    const t = this.t;
    const kinds: [string, string, string][] = [
      ["kick", t.kick, t.kickUser(name)],
      ["mute", t.mute, t.muteUser(name)],
      ["ban", t.ban, t.banUser(name)],
    ];
    return kinds.map(([cmd, text, label]) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = `tool ${cmd}`;
      b.dataset.name = `${cmd}\n${name}`; // the keyboard's place survives a redraw
      b.textContent = text;
      b.title = label;
      b.setAttribute("aria-label", label);
      b.addEventListener("click", () => {
        this.box.value = `/${cmd} ${quoteName(name)} `;
        this.box.focus();
        this.box.setSelectionRange(this.box.value.length, this.box.value.length);
      });
      return b;
    });
  }

  // refresh shows what the user may do in each room.
  private refresh(): void {
    for (const c of this.convs.rooms()) {
      c.mayDelete(this.moderates(c));
    }
    this.render();
    this.convs.renderUsers();
  }

  // render shows the topic and slow mode of the conversation shown.
  render(): void {
    const c = this.convs.current;
    const mod = c?.kind === "room" ? c.mod : null;
    this.topicText.textContent = mod?.topic ?? "";
    this.topicEl.hidden = !mod?.topic;
    this.slowEl.textContent = mod?.slow ? this.t.slowHeader(mod.slow) : "";
    this.slowEl.hidden = !mod?.slow;
    this.about.hidden = !mod?.topic && !mod?.slow;
  }
}
