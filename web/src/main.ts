// The chat room in the browser. It connects to the page's own server at
// /ws, shows the room (messages, history, users) and keeps the connection
// honest: a ping every few seconds when the room is quiet, the connection
// called dead when nothing comes back, and reconnects with backoff.
//
// Every string from the network is put in the page as text (textContent, or
// text nodes), never as HTML; the server's Content-Security-Policy forbids
// inline scripts too. Usernames are isolated in <bdi> elements (bidi.ts).
//
// The page's URL may carry ?username=NAME (connect at once as NAME),
// ?token=JWT (for a server run with -auth-secret) and ?lang=en|zh.

import { isolated, withName } from "./bidi.ts";
import { pickLang, texts, type Texts } from "./i18n.ts";
import {
  checkUsername,
  closeCodeRefused,
  decode,
  encode,
  maxContentBytes,
  maxUsernameChars,
  subprotocolRefusals,
  utf8Length,
  type ChatRoomRequest,
} from "./protocol.ts";

// A quiet connection sends a ping after pingAfter; a ping unanswered for
// deadAfter (the server answers at once) means a dead connection. A timer
// that ran late (a background tab's timers run once a minute) only pings:
// the silence was the browser's, not the network's.
const pingAfter = 5_000;
const deadAfter = 10_000;
const lateBeat = 2_500;
// An attempt to connect that has not opened after this long is given up.
const connectTimeout = 10_000;
// A 409 on reconnecting is our own previous session, not yet gone: it is
// retried for this long (above the server's default -pong-timeout, 60 s).
const takenRetryFor = 75_000;
// While the history after a join arrives, the message log is not read out.
const historyQuiet = 1_000;
// Reconnect backoff: first wait, doubling up to the cap, with jitter.
const backoffFirst = 500;
const backoffMax = 10_000;
// The message list keeps this many lines; older ones go.
const maxLines = 1000;
// The page's own name, kept for the tab's life, so that a reload that
// meets its previous session's name still online retries instead of failing.
const sessionKey = "chatroom.name";

type State = "disconnected" | "connecting" | "connected" | "reconnecting";

// remember keeps the tab's name (null forgets it); recall reads it. Storage
// a browser refuses (a private mode, a policy) only loses the reload case.
function remember(name: string | null): void {
  try {
    if (name === null) {
      sessionStorage.removeItem(sessionKey);
    } else {
      sessionStorage.setItem(sessionKey, name);
    }
  } catch {
    // not kept: a reload will take a lingering session's 409 as final
  }
}

function recall(): string | null {
  try {
    return sessionStorage.getItem(sessionKey);
  } catch {
    return null;
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) {
    throw new Error(`the page lacks #${id}`);
  }
  return el as T;
}

class ChatPage {
  private readonly t: Texts;
  private readonly params = new URLSearchParams(location.search);
  private readonly form = byId<HTMLFormElement>("join");
  private readonly nameInput = byId<HTMLInputElement>("username");
  private readonly nameError = byId<HTMLElement>("username-error");
  private readonly connectButton = byId<HTMLButtonElement>("connect");
  private readonly status = byId<HTMLElement>("status");
  private readonly list = byId<HTMLOListElement>("messages");
  private readonly compose = byId<HTMLFormElement>("compose");
  private readonly box = byId<HTMLTextAreaElement>("message");
  private readonly sendButton = byId<HTMLButtonElement>("send");
  private readonly sendError = byId<HTMLElement>("send-error");
  private readonly usersTitle = byId<HTMLElement>("users-title");
  private readonly usersList = byId<HTMLUListElement>("users");

  private ws: WebSocket | null = null;
  private name = ""; // the name asked for, then the one the server gave
  private me = ""; // set once the server's join for us arrived
  private wasConnected = false; // this name has been in the room: a 409 on reconnect is our own ghost
  private takenSince = 0; // when the 409s on reconnecting began
  private users = new Set<string>();
  // The newest event shown. Seqs count within one server's life, and a
  // restarted server starts again from 1 at later times: a talk was shown
  // before (history replayed after a reconnect) only if it is no newer by
  // both. The desktop client (service.Session) does the same.
  private lastSeq = 0n;
  private lastTime = 0n;
  private lastHeard = 0;
  private lastPing = 0;
  private lastBeat = 0;
  private connectTimer = 0;
  private quietTimer = 0;
  private refusal = ""; // an error frame before our join: the reason of a refusal in band
  private heartbeat = 0;
  private retryTimer = 0;
  private attempt = 0;

