// The agent's co-browse view (/cobrowse/?chat=ID, opened by a one-time link from the tray's chat window):
// replays the requestor's page live with rrweb's Replayer and sends where the agent points. A glass pane over
// the replay takes the mouse, so nothing the agent does reaches the page: the agent points, never clicks or types.
import { Decoder, Encoder } from "@msgpack/msgpack";
import { Replayer } from "rrweb";

const PROTOCOL_VERSION = 3;
const POINT_EVERY_MS = 50;
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder({ maxStrLength: 65536, maxBinLength: 0, maxArrayLength: 256, maxMapLength: 64 });
const chatId = new URLSearchParams(location.search).get("chat") || "";
const statusEl = document.getElementById("status");
const stopBtn = document.getElementById("stop");
const stage = document.getElementById("stage");
const screen = document.getElementById("screen");
const glass = document.getElementById("glass");

let ws = null;
let replayer = null;
let parts = null; // {batch, parts, full, chunks: []} being joined
let lastPoint = 0;
let status = null;
window.onDutyView = { batches: 0, events: 0, applied: [] }; // read by tests and the latency benchmark

function say(text) {
  statusEl.textContent = text;
}

function send(message) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(message));
}

function fit() {
  const iframe = screen.querySelector("iframe");
  if (!iframe) return;
  const w = iframe.offsetWidth || 1;
  const hgt = iframe.offsetHeight || 1;
  const scale = Math.min(1, stage.clientWidth / w, stage.clientHeight / hgt);
  screen.style.transform = `scale(${scale})`;
}

// rrweb's mouse interactions that the Replayer would dispatch as DOM events into the replayed page (mouse up and
// down, focus, blur, double click, context menu): the view does not replay them; the pointer, clicks and scrolls
// still show. A dispatched event in the script-less frame is refused by the browser anyway.
const DISPATCHED = new Set([0, 1, 3, 4, 5, 6, 8, 10]);

function shown(e) {
  return !(e.type === 3 && e.data && e.data.source === 2 && DISPATCHED.has(e.data.type));
}

function apply(all, full) {
  const events = all.filter(shown);
  const now = Date.now();
  events.forEach((e) => { e.timestamp = now; }); // the agent's clock: play at once, whatever the requestor's says
  if (full || !replayer) {
    if (!full) return; // nothing to build on until a full snapshot comes
    if (replayer) replayer.destroy();
    screen.replaceChildren();
    replayer = new Replayer([], { root: screen, liveMode: true, mouseTail: false, showWarning: false,
      triggerFocus: false, UNSAFE_replayCanvas: false, pauseAnimation: false });
    replayer.on("resize", () => setTimeout(fit, 0));
    replayer.startLive(now - 1);
  }
  for (const e of events) replayer.addEvent(e);
  window.onDutyView.batches += 1;
  window.onDutyView.events += events.length;
  window.onDutyView.applied.push(now);
  if (window.onDutyView.applied.length > 50) window.onDutyView.applied.shift();
  setTimeout(fit, 0);
}

function data(m) {
  if (m.part === 0) parts = { batch: m.batch, parts: m.parts, full: m.full, chunks: [] };
  if (!parts || parts.batch !== m.batch || parts.chunks.length !== m.part) {
    parts = null; // a batch with a gap (the server skipped a part): wait for the next one
    return;
  }
  parts.chunks.push(m.data);
  if (parts.chunks.length < parts.parts) return;
  const done = parts;
  parts = null;
  let events;
  try {
    events = JSON.parse(done.chunks.join(""));
  } catch {
    console.warn("onduty: a co-browse batch that is not JSON was dropped");
    return;
  }
  if (Array.isArray(events)) apply(events, done.full);
}

function update(m) {
  status = m.status;
  const texts = {
    invited: `Waiting for the requestor to allow co-browsing…`,
    active: `You see the requestor's page live (${m.agent_name}).`,
    declined: "The requestor said no.",
    stopped: "Co-browsing stopped. It starts again when the requestor shares the page.",
  };
  say(texts[m.status] || m.text);
  stopBtn.hidden = m.status !== "active" && m.status !== "invited";
}

function connect() {
  const url = new URL(`/cobrowse/ws?chat=${encodeURIComponent(chatId)}`, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  ws = new WebSocket(url.href);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => send({ t: "hello", protocol: PROTOCOL_VERSION, client: "onduty-cobrowse/0.1" });
  ws.onmessage = (event) => {
    if (typeof event.data === "string") return;
    let m;
    try {
      m = decoder.decode(new Uint8Array(event.data));
    } catch {
      return;
    }
    switch (m.t) {
      case "cobrowse_chunk":
        return data(m);
      case "cobrowse_update":
        return update(m);
      case "welcome":
        return say("Connected. Waiting for the requestor's page…");
      case "error":
        say(m.code === "not_authenticated" ? "This view is not signed in: open it again from the chat window."
          : m.code === "chat_ended" ? "The chat is over." : `Error: ${m.detail || m.code}`);
        return;
      default:
        return;
    }
  };
  ws.onclose = () => {
    ws = null;
    if (status !== "stopped") say(`${statusEl.textContent} (disconnected)`);
  };
}

function where(event) {
  const iframe = screen.querySelector("iframe");
  if (!iframe) return null;
  const rect = iframe.getBoundingClientRect();
  const scale = rect.width / (iframe.offsetWidth || 1);
  const x = (event.clientX - rect.left) / scale;
  const y = (event.clientY - rect.top) / scale;
  if (x < 0 || y < 0 || x > iframe.offsetWidth || y > iframe.offsetHeight) return null;
  return { x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 };
}

glass.addEventListener("mousemove", (event) => {
  if (status !== "active") return;
  const now = Date.now();
  if (now - lastPoint < POINT_EVERY_MS) return;
  const p = where(event);
  if (!p) return;
  lastPoint = now;
  send({ t: "cobrowse_point", chat_id: chatId, x: p.x, y: p.y, visible: true });
});
glass.addEventListener("mouseleave", () => {
  if (status === "active") send({ t: "cobrowse_point", chat_id: chatId, x: 0, y: 0, visible: false });
});
glass.addEventListener("wheel", (event) => event.preventDefault(), { passive: false });
stopBtn.addEventListener("click", () => send({ t: "cobrowse_stop", chat_id: chatId }));
window.addEventListener("resize", fit);
connect();
