// The audit trail's panel (admins, /audit): the latest moderation actions,
// newest first, as a table (when, who, what, to whom, where, details), a
// page at a time; "older entries" reads the next page. Escape or its ×
// closes it.

import { durationText } from "./commands.ts";
import { timeSpan } from "./conversation.ts";
import { byId } from "./dom.ts";
import type { Texts } from "./i18n.ts";
import type { ChatRoomRequest, Request } from "./protocol.ts";

// Entries per page.
const pageSize = 50;
// A page unanswered this long is given up.
const answerWithin = 10_000;

export class AuditPanel {
  private readonly panel = byId<HTMLElement>("audit");
  private readonly status = byId<HTMLElement>("audit-status");
  private readonly table = byId<HTMLTableElement>("audit-table");
  private readonly body = byId<HTMLTableSectionElement>("audit-entries");
  private readonly more = byId<HTMLButtonElement>("audit-more");
  private readonly close = byId<HTMLButtonElement>("audit-close");
  private pending = false;
  private timer = 0;
  private last = 0n; // the seq of the oldest entry shown

  constructor(
    private readonly t: Texts,
    private readonly send: (r: Request) => boolean,
  ) {
    byId("audit-title").textContent = t.auditTitle;
    this.close.textContent = "×";
    this.close.title = t.closeAudit;
    this.close.setAttribute("aria-label", t.closeAudit);
    this.more.textContent = t.auditMore;
    const head = document.createElement("tr");
    head.append(...t.auditColumns.map((c) => Object.assign(document.createElement("th"), { scope: "col", textContent: c })));
    byId("audit-head").replaceChildren(head);
    this.close.addEventListener("click", () => this.hide());
    this.panel.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.hide();
      }
    });
    this.more.addEventListener("click", () => this.ask(this.last));
  }

  // open shows the panel and reads the latest page; false if not connected.
  open(): boolean {
    this.body.replaceChildren();
    this.last = 0n;
    if (!this.ask(0n)) {
      return false;
    }
    this.panel.hidden = false;
    this.close.focus();
    return true;
  }

  private ask(before: bigint): boolean {
    if (this.pending) {
      return true;
    }
    const r: Request = { type: "audit", limit: pageSize };
    if (before > 0n) {
      r.before = before;
    }
    if (!this.send(r)) {
      return false;
    }
    this.pending = true;
    this.status.textContent = this.t.auditLoading;
    this.more.disabled = true;
    this.timer = window.setTimeout(() => this.settle(this.t.noAuditAnswer), answerWithin);
    return true;
  }

  // reply takes a page of the trail.
  reply(m: ChatRoomRequest): void {
    this.settle("");
    this.body.append(...m.messages.map((e) => this.row(e)));
    const oldest = m.messages[m.messages.length - 1];
    if (oldest) {
      this.last = oldest.seq;
    }
    this.more.hidden = !m.more;
    this.table.hidden = this.body.childElementCount === 0;
    this.status.textContent = this.body.childElementCount === 0 ? this.t.auditEmpty : "";
  }

  // refused takes an error refusing the page asked; false if the error
  // is about something else.
  refused(m: ChatRoomRequest): boolean {
    if (!this.pending || !/audit/i.test(m.content)) {
      return false;
    }
    this.settle(this.t.serverSaid(m.content));
    return true;
  }

  private row(e: ChatRoomRequest): HTMLTableRowElement {
    const tr = document.createElement("tr");
    const cell = (content: string | Node) => {
      const td = document.createElement("td");
      td.append(content);
      return td;
    };
    const details: string[] = [];
    if (e.content) details.push(e.content);
    if (e.topic) details.push(e.topic);
    if (e.duration) details.push(this.t.auditFor(durationText(e.duration)));
    if (e.until > 0n) details.push(this.t.auditUntil(new Date(Number(e.until)).toLocaleString(document.documentElement.lang)));
    const target = e.userName || (e.targetSeq > 0n ? `#${e.targetSeq}` : "");
    tr.append(cell(timeSpan(e.timestamp, true)), cell(e.by), cell(this.t.actionNames[e.type] ?? e.type), cell(target), cell(e.room), cell(details.join(" · ")));
    for (const td of tr.cells) {
      td.dir = "auto"; // names and reasons from the network
    }
    return tr;
  }

  private settle(status: string): void {
    window.clearTimeout(this.timer);
    this.pending = false;
    this.more.disabled = false;
    this.status.textContent = status;
  }

  private hide(): void {
    this.panel.hidden = true;
    byId("message").focus();
  }

  // reset gives up a page in flight: the connection is gone.
  reset(): void {
    if (this.pending) {
      this.settle(this.t.notConnected);
    }
  }
}
