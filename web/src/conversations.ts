// The conversations of the page and which one is shown: the sidebar (rooms
// in the order they were joined, then direct messages, each with its unread
// count), the message list, title and draft of the one shown, and its users.

import { isolated, withName } from "./bidi.ts";
import { Conversation, keyOf, type Kind } from "./conversation.ts";
import type { Texts } from "./i18n.ts";
import { byId } from "./dom.ts";
import { newPresence } from "./presence.ts";

export class Conversations {
  private readonly all = new Map<string, Conversation>();
  private active: Conversation | null = null;
  private readonly sidebar = byId<HTMLElement>("sidebar");
  private readonly roomsList = byId<HTMLUListElement>("rooms-list");
  private readonly dmsList = byId<HTMLUListElement>("dms-list");
  private readonly title = byId<HTMLElement>("messages-title");
  private readonly leave = byId<HTMLButtonElement>("leave");
  private readonly box = byId<HTMLTextAreaElement>("message");
  private readonly usersTitle = byId<HTMLElement>("users-title");
  private readonly usersList = byId<HTMLUListElement>("users");
  me = "";
  // showing is told which conversation is shown, after each change.
  showing: (c: Conversation | null) => void = () => {};
  // drawnUsers is told the users of c (the one shown) were drawn.
  drawnUsers: (c: Conversation | null) => void = () => {};
  // userTools are the buttons drawn by a name in c's users (moderation's).
  userTools: (c: Conversation, name: string) => HTMLElement[] = () => [];