  constructor() {
    const lang = pickLang(this.params.get("lang"), navigator.languages ?? [navigator.language]);
    this.t = texts(lang);
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    this.translate();
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.ws || this.retryTimer) {
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
    // Leaving the page says goodbye, so the others see the leave at once.
    window.addEventListener("pagehide", () => this.ws?.readyState === WebSocket.OPEN && this.ws.send(encode("exit")));
    this.setState("disconnected", this.t.disconnected);
    const asked = this.params.get("username");
    if (asked !== null) {
      this.nameInput.value = asked;
      this.connectAs(asked);
    } else {
      this.nameInput.focus();
    }
  }

  private translate(): void {
    document.title = this.t.title;
    byId("title").textContent = this.t.title;
    byId("username-label").textContent = this.t.username;
    byId("message-label").textContent = this.t.message;
    byId("messages-title").textContent = this.t.messages;
    this.sendButton.textContent = this.t.send;
    this.box.placeholder = this.t.placeholder;
    this.nameInput.maxLength = maxUsernameChars * 2; // UTF-16 units; the real check is in characters
    this.renderUsers();
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
    this.name = checked;
    this.wasConnected = recall() === checked;
    this.takenSince = 0;
    this.attempt = 0;
    this.open();
  }

  private open(): void {
    this.clearRetry();
    this.me = "";
    this.refusal = "";
    this.setState(this.wasConnected ? "reconnecting" : "connecting", this.t.connecting);
    const url = new URL("/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("username", this.name);
    const token = this.params.get("token");
    if (token) {
      url.searchParams.set("token", token);
    }
    const ws = new WebSocket(url, [subprotocolRefusals]);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    // A connection that neither opens nor fails (a proxy that accepts and
    // says nothing) is given up, and tried again.
    this.connectTimer = window.setTimeout(() => this.drop(this.t.unreachable(location.host)), connectTimeout);
    ws.onopen = () => {
      window.clearTimeout(this.connectTimer);
      this.lastHeard = this.lastBeat = Date.now();
      this.lastPing = 0;
      this.heartbeat = window.setInterval(() => this.beat(ws), 1000);
    };
    ws.onmessage = (e: MessageEvent) => {
      if (ws !== this.ws || !(e.data instanceof ArrayBuffer)) {
        return;
      }
      this.lastHeard = Date.now();
      let m: ChatRoomRequest;
      try {
        m = decode(e.data);
      } catch {
        return; // not ours to show; the server never sends such a frame
      }
      this.handle(m);
    };
    ws.onclose = (e: CloseEvent) => {
      if (ws === this.ws) {
        this.closed(e.code, e.reason);
      }
    };
  }

  // beat runs every second while a connection is open.
  private beat(ws: WebSocket): void {
    if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) {
      return;
    }
    const now = Date.now();
    const late = now - this.lastBeat > lateBeat;
    this.lastBeat = now;
    const waiting = this.lastPing > this.lastHeard; // a ping is unanswered
    if (late) {
      this.ping(ws, now); // judge by an answer to a ping sent now
    } else if (waiting && now - this.lastPing >= deadAfter) {
      this.drop(this.t.noHeartbeat);
    } else if (!waiting && now - this.lastHeard >= pingAfter) {
      this.ping(ws, now);
    }
  }

  private ping(ws: WebSocket, now: number): void {
    this.lastPing = now;
    ws.send(encode("ping"));
  }

  private handle(m: ChatRoomRequest): void {
    switch (m.type) {
      case "join":
        if (!this.me) {
          // A connection's first frame is our own join, with our name.
          this.me = m.userName;
          this.name = m.userName;
          this.wasConnected = true;
          this.takenSince = 0;
          this.attempt = 0;
          remember(m.userName);
          // The user list and the history follow: a screen reader is not
          // made to read out the whole history.
          this.list.setAttribute("aria-busy", "true");
          window.clearTimeout(this.quietTimer);
          this.quietTimer = window.setTimeout(() => this.list.setAttribute("aria-busy", "false"), historyQuiet);
          this.setState("connected", withName(this.t.connectedAs, this.me));
          this.box.focus();
          return;
        }
        if (!this.users.has(m.userName)) {
          this.users.add(m.userName);
          this.renderUsers();
        }
        this.system(withName(this.t.joined, m.userName), m.timestamp);
        return;
      case "leave":
        this.users.delete(m.userName);
        this.renderUsers();
        this.system(withName(this.t.left, m.userName), m.timestamp);
        return;
      case "userlist":
        this.users = new Set(Object.keys(m.userList));
        this.renderUsers();
        return;
      case "talk":
        this.talk(m);
        return;
      case "error":
        if (!this.me) {
          this.refusal = m.content; // the close that follows says what kind
          return;
        }
        this.system(this.t.serverSaid(m.content), 0n);
        return;
      default:
        return; // pong, or a type a newer server added
    }
  }

