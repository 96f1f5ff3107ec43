// One WebSocket to the server at a time, kept honest: a ping every few
// seconds when the connection is quiet, the connection called dead when
// nothing comes back, an attempt that never opens given up, and the next
// attempt after a backoff. What a frame means, and whether to try again
// after a close, is the page's (main.ts).

import { decode, encode, subprotocolRefusals, type ChatRoomRequest } from "./protocol.ts";

// A quiet connection sends a ping after pingAfter; a ping unanswered for
// deadAfter (the server answers at once) means a dead connection. A timer
// that ran late (a background tab's timers run once a minute) only pings:
// the silence was the browser's, not the network's.
const pingAfter = 5_000;
const deadAfter = 10_000;
const lateBeat = 2_500;
// An attempt to connect that has not opened after this long is given up.
const connectTimeout = 10_000;
// Reconnect backoff: first wait, doubling up to the cap, with jitter.
const backoffFirst = 500;
const backoffMax = 10_000;

// Link is what the page tells a Connection and is told by it.
export interface Link {
  message(m: ChatRoomRequest): void;
  // closed: the server (or the network) closed the connection.
  closed(code: number, reason: string): void;
  // silent: the connection did not open, or stopped answering; it is closed.
  silent(unopened: boolean): void;
}

export class Connection {
  private ws: WebSocket | null = null;
  private lastHeard = 0;
  private lastPing = 0;
  private lastBeat = 0;
  private connectTimer = 0;
  private heartbeat = 0;
  private retryTimer = 0;
  private attempt = 0;

  constructor(private readonly link: Link) {}

  // busy: a connection is open or being opened, or an attempt is due.
  get busy(): boolean {
    return this.ws !== null || this.retryTimer !== 0;
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  // resetBackoff makes the next retry's wait the first one again (the
  // server took us, or the user asked anew).
  resetBackoff(): void {
    this.attempt = 0;
  }

  start(url: URL): void {
    this.cancelRetry();
    const ws = new WebSocket(url, [subprotocolRefusals]);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    // A connection that neither opens nor fails (a proxy that accepts and
    // says nothing) is given up, and tried again.
    this.connectTimer = window.setTimeout(() => this.giveUp(true), connectTimeout);
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
      this.link.message(m);
    };
    ws.onclose = (e: CloseEvent) => {
      if (ws === this.ws) {
        this.stop();
        this.link.closed(e.code, e.reason);
      }
    };
  }

  send(frame: Uint8Array): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return false;
    }
    this.ws.send(frame);
    return true;
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
      this.giveUp(false);
    } else if (!waiting && now - this.lastHeard >= pingAfter) {
      this.ping(ws, now);
    }
  }

  private ping(ws: WebSocket, now: number): void {
    this.lastPing = now;
    ws.send(encode("ping"));
  }

  private giveUp(unopened: boolean): void {
    const ws = this.ws;
    this.stop();
    ws?.close();
    this.link.silent(unopened);
  }

  // retry calls again after the next backoff; it returns the wait in ms.
  retry(again: () => void): number {
    const wait = Math.min(backoffMax, backoffFirst * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt++;
    this.retryTimer = window.setTimeout(again, wait);
    return wait;
  }

  // close ends the connection (saying goodbye if it is open) and any retry.
  close(goodbye: Uint8Array | null): void {
    const ws = this.ws;
    this.stop();
    this.cancelRetry();
    this.attempt = 0;
    if (goodbye && ws?.readyState === WebSocket.OPEN) {
      ws.send(goodbye);
    }
    ws?.close(1000);
  }

  private stop(): void {
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
    }
    this.ws = null;
    window.clearInterval(this.heartbeat);
    window.clearTimeout(this.connectTimer);
    this.heartbeat = this.connectTimer = 0;
  }

  private cancelRetry(): void {
    window.clearTimeout(this.retryTimer);
    this.retryTimer = 0;
  }
}
