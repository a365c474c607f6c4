// The supervisor console (docs/console.md): sign in over HTTP (an HttpOnly cookie the script never sees),
// then /console/ws: msgpack frames like the other endpoints (docs/protocol.md, section 18). Every second the
// server pushes console_state and one console_queue per supervised queue; this page renders them. Text from
// the server is only ever set as textContent. "Open" on a live chat watches it read-only (monitor_chat) and
// offers a whisper box (send_whisper): the whisper goes to the chat's agent only, never to the requestor.
// Each queue card has a live part (redrawn with every picture) and a day part kept across pictures (charts
// of the last 24 hours and the report download: day.js), so inputs keep their focus and charts their state.
import { Decoder, Encoder } from "@msgpack/msgpack";
import { dayPanel, refreshDay } from "./day.js";

const PROTOCOL_VERSION = 3;
const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder({ maxStrLength: 65536, maxBinLength: 0, maxArrayLength: 256, maxMapLength: 64 });
const ACTIVITY = {
  available: "Available", in_chat: "In a chat", busy: "Busy", away: "Away", off_duty: "Off Duty",
};
const $ = (id) => document.getElementById(id);

let socket = null;
let retry = null;
let picture = { at: 0, receivedAt: 0, order: [], queues: new Map() };
let watched = null; // the chat opened read-only: { chatId, info, lines: Map(key -> line) }

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** "1:05" / "1:02:05" for a number of seconds. */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
}

/** Server time now, from the last picture's clock. */
function serverNow() {
  return picture.at + (Date.now() - picture.receivedAt) / 1000;
}

function showSignIn(message = "") {
  $("sign-in").hidden = false;
  $("sign-out").hidden = true;
  $("who").hidden = true;
  $("queues").replaceChildren();
  cards.clear();
  $("link").hidden = true;
  $("sign-in-error").textContent = message;
}

function showSignedIn(who) {
  $("sign-in").hidden = true;
  $("sign-out").hidden = false;
  $("who").hidden = false;
  $("who").textContent = `${who.display_name} (${who.role})`;
  connect();
}

async function api(method, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch("/console/api/session", init);
  let data = {};
  try { data = await response.json(); } catch { /* no body */ }
  return { ok: response.ok, status: response.status, data };
}

