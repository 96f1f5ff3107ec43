// The chat in the browser. It connects to the page's own server at /ws
// (connection.ts keeps the socket honest), and shows the user's rooms and
// direct messages (conversations.ts), each with its own messages, users,
// unread count, draft and scroll place; rooms are found and joined with
// finder.ts. This file says what each frame from the server means, and
// when to connect again.
//
// Every string from the network is put in the page as text (textContent, or
// text nodes), never as HTML; the server's Content-Security-Policy forbids
// inline scripts too. Names are isolated in <bdi> elements (bidi.ts).
//
// The page's URL may carry ?username=NAME (connect at once as NAME),
// ?room=NAME (repeatable: the rooms to start in, the first the home room;
// none: the server's default room), ?token=JWT (for a server run with
// -auth-secret) and ?lang=en|zh.

import { withName } from "./bidi.ts";
import { Connection, type Link } from "./connection.ts";
import type { Conversation } from "./conversation.ts";
import { Conversations } from "./conversations.ts";
import { judgeClose, recall, remember } from "./closes.ts";
import { byId } from "./dom.ts";
import { Finder } from "./finder.ts";
import { HistoryReader } from "./history.ts";
import { pickLang, texts, type Texts } from "./i18n.ts";
import { Moderation } from "./moderation.ts";
import { Presence } from "./presence.ts";
import {
  checkUsername,
  closeCodeRefused,
  encode,
  encodeRequest,
  maxContentBytes,
  maxUsernameChars,
  presenceCoalesce,
  presenceParam,
  utf8Length,
  type ChatRoomRequest,
  type Request,
} from "./protocol.ts";
import { Search } from "./search.ts";

// While the history after a join arrives, the message log is not read out.
const historyQuiet = 1_000;

type State = "disconnected" | "connecting" | "connected" | "reconnecting";

class ChatPage implements Link {
  private readonly t: Texts;
  private readonly params = new URLSearchParams(location.search);
  private readonly form = byId<HTMLFormElement>("join");
  private readonly nameInput = byId<HTMLInputElement>("username");
  private readonly nameError = byId<HTMLElement>("username-error");
  private readonly connectButton = byId<HTMLButtonElement>("connect");
  private readonly status = byId<HTMLElement>("status");
  private readonly compose = byId<HTMLFormElement>("compose");
  private readonly box = byId<HTMLTextAreaElement>("message");
  private readonly sendButton = byId<HTMLButtonElement>("send");
  private readonly sendError = byId<HTMLElement>("send-error");
  private readonly conn = new Connection(this);
  private readonly convs: Conversations;
  private readonly finder: Finder;
  private readonly history: HistoryReader;
  private readonly search: Search;
  private readonly presence: Presence;
  private readonly moderation: Moderation;

  private name = ""; // the name asked for, then the one the server gave
  private me = ""; // set once the server's join for us arrived
  private wasConnected = false; // this name has been in the room: a 409 on reconnect is our own ghost
  private takenSince = 0; // when the 409s on reconnecting began
  private quietTimer = 0;
  private refusal = ""; // an error frame before our join: the reason of a refusal in band
  private lastError = ""; // the last error frame after it (a server ban's reason, before the close)

  constructor() {
    const lang = pickLang(this.params.get("lang"), navigator.languages ?? [navigator.language]);
    this.t = texts(lang);
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    this.convs = new Conversations(
      this.t,
      (c) => this.opened(c),
      (name) => this.startDm(name),
    );
    this.finder = new Finder(this.t, (r) => this.request(r), (room) => this.showRoom(room));
    this.history = new HistoryReader(this.t, this.convs, (r) => this.request(r), (c, from) => this.convs.arrived(c, from));
    this.search = new Search(this.t, this.convs, (r) => this.request(r), (c, seq) => this.history.jump(c, seq));
    this.presence = new Presence(this.t, this.convs, (r) => this.request(r));
    this.moderation = new Moderation(this.t, this.convs, (r) => this.request(r), () => this.search.render());
    this.convs.showing = () => {
      this.search.render();
      this.moderation.render();
    };
    this.translate();
    this.wire();
    this.setState("disconnected", this.t.disconnected);
    const asked = this.params.get("username");
    if (asked !== null) {
      this.nameInput.value = asked;
      this.connectAs(asked);
    } else {
      this.nameInput.focus();
    }
  }

