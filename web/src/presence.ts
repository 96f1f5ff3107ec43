// Who is in a room, as the server says it (presence at scale, see
// model/chat_message.proto). The page asks for coalesced presence in its
// handshake, so others' joins and leaves come as presence frames (names
// that joined and left in a window, and the room's count); an older server,
// or one that does not coalesce, still sends them one by one (main.ts).
// Past the server's -presence-limit a room is large: no names come any
// more, only the count, and the users panel shows a page of the user list
// at a time, "more" reading the next, and a box that finds users by the
// start of their name. This file owns that state of each room, the
// userlist replies and requests, and the panel's box and button;
// conversations.ts draws the names.

import { withName } from "./bidi.ts";
import type { Conversation } from "./conversation.ts";
import type { Conversations } from "./conversations.ts";
import { byId } from "./dom.ts";
import type { Texts } from "./i18n.ts";
import { maxUsernameChars, type ChatRoomRequest, type Request } from "./protocol.ts";

// The names a page asks for (the server sends at most model.MaxUserListPage;
// its first page, service.FirstPage, has as many).
export const userPage = 100;
// Typing in the find box asks the server once the typing pauses this long.
const findPause = 300;
// A presence frame with more names than this is said in one line per kind.
const namedChanges = 5;
// A page refused for asking too often (the server's -userlist-interval
// and burst) is asked again after retryAfter, up to retries times.
const retryAfter = 2_500;
const retries = 4;
// Errors that refuse a userlist request (ctrl/userlistlimit.go,
// service/userlist_page.go).
const listRefusal = /^user list rate limited|^a user list's/;
const tooOften = /rate limited/;

// RoomPresence is a room's presence beyond its set of users.
export type RoomPresence = {
  large: boolean; // past -presence-limit: the names shown are pages
  count: number; // the room's members, as the server last said (large rooms)
  page: string[]; // large: the names of the pages read, in order
  cursor: string; // large: where the next page starts ("": no more)
  prefix: string; // large: the start of the names the pages hold
  asked: number; // page requests not yet answered
  appending: boolean; // the latest page request reads on from the pages held
  listed: boolean; // a user list came on this connection (a joiner's comes unasked)
  want: Request | null; // the latest page request
  tries: number; // how often it was refused for asking too often
  note: string; // why the latest page request was refused ("": it was not)
};

export function newPresence(): RoomPresence {
  return { large: false, count: 0, page: [], cursor: "", prefix: "", asked: 0, appending: false, listed: false, want: null, tries: 0, note: "" };
}

export class Presence {
  private readonly find = byId<HTMLElement>("users-find");
  private readonly input = byId<HTMLInputElement>("users-filter");
  private readonly more = byId<HTMLButtonElement>("users-more");
  private readonly status = byId<HTMLElement>("users-status");
  private findTimer = 0;
  private lastDrawn: Conversation | null = null;