  private talk(m: ChatRoomRequest): void {
    if (m.seq <= this.lastSeq && m.timestamp <= this.lastTime) {
      return; // history we showed before a reconnect
    }
    this.lastSeq = m.seq;
    this.lastTime = m.timestamp;
    const li = document.createElement("li");
    li.append(this.timeSpan(m.timestamp));
    const sender = isolated(m.userName, "sender");
    const content = document.createElement("span");
    content.className = "content";
    content.textContent = m.content;
    li.append(sender, content);
    li.dataset.seq = m.seq.toString();
    this.append(li);
  }

  private system(text: string | (string | Node)[], timestamp: bigint): void {
    const li = document.createElement("li");
    li.className = "system";
    li.append(this.timeSpan(timestamp));
    const span = document.createElement("span");
    span.append(...(typeof text === "string" ? [text] : text));
    li.append(span);
    this.append(li);
  }

  private timeSpan(timestamp: bigint): HTMLElement {
    const when = timestamp > 0n ? new Date(Number(timestamp)) : new Date();
    const el = document.createElement("time");
    el.className = "time";
    el.dateTime = when.toISOString();
    el.textContent = when.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    return el;
  }

  private append(li: HTMLElement): void {
    const l = this.list;
    const atBottom = l.scrollHeight - l.scrollTop - l.clientHeight < 40;
    l.append(li);
    while (l.childElementCount > maxLines) {
      l.firstElementChild?.remove();
    }
    if (atBottom) {
      l.scrollTop = l.scrollHeight;
    }
  }

  private renderUsers(): void {
    const names = [...this.users].sort((a, b) => a.localeCompare(b));
    const items = names.map((n) => {
      const li = document.createElement("li");
      li.append(...(n === this.me ? withName(this.t.you, n) : [isolated(n)]));
      li.dataset.name = n;
      if (n === this.me) {
        li.className = "me";
      }
      return li;
    });
    this.usersList.replaceChildren(...items);
    this.usersTitle.textContent = this.t.online(names.length);
  }

  private send(): void {
    const text = this.box.value;
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || !this.me) {
      this.showSendError(this.t.notConnected);
      return;
    }
    if (text.trim() === "") {
      this.showSendError(this.t.typeFirst);
      return;
    }
    const over = utf8Length(text) - maxContentBytes;
    if (over > 0) {
      this.showSendError(this.t.messageTooLong(over));
      return;
    }
    this.ws.send(encode("talk", text));
    this.box.value = "";
    this.showSendError("");
  }

  // closed handles the end of a connection: a refusal in words, or a
  // reconnect with backoff.
  private closed(code: number, reason: string): void {
    this.stopConnection();
    const status = code - closeCodeRefused;
    const why = this.refusal || reason;
    if (status === 409) {
      const now = Date.now();
      this.takenSince ||= now;
      if (!this.wasConnected || now - this.takenSince > takenRetryFor) {
        this.fail(this.t.nameTaken(this.name), true);
        return;
      }
    }
    if ((status === 400 || status === 401) && why) {
      this.fail(this.t.refused(why), status === 400);
      return;
    }
    let words: string;
    if (status === 409) {
      words = this.t.nameTaken(this.name); // our previous connection, not yet gone: retry
    } else if (why) {
      words = status > 0 ? this.t.refused(why) : this.t.closedBy(why);
    } else if (!this.wasConnected) {
      words = this.t.unreachable(location.host);
    } else {
      words = this.t.connectionLost;
    }
    this.retry(words);
  }

  // drop ends a connection that stopped answering, and reconnects.
  private drop(why: string): void {
    const ws = this.ws;
    this.stopConnection();
    ws?.close();
    this.retry(why);
  }

  private retry(why: string): void {
    const wait = Math.min(backoffMax, backoffFirst * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt++;
    // Said once, not counted down: the status is read out on every change.
    this.setState("reconnecting", this.t.reconnecting(Math.max(1, Math.round(wait / 1000)), why));
    this.retryTimer = window.setTimeout(() => this.open(), wait);
  }

  private fail(words: string, aboutName: boolean): void {
    remember(null);
    this.setState("disconnected", this.t.disconnectedWhy(words));
    if (aboutName) {
      this.showNameError(words);
      this.nameInput.focus();
    }
  }

  private disconnect(): void {
    const ws = this.ws;
    this.stopConnection();
    this.clearRetry();
    if (ws?.readyState === WebSocket.OPEN) {
      ws.send(encode("exit"));
    }
    ws?.close(1000);
    remember(null);
    this.setState("disconnected", this.t.disconnected);
  }

  private stopConnection(): void {
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
    }
    this.ws = null;
    this.me = "";
    window.clearInterval(this.heartbeat);
    window.clearTimeout(this.connectTimer);
    this.heartbeat = this.connectTimer = 0;
  }

  private clearRetry(): void {
    window.clearTimeout(this.retryTimer);
    this.retryTimer = 0;
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
      this.users.clear();
      this.renderUsers();
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
