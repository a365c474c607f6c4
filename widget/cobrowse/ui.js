// cobrowse-ui.js: co-browsing on the requestor's side (docs/widget.md), loaded by the widget once an agent is in the
// chat (so the widget's first load does not grow): the "Share this page" button, the agent's invitation
// (Allow / No), the banner "Your page is shared with NAME" with Stop, and the agent's pointer. The recorder (rrweb,
// with the masking) is another file, cobrowse-record.js, loaded only when sharing starts. Its batches are cut into
// cobrowse_data chunks that fit a frame. Lives in its own element <onduty-cobrowse>, outside the chat panel, which
// the recording leaves out.
import { h } from "../src/dom.js";
import { loadScript } from "../src/lazy.js";

const CHUNK = 16 * 1024; // CHUNK_CHARS of shared/messages/cobrowse.py
const BACKLOG_BYTES = 4 * 1024 * 1024; // the socket still has this much to send: skip to a new full snapshot
const POINTER_HIDE_MS = 4000;
const TEXTS = {
  en: {
    share: "Share this page with {agent}",
    asks: "{agent} asks to see this page with you",
    allow: "Allow",
    no: "No",
    shared: "Your page is shared with {agent}",
    stop: "Stop",
    hidden: "Passwords and card details stay hidden.",
    off: "Co-browsing is not available here.",
  },
  de: {
    share: "Diese Seite mit {agent} teilen",
    asks: "{agent} möchte diese Seite mit Ihnen ansehen",
    allow: "Erlauben",
    no: "Nein",
    shared: "Ihre Seite wird mit {agent} geteilt",
    stop: "Beenden",
    hidden: "Passwörter und Kartendaten bleiben verborgen.",
    off: "Gemeinsames Browsen ist hier nicht verfügbar.",
  },
};
const SHEET = `
:host { all: initial; }
.bar { position: fixed; bottom: 24px; left: 24px; max-width: calc(100vw - 140px); z-index: 2147483646; display: flex;
  flex-wrap: wrap; gap: 8px 12px; align-items: center; padding: 8px 14px; border-radius: 8px; font: 14px/1.4 system-ui, sans-serif;
  background: #1b5e20; color: #fff; box-shadow: 0 2px 8px rgba(0,0,0,.3); }
.bar[hidden], .share[hidden], .pointer[hidden] { display: none; }
.bar.ask { background: #263238; }
.bar small { opacity: .85; }
button { font: inherit; border: 0; border-radius: 4px; padding: 4px 12px; cursor: pointer; background: #fff; color: #1b1b1b; }
button.secondary { background: transparent; color: #fff; border: 1px solid #fff; }
.share { position: fixed; bottom: 24px; left: 24px; z-index: 2147483646; font: 14px/1.4 system-ui, sans-serif;
  background: #fff; color: #1b5e20; border: 1px solid #1b5e20; box-shadow: 0 2px 6px rgba(0,0,0,.25); }
.pointer { position: fixed; z-index: 2147483647; width: 28px; height: 28px; margin: -14px 0 0 -14px; border-radius: 50%;
  border: 3px solid #e65100; background: rgba(255,152,0,.35); pointer-events: none; transition: left .08s, top .08s; }
`;

function fill(text, agent) {
  return text.replace("{agent}", agent || "the agent");
}

/** Chunks of at most CHUNK code units, never splitting a surrogate pair (so at most 3 UTF-8 bytes each). */
export function chunk(json) {
  const parts = [];
  let i = 0;
  while (i < json.length) {
    let end = Math.min(json.length, i + CHUNK);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    parts.push(json.slice(i, end));
    i = end;
  }
  return parts.length ? parts : [""];
}

export class Cobrowse {
  /**
   * @param {{server: string, lang: string, privateSelectors: string[], enabled: boolean}} options
   * @param {{write: (m: object) => boolean, chatId: () => string | null, buffered: () => number}} io
   */
  constructor(options, io) {
    this.options = options;
    this.io = io;
    this.t = TEXTS[options.lang] || TEXTS.en;
    this.status = null;
    this.agent = null;
    this.recorder = null;
    this.loading = null;
    this.batch = 0;
    this.skipping = false;
    this.pointerTimer = null;
    this.host = null;
  }

  ui() {
    if (this.host) return;
    this.host = document.createElement("onduty-cobrowse");
    const root = this.host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(SHEET);
    // the pointer moves by a rule of its own sheet, not a style attribute: no inline style under the shop's CSP
    this.pointerSheet = new CSSStyleSheet();
    root.adoptedStyleSheets = [sheet, this.pointerSheet];
    this.text = h("span", { class: "text" });
    this.note = h("small", {});
    this.actions = h("span", { class: "actions" });
    this.bar = h("div", { class: "bar", role: "status", "aria-live": "polite", hidden: true },
      this.text, this.note, this.actions);
    this.shareBtn = h("button", { type: "button", class: "share", hidden: true, onclick: () => this.share() });
    this.pointer = h("div", { class: "pointer", hidden: true, "aria-hidden": "true" });
    root.append(this.bar, this.shareBtn, this.pointer);
    document.body.append(this.host);
  }

  /** An agent is in the chat (or none: null): offer "Share this page" while nothing is shared. */
  setAgent(name) {
    this.agent = name;
    if (!this.options.enabled) return;
    this.ui();
    this.shareBtn.textContent = fill(this.t.share, name);
    this.shareBtn.hidden = !name || this.status === "active" || this.status === "invited";
  }

