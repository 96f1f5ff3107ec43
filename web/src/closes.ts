// What the end of a connection means: a refusal that stands until the user
// changes something (said in words, and the name field's error if it is
// about the name), or a loss to connect again after, said in words too. And
// the tab's memory of its own name, which tells a reload's 409 (our own
// previous session, not yet reaped) from a name someone else has.

import type { Texts } from "./i18n.ts";
import { closeBanned, closeCodeRefused, closeKicked } from "./protocol.ts";

// A 409 on reconnecting is our own previous session, not yet gone: it is
// retried for this long (above the server's default -pong-timeout, 60 s).
const takenRetryFor = 75_000;
// The page's own name, kept for the tab's life, so that a reload that
// meets its previous session's name still online retries instead of failing.
const sessionKey = "chatroom.name";

export type Ending = { retry: true; words: string } | { retry: false; words: string; aboutName: boolean };

export type Session = {
  name: string;
  wasConnected: boolean; // this name has been in: a 409 on reconnect is our own ghost
  takenFor: number; // ms since the 409s on reconnecting began
  ousted: string; // the page's words for the user's own kick, if it heard it
  lastError: string; // the last error frame on the connection (a server ban's reason)
};

// judgeClose reads a close: code, and why (the refusal's error frame, or
// the close's reason).
export function judgeClose(t: Texts, code: number, why: string, s: Session): Ending {
  // Kicked out of the home room: connecting again is fine (the kick is
  // not a ban). Banned from the server: the reason came in an error frame,
  // and connecting again would be refused.
  if (code === closeKicked) {
    return { retry: true, words: s.ousted || t.kickedOut };
  }
  if (code === closeBanned) {
    return { retry: false, words: s.lastError ? t.closedBy(s.lastError) : t.bannedFromServer, aboutName: false };
  }
  const status = code - closeCodeRefused;
  if (status === 409 && (!s.wasConnected || s.takenFor > takenRetryFor)) {
    return { retry: false, words: t.nameTaken(s.name), aboutName: true };
  }
  // Refusals of the name, the token or a room (403 in band: a room the
  // token does not allow) stand; only a name refused is the name field's.
  if ((status === 400 || status === 401 || status === 403) && why) {
    return { retry: false, words: t.refused(why), aboutName: status === 400 && !/\broom/.test(why) };
  }
  let words: string;
  if (status === 409) {
    words = t.nameTaken(s.name); // our previous connection, not yet gone: retry
  } else if (why) {
    words = status > 0 ? t.refused(why) : t.closedBy(why);
  } else if (!s.wasConnected) {
    words = t.unreachable(location.host);
  } else {
    words = t.connectionLost;
  }
  return { retry: true, words };
}

// remember keeps the tab's name (null forgets it); recall reads it. Storage
// a browser refuses (a private mode, a policy) only loses the reload case.
export function remember(name: string | null): void {
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

export function recall(): string | null {
  try {
    return sessionStorage.getItem(sessionKey);
  } catch {
    return null;
  }
}