  constructor(
    private readonly t: Texts,
    private readonly convs: Conversations,
    private readonly send: (r: Request) => boolean,
  ) {
    byId("users-filter-label").textContent = t.findUser;
    this.input.placeholder = t.findUser;
    this.more.textContent = t.moreUsers;
    this.input.maxLength = maxUsernameChars * 2; // UTF-16 units; no name is longer
    this.input.addEventListener("input", () => {
      window.clearTimeout(this.findTimer);
      this.findTimer = window.setTimeout(() => this.findNow(), findPause);
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.isComposing) {
        e.preventDefault();
        this.findNow();
      }
    });
    this.more.addEventListener("click", () => this.readOn());
    convs.drawnUsers = (c) => this.drawn(c);
  }

  // frame applies a presence frame to the room c.
  frame(c: Conversation, m: ChatRoomRequest): void {
    const p = c.presence;
    const changed = p.count !== m.count;
    p.count = m.count;
    if (m.large) {
      if (!p.large) {
        this.becomeLarge(c);
        if (p.listed) {
          c.system(this.t.roomLarge, m.timestamp);
          this.ask(c, "", "", false); // the first page; a joiner is sent it
        }
      } else if (changed && p.prefix === "" && p.cursor === "" && !p.appending && p.asked === 0) {
        // The room's one page, read when it was smaller (a -presence-limit
        // under a page): read again, so that it holds who is in it now.
        this.ask(c, "", "", false);
      }
    } else if (!p.large) {
      this.changes(c, m);
    }
    // A large room becoming small again waits for the whole user list,
    // which the server sends every member: until then the pages stay.
    this.convs.renderUsers();
  }

  // changes applies the names that joined and left, and says so.
  private changes(c: Conversation, m: ChatRoomRequest): void {
    const me = this.convs.me;
    const joined = m.joined.filter((n) => n !== me);
    const left = m.left.filter((n) => n !== me);
    joined.forEach((n) => c.users.add(n));
    left.forEach((n) => c.users.delete(n));
    if (joined.length + left.length > namedChanges) {
      if (joined.length > 0) c.system(this.t.joinedMany(joined.length), m.timestamp);
      if (left.length > 0) c.system(this.t.leftMany(left.length), m.timestamp);
      return;
    }
    joined.forEach((n) => c.system(withName(this.t.joined, n), m.timestamp));
    left.forEach((n) => c.system(withName(this.t.left, n), m.timestamp));
  }

  // userList applies a userlist frame: the whole room, or one page of it.
  userList(c: Conversation, m: ChatRoomRequest): void {
    const p = c.presence;
    p.count = m.count;
    p.listed = true;
    const names = Object.keys(m.userList);
    if (m.large) {
      this.page(c, m.cursor, names);
    } else if (m.cursor === "" && (m.count === 0 || names.length === m.count)) {
      // The whole room (an older server sends no count). After a large
      // room became small, the first whole list is the server's own; a
      // later one while a page is asked for is the answer to it.
      if (p.asked > 0 && !p.large) p.asked--;
      this.whole(c, names);
    } else if (p.asked > 0) {
      // The answer to a page asked while the room was large, given after
      // it became small: the whole list comes from the server, or is
      // asked for here if it has not come yet.
      p.asked--;
      if (p.large) {
        this.send({ type: "userlist", room: c.name });
      }
    } else {
      this.whole(c, names); // the server's, if its count ran ahead of the list
    }
    this.convs.renderUsers();
  }

  // page applies one page of a large room: the answer to the latest page
  // asked (earlier ones are stale), or the first page the server sends a
  // joiner.
  private page(c: Conversation, cursor: string, names: string[]): void {
    const p = c.presence;
    if (!p.large) {
      this.becomeLarge(c);
    }
    if (p.asked > 0) {
      p.asked--;
      if (p.asked > 0) {
        return; // a newer request is on its way
      }
    } else {
      p.appending = false;
      p.prefix = "";
      if (c === this.convs.current) this.input.value = "";
    }
    names.sort(pageOrder);
    p.page = p.appending ? [...p.page, ...names] : names;
    p.cursor = cursor;
  }

  private whole(c: Conversation, names: string[]): void {
    const p = c.presence;
    if (p.large) {
      c.system(this.t.roomSmall, 0n);
    }
    c.users = new Set(names);
    p.large = false;
    p.page = [];
    p.cursor = p.prefix = "";
    if (c === this.convs.current) this.input.value = "";
  }

  private becomeLarge(c: Conversation): void {
    const p = c.presence;
    p.large = true;
    p.page = [];
    p.cursor = p.prefix = "";
    p.asked = 0;
    c.users.clear(); // no longer kept by events
  }

  // ask sends a page request for the room c: from cursor, of the names
  // starting with prefix; appending reads on from the pages held.
  // The first page is asked without a limit: the server's first page of a
  // large room is the same 100 names, encoded once for every member that
  // asks (and a room small again answers with its whole list).
  private ask(c: Conversation, prefix: string, cursor: string, appending: boolean): boolean {
    const r: Request = { type: "userlist", room: c.name };
    if (prefix || cursor) r.limit = userPage;
    if (prefix) r.content = prefix;
    if (cursor) r.cursor = cursor;
    if (!this.send(r)) {
      return false;
    }
    const p = c.presence;
    p.asked++;
    p.prefix = prefix;
    p.appending = appending;
    p.want = r;
    p.tries = 0;
    p.note = "";
    return true;
  }

  // refused takes an error that refuses a page asked for: asked too
  // often (asked again in a moment), or a prefix the server cannot search
  // by (said in the panel); false if the error is about something else.
  refused(m: ChatRoomRequest): boolean {
    const c = m.room ? this.convs.get("room", m.room) : undefined;
    const p = c?.presence;
    if (!c || !p || p.asked === 0 || !listRefusal.test(m.content)) {
      return false;
    }
    p.asked--;
    if (p.asked > 0) {
      return true; // a newer request is on its way
    }
    const again = p.want;
    if (tooOften.test(m.content) && again && p.tries < retries) {
      p.tries++;
      window.setTimeout(() => {
        if (c.presence === p && p.large && p.asked === 0 && p.want === again && this.send(again)) {
          p.asked++;
        }
      }, retryAfter);
    } else {
      p.note = this.t.serverSaid(m.content);
    }
    this.convs.renderUsers();
    return true;
  }

  // findNow asks for the first page of the names starting with what the
  // box holds.
  private findNow(): void {
    window.clearTimeout(this.findTimer);
    const c = this.convs.current;
    const prefix = this.input.value.trim();
    if (!c || c.kind !== "room" || !c.presence.large) {
      return;
    }
    const p = c.presence;
    if (prefix === p.prefix && p.asked === 0 && p.page.length > 0) {
      return; // shown already
    }
    const tooLong = [...prefix].length > maxUsernameChars; // no name starts so
    if (tooLong || narrows(p, prefix)) {
      p.page = tooLong ? [] : p.page.filter((n) => n.toLowerCase().startsWith(prefix.toLowerCase()));
      p.cursor = "";
      p.prefix = prefix;
      this.convs.renderUsers();
      return;
    }
    if (!this.ask(c, prefix, "", false)) {
      this.status.textContent = this.t.notConnected;
    }
  }

  private readOn(): void {
    const c = this.convs.current;
    // While a page is asked for, the cursor held is not yet the one to go on from.
    if (!c || c.kind !== "room" || !c.presence.large || c.presence.cursor === "" || c.presence.asked > 0) {
      return;
    }
    if (!this.ask(c, c.presence.prefix, c.presence.cursor, true)) {
      this.status.textContent = this.t.notConnected;
    }
  }

  // drawn shows the box, the button and the status that go with the
  // users drawn for c (the conversation shown).
  private drawn(c: Conversation | null): void {
    const p = c?.kind === "room" ? c.presence : null;
    const large = p?.large ?? false;
    this.find.hidden = !large;
    const focused = document.activeElement === this.more;
    this.more.hidden = !large || p?.cursor === "";
    if (focused && this.more.hidden) {
      // The last page read: the keyboard's place is its last name.
      const names = document.querySelectorAll<HTMLElement>("#users button");
      (names[names.length - 1] ?? this.input).focus();
    }
    const none = p !== null && large && p.asked === 0 && p.page.length === 0 && p.prefix !== "";
    this.status.replaceChildren(...(none && p ? withName(this.t.noUsersFound, p.prefix) : [p?.note ?? ""]));
    if (c !== this.lastDrawn) {
      // Another conversation: its own search, not what was typed for the last.
      window.clearTimeout(this.findTimer);
      this.input.value = p?.prefix ?? "";
      this.lastDrawn = c;
    }
  }

  // reset forgets what was asked on a connection that is gone.
  reset(): void {
    window.clearTimeout(this.findTimer);
    for (const c of this.convs.rooms()) {
      c.presence.asked = 0;
    }
  }
}

// narrows says whether the names starting with prefix are all among the
// pages held, read to the end, which hold every name starting with the
// prefix they were asked by: then the page filters them itself, asking
// nothing. Only
// for ASCII, where its lower case is the server's folding exactly.
function narrows(p: RoomPresence, prefix: string): boolean {
  const ascii = /^[\x20-\x7e]*$/;
  return (
    p.asked === 0 &&
    p.cursor === "" &&
    prefix.toLowerCase().startsWith(p.prefix.toLowerCase()) &&
    ascii.test(prefix) &&
    p.page.every((n) => ascii.test(n))
  );
}

// pageOrder is the order of the server's pages (a map's keys come in an
// order of their own): by the name case-folded, then by the name. Lower
// case after NFKC is near enough Unicode's case folding to sort by.
function pageOrder(a: string, b: string): number {
  const fa = a.normalize("NFKC").toLowerCase();
  const fb = b.normalize("NFKC").toLowerCase();
  if (fa !== fb) {
    return fa < fb ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