  constructor(
    private readonly t: Texts,
    // chose is told when the user opens a conversation (to ask a DM's history).
    private readonly chose: (c: Conversation) => void,
    // dm is told when the user picks a name in a room's user list.
    private readonly dm: (name: string) => void,
  ) {
    document.addEventListener("keydown", (e) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
        e.preventDefault();
        this.step(e.key === "ArrowUp" ? -1 : 1);
      }
    });
  }

  get current(): Conversation | null {
    return this.active;
  }

  get(kind: Kind, name: string): Conversation | undefined {
    return this.all.get(keyOf(kind, name));
  }

  // ensure returns the conversation, made (and listed) if new.
  ensure(kind: Kind, name: string): Conversation {
    let c = this.get(kind, name);
    if (!c) {
      c = new Conversation(kind, name);
      this.all.set(c.key, c);
      if (!this.active) {
        this.show(c);
      }
      this.render();
    }
    return c;
  }

  // rooms are the rooms the user is in, in the order joined.
  rooms(): Conversation[] {
    return [...this.all.values()].filter((c) => c.kind === "room");
  }

  // dms are the direct-message conversations, in the order begun.
  dms(): Conversation[] {
    return [...this.all.values()].filter((c) => c.kind === "dm");
  }

  remove(c: Conversation): void {
    this.all.delete(c.key);
    if (this.active === c) {
      this.active = null;
      const next = this.rooms()[0] ?? [...this.all.values()][0];
      if (next) {
        this.show(next);
      } else {
        c.list.replaceWith(placeholder());
        this.renderHead();
        this.showing(null);
      }
    }
    this.render();
  }

  // clear forgets every conversation (a new session).
  clear(): void {
    this.active?.list.replaceWith(placeholder());
    this.active = null;
    this.all.clear();
    this.render();
    this.showing(null);
  }

  // show makes c the conversation on the page.
  show(c: Conversation): void {
    const old = this.active;
    if (old === c) {
      return;
    }
    const slot = old?.list ?? document.getElementById("messages");
    if (old) {
      old.leaving();
      old.draft = this.box.value;
      old.list.removeAttribute("id");
    }
    c.list.id = "messages";
    slot?.replaceWith(c.list);
    c.shown();
    this.active = c;
    this.box.value = c.draft;
    c.unread = 0;
    this.render();
    this.showing(c);
  }

  // open is the user's choice of a conversation.
  open(c: Conversation): void {
    this.show(c);
    this.chose(c);
  }

  // arrived counts a talk in c as unread unless c is shown or it is our own.
  arrived(c: Conversation, from: string): void {
    if (c !== this.active && from !== this.me) {
      c.unread++;
      this.render();
    }
  }

  private step(by: number): void {
    const order = [...this.rooms(), ...[...this.all.values()].filter((c) => c.kind === "dm")];
    if (order.length === 0) {
      return;
    }
    const at = this.active ? order.indexOf(this.active) : 0;
    const next = order[(at + by + order.length) % order.length];
    this.open(next);
    this.sidebar.querySelector<HTMLElement>(`[data-key="${CSS.escape(next.key)}"]`)?.focus();
  }

  // render redraws the sidebar, the title and the users of the one shown.
  render(): void {
    const items = (kind: Kind) => [...this.all.values()].filter((c) => c.kind === kind).map((c) => this.item(c));
    keepFocus(this.sidebar, "key", () => {
      this.roomsList.replaceChildren(...items("room"));
      this.dmsList.replaceChildren(...items("dm"));
    });
    this.sidebar.hidden = this.all.size === 0;
    byId("dms-title").hidden = this.dmsList.childElementCount === 0;
    this.renderHead();
    this.renderUsers();
  }

  private item(c: Conversation): HTMLElement {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "conversation";
    b.dataset.key = c.key;
    b.dataset.name = c.name;
    b.append(isolated(c.name, "name"));
    if (c === this.active) {
      b.setAttribute("aria-current", "true");
    }
    if (c.unread > 0) {
      const badge = document.createElement("span");
      badge.className = "unread";
      badge.textContent = String(c.unread);
      badge.setAttribute("aria-label", this.t.unread(c.unread));
      b.append(badge);
    }
    b.addEventListener("click", () => this.open(c));
    li.append(b);
    return li;
  }

  private renderHead(): void {
    const c = this.active;
    this.title.replaceChildren(...(c ? withName(c.kind === "room" ? this.t.room : this.t.dmWith, c.name) : [this.t.messages]));
    // Leaving the one room there is would leave nowhere to be.
    this.leave.hidden = !c || (c.kind === "room" && this.rooms().length < 2);
    this.leave.textContent = c?.kind === "dm" ? this.t.closeDm : this.t.leaveRoom;
  }

  // renderUsers draws the users of the one shown: a large room's the
  // pages read of it (presence.ts), with the room's count in the title.
  renderUsers(): void {
    const c = this.active;
    const large = c?.kind === "room" && c.presence.large;
    const users = c?.kind === "dm" ? new Set([c.name, this.me]) : (c?.users ?? new Set<string>());
    const names = large ? c.presence.page : [...users].filter((n) => n !== "").sort((a, b) => a.localeCompare(b));
    const items = names.map((n) => {
      const li = document.createElement("li");
      li.dataset.name = n;
      if (n === this.me) {
        li.className = "me";
        li.append(...withName(this.t.you, n));
        return li;
      }
      const b = document.createElement("button");
      b.type = "button";
      b.className = "user";
      b.title = this.t.startDm(n);
      b.setAttribute("aria-label", this.t.startDm(n));
      b.append(isolated(n));
      b.addEventListener("click", () => this.dm(n));
      li.append(b);
      const tools = c ? this.userTools(c, n) : [];
      if (tools.length > 0) {
        const span = document.createElement("span");
        span.className = "tools";
        span.append(...tools);
        li.append(span);
      }
      return li;
    });
    keepFocus(this.usersList, "name", () => this.usersList.replaceChildren(...items));
    this.usersTitle.textContent = this.t.members(large ? c.presence.count : names.length);
    this.drawnUsers(c);
  }

  // clearUsers forgets every room's users (the connection is gone).
  clearUsers(): void {
    for (const c of this.all.values()) {
      c.users.clear();
      c.presence = newPresence();
    }
    this.renderUsers();
  }
}

// keepFocus runs redraw, which replaces the buttons in within, and gives
// the focus back to the new button for the same thing (by its data-[field])
// if one of the old ones had it: a keyboard user's place survives a message
// arriving, or someone joining.
function keepFocus(within: HTMLElement, field: string, redraw: () => void): void {
  const had = document.activeElement instanceof HTMLElement && within.contains(document.activeElement) ? document.activeElement : null;
  const was = had?.dataset[field] ?? had?.closest("li")?.dataset[field];
  redraw();
  if (was !== undefined) {
    const again = [...within.querySelectorAll<HTMLElement>("button")].find((b) => (b.dataset[field] ?? b.closest("li")?.dataset[field]) === was);
    again?.focus();
  }
}

// placeholder stands in for the message list when there is no conversation.
function placeholder(): HTMLElement {
  const ol = document.createElement("ol");
  ol.id = "messages";
  ol.className = "messages";
  ol.setAttribute("role", "log");
  ol.tabIndex = 0;
  ol.setAttribute("aria-labelledby", "messages-title");
  return ol;
}