function connect() {
  clearTimeout(retry);
  if (socket) socket.close();
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/console/ws`;
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  socket = ws;
  ws.onopen = () => ws.send(encoder.encode({ t: "hello", protocol: PROTOCOL_VERSION, client: "onduty-console/0.1" }));
  ws.onmessage = (event) => {
    const frame = decoder.decode(new Uint8Array(event.data));
    handle(frame);
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    if (event.code === 1008) {
      showSignIn("Signed out: sign in again.");
      return;
    }
    $("link").hidden = false;
    $("link").textContent = "Connection lost, reconnecting…";
    retry = setTimeout(connect, 2000);
  };
}

function handle(frame) {
  switch (frame.t) {
    case "welcome":
      $("link").hidden = true;
      break;
    case "console_state":
      picture = { at: frame.at, receivedAt: Date.now(), order: frame.queues, queues: picture.queues };
      for (const name of [...picture.queues.keys()]) if (!frame.queues.includes(name)) picture.queues.delete(name);
      break;
    case "console_queue":
      picture.queues.set(frame.queue, frame);
      render();
      break;
    case "monitoring":
      watched = { chatId: frame.chat.chat_id, info: frame.chat, lines: new Map(), ended: false };
      renderWatched();
      break;
    case "message":
      if (watched && frame.chat_id === watched.chatId) {
        watched.lines.set(`m${frame.seq}`, { order: frame.seq, kind: frame.sender, who: frame.sender_name,
          text: frame.text, at: frame.at });
        renderWatched();
      }
      break;
    case "whisper":
      if (watched && frame.chat_id === watched.chatId) {
        const last = Math.max(0, ...[...watched.lines.values()].filter((l) => l.kind !== "whisper").map((l) => l.order));
        const known = watched.lines.get(`w${frame.whisper_id}`);
        watched.lines.set(`w${frame.whisper_id}`, { order: known ? known.order : last + 0.5, kind: "whisper",
          who: frame.sender_name, text: frame.text, at: frame.at });
        renderWatched();
      }
      break;
    case "chat_ended":
      if (watched && frame.chat_id === watched.chatId) {
        watched.ended = true;
        renderWatched();
      }
      break;
    case "error":
      if (frame.ref === "monitor_chat" || frame.ref === "send_whisper") {
        $("watch-error").textContent = frame.detail || frame.code;
        $("watch").hidden = false;
      } else if (frame.code === "not_authenticated" || frame.code === "not_allowed") showSignIn(frame.detail || "");
      break;
    default:
      break;
  }
}

function figure(label, value, testid) {
  return el("div", {}, el("dt", {}, label), el("dd", { "data-testid": testid }, value));
}

const cards = new Map(); // queue -> { card, live, day }

function percent(share) {
  return share === null || share === undefined ? "–" : `${Math.round(share * 100)}%`;
}

function todayFigures(q) {
  const t = q.today;
  if (!t) return el("p", { class: "today-pending" }, "Today's figures are being read…");
  const goal = `goal ${Math.round(t.goal * 100)}% within ${t.target_s} s`;
  const advised = t.advised_agents === null || t.advised_agents === undefined ? "–" : String(t.advised_agents);
  return el("section", { class: "today", "aria-label": "Today" },
    el("h3", {}, "Today"),
    el("dl", { class: "figures" },
      figure("Requests", String(t.requests), "today-requests"),
      figure("Answered", String(t.answered), "today-answered"),
      figure("Dropped", String(t.dropped), "today-dropped"),
      figure(`Service level (${goal})`, percent(t.service_level), "today-service-level"),
      figure("Mean handle time", t.handle_mean_s === null || t.handle_mean_s === undefined ? "–"
        : duration(t.handle_mean_s), "today-handle"),
      figure(`Advised agents now (Erlang C, ${t.arrivals_last_hour} requests in the last hour)`,
        `${advised} (On Duty ${q.on_duty})`, "advised")));
}

function liveParts(q, now) {
  const parts = [el("h2", {}, q.title)];
  if (q.alert) parts.push(el("p", { class: "alert", role: "alert", "data-testid": "alert" },
    `${q.alert.text} (for ${duration(now - q.alert.started_at)})`));
  if (!q.staffed) parts.push(el("p", { class: "off-hours" }, "Outside its staffed hours"));
  const longest = q.waiting ? duration(q.longest_wait_s + (now - picture.at)) : "–";
  parts.push(el("dl", { class: "figures" },
    figure("Waiting", String(q.waiting), "waiting"),
    figure("Longest wait", longest, "longest"),
    figure("On Duty", String(q.on_duty), "on-duty"),
    figure("Available", String(q.routable), "routable"),
    figure("Callbacks", String(q.callbacks), "callbacks")));
  parts.push(todayFigures(q));
  const chats = q.chats || [];
  if (q.agents.length) {
    const rows = q.agents.map((a) => {
      const current = chats.filter((c) => c.agent === a.username)
        .map((c) => `${c.requestor_name} (${duration(now - c.since)})`).join(", ");
      return el("tr", { "data-agent": a.username },
        el("td", {}, a.display_name),
        el("td", { class: `state-${a.activity}` }, ACTIVITY[a.activity] || a.activity),
        el("td", { class: "time" }, duration(now - a.since)),
        el("td", {}, String(a.chats)),
        el("td", { "data-testid": "chats-today" }, String(a.chats_today || 0)),
        el("td", { "data-testid": "current-chat" }, current || "–"));
    });
    parts.push(el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Agent"), el("th", {}, "State"), el("th", {}, "Since"),
        el("th", {}, "Chats"), el("th", {}, "Today"), el("th", {}, "Current chat"))),
      el("tbody", {}, ...rows)));
  } else {
    parts.push(el("p", {}, "Nobody of this queue is signed in."));
  }
  if (chats.length) {
    const rows = chats.map((c) => {
      const open = el("button", { type: "button", "aria-label": `Open the chat of ${c.requestor_name}` }, "Open");
      open.addEventListener("click", () => monitor(c.chat_id));
      return el("tr", { "data-chat": c.chat_id },
        el("td", {}, c.requestor_name), el("td", {}, c.agent_name),
        el("td", { class: "time" }, duration(now - c.since)), el("td", {}, open));
    });
    parts.push(el("h3", {}, "Live chats"), el("table", { class: "chats" },
      el("thead", {}, el("tr", {}, el("th", {}, "Requestor"), el("th", {}, "Agent"), el("th", {}, "For"),
        el("th", {}, ""))),
      el("tbody", {}, ...rows)));
  }
  return parts;
}

/** The queue's card: made once, its live part redrawn with each picture, its day part kept. */
function queueCard(q, now) {
  let known = cards.get(q.queue);
  if (!known) {
    const live = el("div", { class: "live" });
    const day = dayPanel(q.queue);
    const card = el("section", { class: "queue", "data-queue": q.queue, "aria-label": q.title }, live, day);
    known = { card, live, day };
    cards.set(q.queue, known);
    refreshDay(q.queue);
  }
  known.live.replaceChildren(...liveParts(q, now));
  return known.card;
}

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(frame));
}

function monitor(chatId) {
  if (watched && watched.chatId !== chatId) send({ t: "stop_monitoring", chat_id: watched.chatId });
  watched = null;
  $("watch-error").textContent = "";
  send({ t: "monitor_chat", chat_id: chatId });
}

function renderWatched() {
  const box = $("watch");
  if (!watched) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const info = watched.info;
  $("watch-title").textContent = `${info.requestor.name} with ${info.agent_name || info.agent || "nobody yet"}`
    + (watched.ended ? " (ended)" : "");
  const lines = [...watched.lines.values()].sort((a, b) => a.order - b.order).map((l) => el("li",
    { class: `line ${l.kind}`, ...(l.kind === "whisper" ? { "data-testid": "whisper" } : {}) },
    el("span", { class: "who" }, l.kind === "whisper" ? `Whisper from ${l.who} (only the agent sees this)` : l.who),
    el("span", { class: "text" }, l.text)));
  $("transcript").replaceChildren(...lines);
  $("whisper-form").hidden = watched.ended;
}

function render() {
  const now = serverNow();
  const shown = picture.order.filter((n) => picture.queues.has(n)).map((n) => queueCard(picture.queues.get(n), now));
  const box = $("queues");
  const same = box.children.length === shown.length && shown.every((card, i) => box.children[i] === card);
  if (!same) box.replaceChildren(...shown); // only when queues come, go or move: inputs keep their focus
  for (const name of [...cards.keys()]) if (!picture.order.includes(name)) cards.delete(name);
}

function start() {
  $("sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("sign-in-error").textContent = "";
    const result = await api("POST", { username: $("username").value, password: $("password").value });
    $("password").value = "";
    if (result.ok) showSignedIn(result.data);
    else $("sign-in-error").textContent = result.data.detail || `Sign-in failed (${result.status})`;
  });
  $("sign-out").addEventListener("click", async () => {
    const ws = socket;
    socket = null;
    if (ws) ws.close();
    await api("DELETE");
    showSignIn("");
  });
  $("whisper-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("whisper-text").value.trim();
    if (!watched || !text) return;
    send({ t: "send_whisper", chat_id: watched.chatId, text });
    $("whisper-text").value = "";
  });
  $("watch-close").addEventListener("click", () => {
    if (watched) send({ t: "stop_monitoring", chat_id: watched.chatId });
    watched = null;
    renderWatched();
  });
  setInterval(() => { if (picture.order.length) render(); }, 1000);
  setInterval(() => { for (const name of cards.keys()) refreshDay(name); }, 60000);
  api("GET").then((result) => (result.ok ? showSignedIn(result.data) : showSignIn("")));
}

if (typeof document !== "undefined") document.addEventListener("DOMContentLoaded", start);
