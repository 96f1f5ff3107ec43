// Finding and joining rooms: a room typed by name (created on first join,
// unlisted if "private" is ticked), or picked from the server's list of
// public rooms, read a page at a time. Refusals of a join show here, since
// they concern no conversation the user has.

import { isolated, withName } from "./bidi.ts";
import type { Texts } from "./i18n.ts";
import { byId } from "./dom.ts";
import { checkRoom, maxRoomChars, normalizeRoom, type ChatRoomRequest, type Request } from "./protocol.ts";

export class Finder {
  private readonly form = byId<HTMLFormElement>("find-room");
  private readonly input = byId<HTMLInputElement>("room-name");
  private readonly privateBox = byId<HTMLInputElement>("room-private");
  private readonly error = byId<HTMLElement>("room-error");
  private readonly browse = byId<HTMLButtonElement>("browse-rooms");
  private readonly directory = byId<HTMLUListElement>("directory");
  private readonly more = byId<HTMLButtonElement>("more-rooms");
  private cursor = "";
  private appending = false; // the page asked for follows the one shown
  // Rooms asked for and not yet joined, by the name the server will use:
  // the page shows them once their join arrives.
  private readonly pending = new Set<string>();

  constructor(
    private readonly t: Texts,
    private readonly send: (r: Request) => boolean,
    // showIn shows the room if the user is in it already, and says so.
    private readonly showIn: (room: string) => boolean,
  ) {
    byId("room-name-label").textContent = t.roomName;
    byId("room-private-label").textContent = t.privateRoom;
    byId("join-room").textContent = t.joinRoom;
    this.browse.textContent = t.browseRooms;
    this.more.textContent = t.moreRooms;
    this.input.maxLength = maxRoomChars * 2; // UTF-16 units; the real check is in characters
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.join(this.input.value, this.privateBox.checked);
    });
    this.input.addEventListener("input", () => this.showError(""));
    this.browse.addEventListener("click", () => this.list(""));
    this.more.addEventListener("click", () => this.list(this.cursor));
  }

  // join asks to join a room, or says why not.
  join(raw: string, unlisted: boolean): void {
    const room = checkRoom(raw);
    if (typeof room !== "string") {
      this.showError(room.kind === "empty" ? this.t.enterRoom : this.t.roomTooLong(maxRoomChars));
      this.input.focus();
      return;
    }
    this.showError("");
    if (this.showIn(room)) {
      this.input.value = "";
      return; // nothing to ask
    }
    if (!this.send({ type: "join", room: raw.trim(), private: unlisted })) {
      this.showError(this.t.notConnected);
      return;
    }
    this.pending.add(room);
  }

  // joined says whether the user asked for room, which is now joined.
  joined(room: string): boolean {
    if (!this.pending.delete(normalizeRoom(room))) {
      return false;
    }
    this.input.value = "";
    this.privateBox.checked = false;
    return true;
  }

  // refused shows a refusal of a join or a part in words.
  refused(m: ChatRoomRequest): void {
    this.pending.delete(normalizeRoom(m.room));
    this.showError(this.t.serverSaid(m.content));
  }

  // asked says whether an error about room is about a join asked for here.
  asked(room: string): boolean {
    return this.pending.has(normalizeRoom(room));
  }

  showError(words: string): void {
    this.error.textContent = words;
    this.input.setAttribute("aria-invalid", words ? "true" : "false");
  }

  private list(cursor: string): void {
    this.appending = cursor !== "";
    if (!this.send({ type: "rooms", cursor })) {
      this.showError(this.t.notConnected);
    }
  }

  // page shows one page of the public rooms; the first page replaces the list.
  page(m: ChatRoomRequest): void {
    const asked = this.appending;
    if (!asked) {
      this.directory.replaceChildren();
    }
    const items = m.rooms.map((r) => {
      const li = document.createElement("li");
      li.dataset.name = r.name;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "room";
      b.setAttribute("aria-label", this.t.joinNamed(r.name));
      const count = document.createElement("span");
      count.className = "members";
      count.textContent = this.t.members(r.members);
      b.append(isolated(r.name, "name"), count);
      if (r.topic) {
        const topic = document.createElement("span");
        topic.className = "topic";
        topic.append(...withName((s) => s, r.topic));
        b.append(topic);
      }
      b.addEventListener("click", () => this.join(r.name, false));
      li.append(b);
      return li;
    });
    if (items.length === 0 && !asked) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = this.t.noRooms;
      items.push(li);
    }
    this.directory.append(...items);
    this.cursor = m.cursor;
    this.more.hidden = m.cursor === "";
  }
}
