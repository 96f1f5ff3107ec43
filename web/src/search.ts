// Searching a conversation (protocol.md, "Search"): a panel under the
// conversation's title, opened by its Search button (or Ctrl+Shift+F),
// closed by Escape. Each conversation keeps its own query and results,
// listed newest first with sender, time and text, a page at a time; a
// result clicked is shown in the conversation (history.ts reads it in
// when it is not held).

import { isolated } from "./bidi.ts";
import { timeSpan, type Conversation } from "./conversation.ts";
import type { Conversations } from "./conversations.ts";
import { byId } from "./dom.ts";
import type { Texts } from "./i18n.ts";
import { mark } from "./moderated.ts";
import { utf8Length, type ChatRoomRequest, type Request } from "./protocol.ts";

// Results per page.
const pageSize = 20;
// The server's longest query, in bytes.
const maxQueryBytes = 256;
// A search unanswered this long is given up.
const answerWithin = 10_000;

export class Search {
  private readonly toggle = byId<HTMLButtonElement>("search-toggle");
  private readonly panel = byId<HTMLElement>("search");
  private readonly form = byId<HTMLFormElement>("search-form");
  private readonly input = byId<HTMLInputElement>("search-query");
  private readonly status = byId<HTMLElement>("search-status");
  private readonly results = byId<HTMLOListElement>("search-results");
  private readonly more = byId<HTMLButtonElement>("search-more");
  private readonly timers = new Map<Conversation, number>();

  constructor(
    private readonly t: Texts,
    private readonly convs: Conversations,
    private readonly send: (r: Request) => boolean,
    private readonly jump: (c: Conversation, seq: bigint) => void,
  ) {
    this.toggle.textContent = t.search;
    byId("search-label").textContent = t.searchLabel;
    byId("search-go").textContent = t.searchGo;
    const close = byId<HTMLButtonElement>("search-close");
    close.textContent = "×";
    close.title = t.closeSearch;
    close.setAttribute("aria-label", t.closeSearch);
    this.more.textContent = t.moreResults;
    this.toggle.addEventListener("click", () => this.open(!this.convs.current?.search.open));
    close.addEventListener("click", () => this.open(false));
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.ask(this.input.value.trim(), 0n);
    });
    this.more.addEventListener("click", () => {
      const s = this.convs.current?.search;
      const last = s?.results[s.results.length - 1];
      if (s && last) {
        this.ask(s.query, last.seq);
      }
    });
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.open(false);
      }
    });
    document.addEventListener("keydown", (e) => {
      if (e.ctrlKey && e.shiftKey && !e.altKey && e.key.toLowerCase() === "f" && this.convs.current) {
        e.preventDefault();
        this.open(true);
      }
    });
  }

  // open opens (or closes) the search of the conversation shown.
  private open(open: boolean): void {
    const c = this.convs.current;
    if (!c) {
      return;
    }
    c.search.open = open;
    this.render();
    (open ? this.input : this.toggle).focus();
  }

  private ask(query: string, before: bigint): void {
    const c = this.convs.current;
    if (!c || c.search.pending) {
      return;
    }
    const s = c.search;
    if (query === "" || utf8Length(query) > maxQueryBytes) {
      s.status = query === "" ? this.t.enterQuery : this.t.queryTooLong(maxQueryBytes);
      this.render();
      return;
    }
    const r: Request = c.kind === "room" ? { type: "search", room: c.name } : { type: "search", to: c.name };
    Object.assign(r, { content: query, limit: pageSize }, before > 0n ? { before } : {});
    if (!this.send(r)) {
      s.status = this.t.notConnected;
      this.render();
      return;
    }
    if (before === 0n) {
      s.results = [];
      s.more = false;
    }
    s.query = query;
    s.pending = true;
    s.status = this.t.searching;
    this.timers.set(
      c,
      window.setTimeout(() => this.settle(c, this.t.noSearchAnswer), answerWithin),
    );
    this.render();
  }

  private settle(c: Conversation, status: string): void {
    window.clearTimeout(this.timers.get(c));
    this.timers.delete(c);
    c.search.pending = false;
    c.search.status = status;
    if (c === this.convs.current) {
      this.render();
    }
  }

  private of(m: ChatRoomRequest): Conversation | undefined {
    return m.to ? this.convs.get("dm", m.to) : this.convs.get("room", m.room);
  }

  // reply takes a page of results.
  reply(m: ChatRoomRequest): void {
    const c = this.of(m);
    if (!c || !c.search.pending || m.content !== c.search.query) {
      return;
    }
    const s = c.search;
    s.results = m.before === 0n ? [...m.messages] : [...s.results, ...m.messages];
    s.more = m.more;
    this.settle(c, this.t.found(s.results.length, s.more));
  }

  // refused takes an error refusing a search in flight; false if the
  // error is about something else.
  refused(m: ChatRoomRequest): boolean {
    const pending = [...this.timers.keys()];
    const c = this.of(m) ?? (pending.length === 1 ? pending[0] : undefined);
    if (!c || !c.search.pending || !/search|rate limited|query/i.test(m.content)) {
      return false;
    }
    this.settle(c, this.t.serverSaid(m.content));
    return true;
  }

  // reset gives up the searches in flight: the connection is gone.
  reset(): void {
    for (const c of [...this.timers.keys()]) {
      this.settle(c, this.t.notConnected);
    }
  }

  // render shows the search of the conversation shown.
  render(): void {
    const c = this.convs.current;
    const s = c?.search;
    this.toggle.hidden = !c;
    this.toggle.setAttribute("aria-expanded", String(s?.open ?? false));
    this.panel.hidden = !s?.open;
    if (!c || !s) {
      return;
    }
    if (document.activeElement !== this.input) {
      this.input.value = s.query;
    }
    this.status.textContent = s.status;
    this.results.replaceChildren(...s.results.map((m) => this.result(c, m)));
    this.more.hidden = !s.more;
    this.more.disabled = s.pending;
  }

  private result(c: Conversation, m: ChatRoomRequest): HTMLLIElement {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.type = "button";
    b.className = "result";
    b.dataset.seq = m.seq.toString();
    const text = document.createElement("span");
    text.className = "content";
    text.textContent = m.content;
    b.append(isolated(m.userName, "sender"), timeSpan(m.timestamp, true), text);
    mark(b, text, m); // a tombstone says by whom it was deleted
    b.title = this.t.jumpTo(m.userName);
    b.addEventListener("click", () => this.jump(c, m.seq));
    li.append(b);
    return li;
  }
}
