// How moderation shows in a conversation's lines: a deleted talk's
// tombstone ("message deleted by alice", in history pages, search results
// and live), the operator's talks (from model.SystemName) marked as
// notices, and the delete button (×) a moderator sees on each talk of a
// room. The words are the page's language (pageTexts).

import { isolated, withName } from "./bidi.ts";
import { pageTexts } from "./i18n.ts";
import { create } from "@bufbuild/protobuf";
import { ChatRoomRequestSchema } from "./gen/chat_message_pb.ts";
import { systemName, type ChatRoomRequest } from "./protocol.ts";

// deletedType is a tombstone's type (model.TypeDelete).
export const deletedType = "delete";

// tombstone is the tombstone of talk, deleted by by.
export function tombstone(talk: ChatRoomRequest, by: string): ChatRoomRequest {
  return create(ChatRoomRequestSchema, {
    type: deletedType,
    room: talk.room,
    to: talk.to,
    userName: talk.userName,
    by,
    seq: talk.seq,
    targetSeq: talk.seq,
    timestamp: talk.timestamp,
  });
}

// deletedWords is what a tombstone says in place of the talk.
export function deletedWords(m: ChatRoomRequest): (string | Node)[] {
  return withName(pageTexts().deletedBy, m.by);
}

// mark shapes li, the line of m: a tombstone's words in place of the
// content, or the operator's notice. content is the line's content span.
export function mark(li: HTMLElement, content: HTMLElement, m: ChatRoomRequest): void {
  if (m.type === deletedType) {
    li.classList.add("deleted");
    content.replaceChildren(...deletedWords(m));
  } else if (m.userName === systemName && m.to === "") {
    li.classList.add("operator");
    li.title = pageTexts().operatorNotice;
  }
}

// deletable: a moderator of the room may delete the talk of line li.
function deletable(li: HTMLElement): boolean {
  return li.dataset.seq !== undefined && !li.classList.contains("system") && !li.classList.contains("deleted") && !li.classList.contains("marker");
}

// deleteButtons puts a delete button on each talk line of list (or takes
// them all away, if not on).
export function deleteButtons(list: HTMLElement, on: boolean): void {
  for (const li of list.querySelectorAll<HTMLElement>("li[data-seq]")) {
    deleteButton(li, on);
  }
}

// deleteButton gives li, a talk's line, its delete button (or takes it away).
export function deleteButton(li: HTMLElement, on: boolean): void {
  const had = li.querySelector(":scope > button.delete-talk");
  if (!on || !deletable(li)) {
    had?.remove();
    return;
  }
  if (had) {
    return;
  }
  const b = document.createElement("button");
  b.type = "button";
  b.className = "delete-talk";
  b.textContent = "×";
  const label = pageTexts().deleteTalk(li.querySelector(".sender")?.textContent ?? "");
  b.title = label;
  b.setAttribute("aria-label", label);
  li.append(b);
}

// tombstoneLine turns li, a talk's line, into the tombstone of a delete event.
export function tombstoneLine(li: HTMLElement, m: ChatRoomRequest): void {
  li.classList.add("deleted");
  li.classList.remove("operator", "highlight");
  li.removeAttribute("title");
  li.querySelector(":scope > button.delete-talk")?.remove();
  const content = li.querySelector<HTMLElement>(".content");
  const words = deletedWords(m);
  if (content) {
    content.replaceChildren(...words);
  } else {
    const span = document.createElement("span");
    span.className = "content";
    span.append(...words);
    li.append(isolated(m.userName, "sender"), span);
  }
}