  /** The chat is over: stop everything, remove the UI. */
  reset() {
    this.stopRecording();
    this.status = null;
    this.agent = null;
    if (this.host) this.host.remove();
    this.host = null;
  }

  share() {
    const chatId = this.io.chatId();
    if (chatId) this.io.write({ t: "cobrowse_start", chat_id: chatId });
  }

  message(m) {
    if (m.chat_id !== this.io.chatId()) return;
    switch (m.t) {
      case "cobrowse_update":
        return this.update(m);
      case "cobrowse_snapshot":
        this.skipping = false;
        if (this.recorder) this.recorder.snapshot();
        return;
      case "cobrowse_point":
        return this.point(m);
      default:
        return;
    }
  }

  /** A refused cobrowse_* frame. */
  failed(m) {
    if (m.ref === "cobrowse_data") {
      if (m.code === "rate_limited") this.resnapshotLater();
      // the server knows of no sharing (it restarted, another node took over, the chat moved on): stop here too
      else if (this.status === "active") this.update({ chat_id: m.chat_id, status: "stopped", agent_name: this.agent });
      return;
    }
    if (m.ref === "cobrowse_start" && m.code === "not_allowed" && this.host) {
      this.shareBtn.textContent = this.t.off;
      this.shareBtn.disabled = true;
    }
  }

  update(m) {
    this.status = m.status;
    this.agent = m.agent_name || this.agent;
    if (!this.options.enabled) {
      if (m.status === "invited") this.io.write({ t: "cobrowse_decline", chat_id: m.chat_id });
      return;
    }
    this.ui();
    const agent = this.agent;
    this.actions.replaceChildren();
    this.bar.classList.toggle("ask", m.status === "invited");
    if (m.status === "invited") {
      this.text.textContent = fill(this.t.asks, agent);
      this.note.textContent = this.t.hidden;
      this.actions.append(
        h("button", { type: "button", onclick: () => this.share() }, this.t.allow),
        h("button", { type: "button", class: "secondary", onclick: () => this.decline() }, this.t.no),
      );
      this.bar.hidden = false;
    } else if (m.status === "active") {
      this.text.textContent = fill(this.t.shared, agent);
      this.note.textContent = this.t.hidden;
      this.actions.append(h("button", { type: "button", onclick: () => this.stop() }, this.t.stop));
      this.bar.hidden = false;
      this.startRecording();
    } else {
      this.bar.hidden = true;
      this.stopRecording();
    }
    this.shareBtn.textContent = fill(this.t.share, agent);
    this.shareBtn.hidden = !agent || m.status === "active" || m.status === "invited";
  }

  decline() {
    const chatId = this.io.chatId();
    if (chatId) this.io.write({ t: "cobrowse_decline", chat_id: chatId });
  }

  stop() {
    const chatId = this.io.chatId();
    if (chatId) this.io.write({ t: "cobrowse_stop", chat_id: chatId });
  }

  point(m) {
    if (!this.host || this.status !== "active") return;
    clearTimeout(this.pointerTimer);
    this.pointer.hidden = !m.visible;
    const x = Number(m.x) || 0;
    const y = Number(m.y) || 0;
    this.pointerSheet.replaceSync(`.pointer { left: ${x}px; top: ${y}px; }`);
    this.pointerTimer = setTimeout(() => { this.pointer.hidden = true; }, POINTER_HIDE_MS);
  }

  async startRecording() {
    if (this.recorder || this.loading) return;
    this.loading = loadRecorder(this.options.server);
    try {
      const lib = await this.loading;
      if (this.status !== "active" || this.recorder) return;
      this.recorder = lib.start({
        privateSelectors: this.options.privateSelectors,
        emit: (json, full) => this.emit(json, full),
      });
    } catch (err) {
      console.warn("onduty: the co-browse recorder did not load:", err);
    } finally {
      this.loading = null;
    }
  }

  stopRecording() {
    if (this.recorder) this.recorder.stop();
    this.recorder = null;
    if (this.pointer) this.pointer.hidden = true;
  }

  resnapshotLater() {
    this.skipping = true;
    setTimeout(() => {
      this.skipping = false;
      if (this.recorder) this.recorder.snapshot();
    }, 1000);
  }

  /** One batch from the recorder, as chunks; a congested socket skips to a new full snapshot (backpressure). */
  emit(json, full) {
    const chatId = this.io.chatId();
    if (!chatId || this.status !== "active") return;
    if (this.skipping && !full) return;
    if (this.io.buffered() > BACKLOG_BYTES) {
      if (!this.skipping) this.resnapshotLater();
      return;
    }
    this.skipping = false;
    this.batch += 1;
    const parts = chunk(json);
    parts.forEach((data, part) => {
      this.io.write({ t: "cobrowse_data", chat_id: chatId, batch: this.batch, part, parts: parts.length, data, full });
    });
  }

  /** The connection came back (a reload, the next page): the server numbers batches afresh. */
  reconnected() {
    this.batch = 0;
  }
}

/** cobrowse-record.js from the server, once. */
function loadRecorder(server) {
  return loadScript(server, "cobrowse-record.js", "OnDutyCobrowseRecorder");
}

window.OnDutyCobrowseUi = { Cobrowse, chunk };