  private wire(): void {
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.conn.busy) {
        this.disconnect();
      } else {
        this.connectAs(this.nameInput.value);
      }
    });
    this.nameInput.addEventListener("input", () => this.showNameError(""));
    this.compose.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    this.box.addEventListener("keydown", (e) => {
      // Enter sends; Shift+Enter is a new line; Enter that ends an input
      // method's composition (Chinese, Japanese…) is the IME's, not ours.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        this.send();
      }
    });
    this.box.addEventListener("input", () => this.showSendError(""));
    byId("leave").addEventListener("click", () => this.leave());
    // Leaving the page says goodbye, so the others see the leave at once.
    window.addEventListener("pagehide", () => this.conn.send(encode("exit")));
  }

  private translate(): void {
    document.title = this.t.title;
    byId("title").textContent = this.t.title;
    byId("username-label").textContent = this.t.username;
    byId("message-label").textContent = this.t.message;
    byId("rooms-title").textContent = this.t.rooms;
    byId("dms-title").textContent = this.t.directMessages;
    const sidebar = byId("sidebar");
    sidebar.setAttribute("aria-label", this.t.conversations);
    sidebar.setAttribute("aria-description", this.t.switchKeys);
    this.sendButton.textContent = this.t.send;
    this.box.placeholder = this.t.placeholder;
    this.nameInput.maxLength = maxUsernameChars * 2; // UTF-16 units; the real check is in characters
    this.convs.render();
  }

  private connectAs(raw: string): void {
    const checked = checkUsername(raw);
    if (typeof checked !== "string") {
      const words = { empty: this.t.enterUsername, tooLong: this.t.tooLong(maxUsernameChars), control: this.t.control };
      this.showNameError(words[checked.kind]);
      this.nameInput.focus();
      return;
    }
    this.showNameError("");
    if (checked !== this.name) {
      this.convs.clear(); // another user's rooms and conversations
    }
    this.name = checked;
    this.wasConnected = recall() === checked;
    this.takenSince = 0;
    this.conn.resetBackoff();
    this.open();
  }

  // open connects, to every listed room the user is in (the home room
  // first), or at first to the page's ?room= rooms (none: the server's
  // default room). A handshake creates the rooms it names listed, so the
  // private ones are joined with private once connected (welcome). Each
  // room is caught up from the last seq received of it (since).
  private open(): void {
    this.me = "";
    this.convs.me = "";
    this.refusal = "";
    this.setState(this.wasConnected ? "reconnecting" : "connecting", this.t.connecting);
    const url = new URL("/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("username", this.name);
    url.searchParams.set(presenceParam, presenceCoalesce); // others' joins and leaves a window at a time
    const rooms = this.convs.rooms();
    const listed = rooms.filter((c) => !c.unlisted).map((c) => c.name);
    for (const room of rooms.length > 0 ? listed : this.params.getAll("room")) {
      url.searchParams.append("room", room);
    }
    for (const c of rooms.filter((c) => !c.unlisted && c.lastSeq > 0n)) {
      url.searchParams.append("since", `${c.name}:${c.lastSeq}`);
    }
    const token = this.params.get("token");
    if (token) {
      url.searchParams.set("token", token);
    }
    this.conn.start(url);
  }

  // request sends r if connected.
  private request(r: Request): boolean {
    return this.me !== "" && this.conn.send(encodeRequest(r));
  }

  message(m: ChatRoomRequest): void {
    switch (m.type) {
      case "join":
        this.joined(m);
        return;
      case "leave":
        this.left(m);
        return;
      case "userlist":
        this.userList(m);
        return;
      case "presence":
        this.withRoom(m, (c) => this.presence.frame(c, m));
        return;
      case "talk":
        this.talk(m);
        return;
      case "error":
        this.error(m);
        return;
      case "rooms":
        this.finder.page(m);
        return;
      case "history":
        this.history.reply(m);
        return;
      case "gap":
        this.history.gap(m);
        return;
      case "search":
        this.search.reply(m);
        return;
      default:
        this.moderation.frame(m); // or pong, or a type a newer server added
        return;
    }
  }

  // room is the conversation of a room the server speaks of: with no room
  // named (an older server), the home room.
  private room(m: ChatRoomRequest): Conversation | undefined {
    return m.room ? this.convs.get("room", m.room) : this.convs.rooms()[0];
  }

  private joined(m: ChatRoomRequest): void {
    if (!this.me) {
      this.welcome(m.userName); // a connection's first frame is our own join
    }
    if (m.userName === this.me) {
      const c = this.convs.ensure("room", m.room || (this.convs.rooms()[0]?.name ?? ""));
      this.moderation.joined(c);
      if (this.finder.joined(c.name)) {
        this.convs.open(c);
        this.box.focus();
      }
      return;
    }
    const c = this.room(m);
    if (c && !c.users.has(m.userName)) {
      c.users.add(m.userName);
      this.convs.renderUsers();
    }
    c?.system(withName(this.t.joined, m.userName), m.timestamp, m.seq);
  }

  // welcome: the server took us, by the name it says.
  private welcome(name: string): void {
    this.me = this.convs.me = this.name = name;
    this.wasConnected = true;
    this.lastError = "";
    this.moderation.welcome();
    this.takenSince = 0;
    this.conn.resetBackoff();
    remember(name);
    // The user list and the history follow: a screen reader is not made
    // to read out the whole history.
    const list = byId("messages");
    list.setAttribute("aria-busy", "true");
    window.clearTimeout(this.quietTimer);
    this.quietTimer = window.setTimeout(() => document.querySelectorAll(".messages").forEach((l) => l.setAttribute("aria-busy", "false")), historyQuiet);
    this.setState("connected", withName(this.t.connectedAs, this.me));
    this.box.focus();
    for (const c of this.convs.rooms().filter((c) => c.unlisted)) {
      this.request({ type: "join", room: c.name, private: true, ...(c.lastSeq > 0n ? { since: c.lastSeq } : {}) });
    }
    for (const c of this.convs.dms()) {
      this.history.dmCatchUp(c);
    }
  }

  private left(m: ChatRoomRequest): void {
    const c = this.room(m);
    if (!c) {
      return;
    }
    if (m.userName === this.me) {
      this.convs.remove(c); // our part, done
      return;
    }
    c.users.delete(m.userName);
    this.convs.renderUsers();
    c.system(withName(this.t.left, m.userName), m.timestamp, m.seq);
  }

  private userList(m: ChatRoomRequest): void {
    this.withRoom(m, (c) => {
      c.unlisted = m.private;
      this.presence.userList(c, m);
    });
  }

  // withRoom runs f on the room m speaks of, if the user is in it.
  private withRoom(m: ChatRoomRequest, f: (c: Conversation) => void): void {
    const c = this.room(m);
    if (c) {
      f(c);
    }
  }

  // talk shows a talk in its room, or in the direct messages with the
  // other user (the sender, or the addressee of our own).
  private talk(m: ChatRoomRequest): void {
    const c = m.to ? this.convs.ensure("dm", m.userName === this.me ? m.to : m.userName) : this.room(m);
    if (c) {
      c.talk(m);
      this.convs.arrived(c, m.userName);
    }
  }

  // error shows a refusal where it belongs: the direct messages with `to`,
  // the room it names, the room finder for a join it asked, else the
  // conversation shown.
  private error(m: ChatRoomRequest): void {
    if (!this.me) {
      this.refusal = m.content; // the close that follows says what kind
      return;
    }
    this.lastError = m.content;
    if (this.presence.refused(m) || this.search.refused(m) || this.history.refused(m) || this.moderation.refused(m)) {
      return; // said where the request was made
    }
    const words = this.t.serverSaid(m.content);
    const room = m.room ? this.convs.get("room", m.room) : undefined;
    if (m.to) {
      this.convs.ensure("dm", m.to).system(words, 0n);
    } else if (m.room && (this.finder.asked(m.room) || !room)) {
      this.finder.refused(m);
    } else {
      (room ?? this.convs.current)?.system(words, 0n);
    }
  }

  // opened: the user chose c. A DM conversation reads its latest page the
  // first time.
  private opened(c: Conversation): void {
    if (c.kind === "dm" && !c.historyAsked) {
      c.historyAsked = this.history.older(c);
    }
    this.showSendError("");
  }

  // showRoom shows the room if the user is in it, and says so.
  private showRoom(room: string): boolean {
    const c = this.convs.get("room", room);
    if (c) {
      this.convs.open(c);
    }
    return c !== undefined;
  }

  private startDm(name: string): void {
    const c = this.convs.ensure("dm", name);
    this.convs.open(c);
    this.box.focus();
  }

  // leave parts the room shown (not the last one), or closes a DM conversation.
  private leave(): void {
    const c = this.convs.current;
    if (!c) {
      return;
    }
    if (c.kind === "dm") {
      this.convs.remove(c);
    } else if (this.convs.rooms().length < 2) {
      this.showSendError(this.t.onlyRoom);
    } else if (!this.request({ type: "part", room: c.name })) {
      this.showSendError(this.t.notConnected);
    }
  }

  // send sends what the box holds: a talk, or a command (commands.ts).
  private send(): void {
    const c = this.convs.current;
    if (!this.me || !this.conn.open || !c) {
      this.showSendError(this.t.notConnected);
      return;
    }
    const typed = this.moderation.typed(this.box.value, c);
    const text = typed.kind === "talk" ? typed.text : "";
    const over = utf8Length(text) - maxContentBytes;
    if (typed.kind === "problem" || (typed.kind === "talk" && (text.trim() === "" || over > 0))) {
      this.showSendError(typed.kind === "problem" ? typed.words : over > 0 ? this.t.messageTooLong(over) : this.t.typeFirst);
      return;
    }
    if (typed.kind === "talk") {
      this.request(c.kind === "room" ? { type: "talk", room: c.name, content: text } : { type: "talk", to: c.name, content: text });
    }
    this.box.value = "";
    this.showSendError("");
  }

  // closed handles the end of a connection: a refusal in words, or a
  // reconnect with backoff.
  closed(code: number, reason: string): void {
    this.gone();
    const now = Date.now();
    if (code - closeCodeRefused === 409) {
      this.takenSince ||= now;
    }
    const session = { name: this.name, wasConnected: this.wasConnected, takenFor: now - this.takenSince, ousted: this.moderation.ousted, lastError: this.lastError };
    const end = judgeClose(this.t, code, this.refusal || reason, session);
    if (end.retry) {
      this.retry(end.words);
    } else {
      this.fail(end.words, end.aboutName);
    }
  }

  silent(unopened: boolean): void {
    this.gone();
    this.retry(unopened ? this.t.unreachable(location.host) : this.t.noHeartbeat);
  }

  private retry(why: string): void {
    const wait = this.conn.retry(() => this.open());
    // Said once, not counted down: the status is read out on every change.
    this.setState("reconnecting", this.t.reconnecting(Math.max(1, Math.round(wait / 1000)), why));
  }

  private fail(words: string, aboutName: boolean): void {
    remember(null);
    this.setState("disconnected", this.t.disconnectedWhy(words));
    if (aboutName) {
      this.showNameError(words);
      this.nameInput.focus();
    }
  }

  // gone: the connection ended; what was asked on it is not answered.
  private gone(): void {
    this.me = this.convs.me = "";
    this.history.reset();
    this.search.reset();
    this.presence.reset();
    this.moderation.reset();
  }

  private disconnect(): void {
    this.conn.close(encode("exit"));
    this.gone();
    remember(null);
    this.setState("disconnected", this.t.disconnected);
  }

  private setState(state: State, words: string | (string | Node)[]): void {
    document.body.dataset.state = state;
    this.status.replaceChildren(...(typeof words === "string" ? [words] : words));
    const active = state !== "disconnected";
    this.nameInput.disabled = active;
    this.connectButton.textContent = active ? this.t.disconnect : this.t.connect;
    // Read-only, not disabled: a disabled box would lose the keyboard
    // focus on every drop.
    const open = state === "connected";
    this.box.readOnly = !open;
    this.box.setAttribute("aria-disabled", String(!open));
    this.sendButton.setAttribute("aria-disabled", String(!open));
    if (!open) {
      this.convs.clearUsers();
    }
  }

  private showNameError(words: string): void {
    this.nameError.textContent = words;
    this.nameInput.setAttribute("aria-invalid", words ? "true" : "false");
  }

  private showSendError(words: string): void {
    this.sendError.textContent = words;
  }
}

new ChatPage();
