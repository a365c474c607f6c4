// One WebSocket to /ws/requestor that comes back after a drop: hello first, then the owner's
// onReady(welcome) (resume or request), reconnects with exponential backoff and jitter (0.5 s doubling
// to 2 s, times a random factor in [0.5, 1], as the Python client: back within about 2 s of the server, and
// a thousand widgets do not come back at once), at once on retryNow() ("Reconnect now", the browser back
// online), and stops for good when the server says so.
import { CLIENT_NAME, PROTOCOL_VERSION, SchemaError, decode, encode, nextReq } from "./protocol.js";

const STOP_ERRORS = new Set(["unsupported_version", "replaced", "origin_not_allowed"]);
const BACKOFF_BASE_S = 0.5;
const BACKOFF_CAP_S = 2;

export class Connection {
  /**
   * @param {string} url ws(s)://host/ws/requestor
   * @param {{onReady: (welcome: object) => void, onMessage: (m: object) => void, onState: (s: string, info?: object) => void}} handler
   */
  constructor(url, handler) {
    this.url = url;
    this.handler = handler;
    this.ws = null;
    this.ready = false;
    this.wanted = false;
    this.stopped = null;
    this.attempt = 0;
    this.timer = null;
    this.onOnline = () => this.retryNow();
    window.addEventListener("online", this.onOnline);
  }

  /** Connect (if not connected) and stay connected until stop(). */
  ensure() {
    this.wanted = true;
    if (this.stopped) return;
    if (!this.ws && !this.timer) this.open();
  }

  /** Close and do not reconnect until ensure() is called again. */
  release() {
    this.wanted = false;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.ws) this.ws.close(1000);
  }

  retryNow() {
    if (this.wanted && !this.ws && !this.stopped) {
      clearTimeout(this.timer);
      this.timer = null;
      this.open();
    }
  }

  /** Write a message if the session is ready; returns false otherwise (the caller keeps it). */
  send(message) {
    // a socket the server is closing is not ready: its onclose comes next and the caller keeps the message
    if (!this.ready || !this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(encode(message));
    return true;
  }

  /** Test hook and "network drop" simulation: close the socket as if the network failed. */
  drop() {
    const ws = this.ws;
    if (!ws) return;
    ws.close(4000, "dropped by the page");
    // Do not wait for the closing handshake (it never completes on a dead network): gone now.
    this.lost(ws, 4000, "dropped by the page");
  }

  open() {
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.stop("bad_url", { detail: String(err) });
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.handler.onState("connecting");
    ws.onopen = () => {
      ws.send(encode({ t: "hello", protocol: PROTOCOL_VERSION, client: CLIENT_NAME, req: nextReq() }));
    };
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      if (typeof event.data === "string") return;
      let message;
      try {
        message = decode(event.data);
      } catch (err) {
        if (err instanceof SchemaError || err instanceof RangeError) {
          console.warn("onduty: dropped a frame:", err.message);
          return;
        }
        throw err;
      }
      if (message.t === "welcome") {
        this.ready = true;
        this.handler.onState("connected");
        this.handler.onReady(message);
        return;
      }
      if (message.t === "error" && STOP_ERRORS.has(message.code)) {
        this.stop(message.code, message);
      }
      this.handler.onMessage(message);
    };
    ws.onclose = (event) => this.lost(ws, event.code, event.reason);
  }

  /** The socket is gone (closed by either side, or dropped): reconnect unless told to stop. */
  lost(ws, code, reason) {
    if (ws !== this.ws) return;
    const wasReady = this.ready;
    this.ws = null;
    this.ready = false;
    if (wasReady) this.attempt = 0; // a session that got through: start the backoff over
    if (this.stopped) return;
    if (!this.wanted) {
      this.handler.onState("idle");
      return;
    }
    if (code === 1000 && reason === "replaced") {
      this.stop("replaced");
      return;
    }
    if (code === 1008 && reason === "origin_not_allowed") {
      this.stop("origin_not_allowed");
      return;
    }
    this.schedule();
  }

  schedule() {
    const base = Math.min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** this.attempt);
    const delay = base * (0.5 + Math.random() * 0.5);
    this.attempt += 1;
    this.handler.onState("reconnecting", { delay, attempt: this.attempt });
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.wanted && !this.stopped) this.open();
    }, delay * 1000);
  }

  /** Stop for good (e.g. the chat was resumed in another tab). */
  stop(reason, info) {
    this.stopped = reason;
    this.wanted = false;
    clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    if (ws) ws.close(1000);
    this.handler.onState("stopped", { reason, ...(info || {}) });
  }

  /** Start over after stop() (a new chat after "replaced"). */
  reset() {
    this.stopped = null;
    this.attempt = 0;
  }
}
