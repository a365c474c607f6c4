// The controller: turns the requestor's actions and the server's messages into screens.
// Screens: checking -> form | closed (callback) -> chat (waiting, chatting, ended) -> busy (callback)
// -> thanks. All network traffic goes through Connection; chat bookkeeping lives in Chat.
import { Cobrowse } from "./cobrowse.js";
import { brandColors } from "./brand.js";
import { Chat, Store } from "./chat.js";
import { ChatView } from "./chatview.js";
import { businessContext } from "./context.js";
import { h } from "./dom.js";
import { FileError, downloadFile, saveBlob, uploadFile } from "./files.js";
import { callbackForm, preChatForm, ratingForm } from "./forms.js";
import { pickLanguage, translator } from "./i18n.js";
import { Limits } from "./limits.js";
import { LIMITS, newId, nextReq } from "./protocol.js";
import { Connection } from "./connection.js";
import { transcriptText } from "./transcript.js";
import { Panel } from "./view.js";
import { Voice } from "./voice.js";

// Requests answered by exactly one frame carrying their `req` (protocol 2, shared REPLIES): they wait in
// `inflight` until it (or an `error` with that `req`) comes. ack and typing get an answer only when refused.
const ANSWERED = new Set([
  "get_queue_info", "request_chat", "resume_chat", "leave_callback", "send", "end_chat", "rate_chat",
  "call_request", "call_answer", "hang_up",
]);
// Written again on a new connection (with a fresh req) if the old one dropped before the answer; sends are
// written again from the chat's pending list (same client_msg_id), resume_chat by ready(), end_chat not at all.
const REQUEUED = new Set(["get_queue_info", "request_chat", "leave_callback", "rate_chat"]);

const REQUEST_ERRORS = {
  bad_site_token: "badSiteToken",
  site_token_required: "siteTokenRequired",
  unknown_queue: "unknownQueue",
  not_allowed: "notAllowed",
  rate_limited: "rateLimited",
  invalid_value: "emailInvalid",
};

export class Widget {
  constructor(host, config, css) {
    this.config = config;
    this.lang = pickLanguage(config.lang);
    const t = (this.t = translator(this.lang));
    this.store = new Store(config.queue);
    this.panel = new Panel(host, t, css, config.title, {
      opened: () => this.opened(),
      closed: () => this.closed(),
      endChat: () => this.confirmEnd(),
      transcript: () => this.transcript(),
    });
    this.panel.setLang(this.lang);
    const brand = brandColors(config.brandColor);
    if (config.brandColor && !brand) console.warn("onduty: ignored brandColor: not a colour like #2e7d32");
    this.panel.setBrand(brand);
    this.limits = new Limits();
    this.view = new ChatView(t, this.lang, {
      send: (text) => this.send(text),
      attach: (files) => files.forEach((f) => this.upload(f)),
      typing: () => this.typing(),
      endChat: () => this.endChat(),
      download: (item) => this.download(item),
      retry: (item) => this.retry(item),
      dismiss: (item) => this.dismiss(item),
    }, this.limits);
    this.voice = new Voice(t, (frame) => this.write(frame));
    this.view.el.insertBefore(this.voice.el, this.view.log);
    const ws = new URL("/ws/requestor", config.server);
    ws.protocol = ws.protocol === "https:" ? "wss:" : "ws:";
    this.conn = new Connection(ws.href, {
      onReady: (welcome) => {
        this.limits.update(welcome);
        this.ready();
      },
      onMessage: (m) => this.message(m),
      onState: (s, info) => this.connState(s, info),
    });
    this.cobrowse = new Cobrowse(
      { server: config.server, lang: this.lang, ...config.cobrowse },
      { write: (m) => this.write(m), chatId: () => this.chat?.chatId || null, buffered: () => this.conn.ws?.bufferedAmount || 0 },
    );
    this.chat = null;
    this.screen = null;
    this.form = null;
    this.queueInfo = null;
    this.requests = []; // frames to write once connected
    this.inflight = new Map(); // req -> frame written on this connection, its answer not here yet
    this.written = new Set(); // client_msg_ids written on this connection
    this.releaseWanted = false; // the chat ended: close the connection once the sends in flight are answered
    this.resuming = false;
    this.endWanted = false;
    this.callWanted = false; // "Call me" chosen in the pre-chat form: asked for once an agent joins
    this.typingSentAt = 0;
    this.typingIdle = null;
    this.ackTimer = null;

    const saved = this.store.load() || {};
    this.previous = saved.previous || null;
    this.profile = saved.profile || null;
    if (saved.chat && saved.chat.chatId) {
      this.restore(saved.chat);
      if (saved.open) this.panel.open();
    } else if (config.open) {
      this.panel.open();
    }
  }

  // --- persistence ------------------------------------------------------------------

  save() {
    const chat = this.chat && this.chat.chatId && this.chat.state !== "ended" ? this.chat.snapshot() : null;
    this.store.save({ chat, previous: this.previous, profile: this.profile, open: this.panel.isOpen });
  }

  restore(snapshot) {
    const chat = (this.chat = new Chat({ chatId: snapshot.chatId, token: snapshot.token, queue: snapshot.queue }));
    this.view.reset();
    this.showChat();
    for (const p of snapshot.pending || []) this.render(chat.addOwn(p.client_msg_id, p.text, null, null, true));
    this.conn.ensure();
  }

  // --- panel ------------------------------------------------------------------------

  opened() {
    this.save();
    if (this.screen === null) this.check();
    else if (this.screen === "chat") this.view.focus();
    else if (this.form) this.form.focus();
  }

  closed() {
    this.save();
    if (!this.chat || this.chat.state === "ended") {
      if (![...this.inflight.values()].some((f) => f.t !== "get_queue_info")) this.conn.release();
    }
  }

  setScreen(name, el, focus) {
    this.screen = name;
    this.panel.show(el);
    const live = this.chat && this.chat.state !== "ended" && name === "chat";
    this.panel.setHeaderActions({ end: live, transcript: Boolean(this.chat && this.chat.items.some((i) => i.seq)) });
    if (focus && this.panel.isOpen) focus();
  }

  check() {
    this.form = null;
    this.panel.setAgent(null, "");
    this.setScreen("checking", h("p", { class: "od-checking", role: "status" }, this.t("checking")));
    this.request({ t: "get_queue_info", queue: this.config.queue });
  }

  showForm(notice) {
    const t = this.t;
    const info = this.queueInfo;
    const p = this.config.prefill;
    const values = {
      name: this.profile?.name ?? p.name, email: this.profile?.email ?? p.email,
      requestType: this.profile?.requestType ?? p.requestType, message: p.message,
    };
    const notes = [
      notice,
      t("formIntro"),
      info && info.waiting > 0 ? (info.waiting === 1 ? t("queueOne") : t("queueBusy", { n: info.waiting })) : null,
      this.config.siteToken ? t("signedInAs") : null,
      this.chatAgain ? t("chatAgainWith", { agent: this.chatAgain.agentName }) : null,
    ];
    this.form = preChatForm(t, values, notes, (v) => this.start(v), this.limits, this.voice.allowed);
    this.panel.setAgent(null, "");
    this.setScreen("form", this.form.el, () => this.form.focus());
  }

  showCallback(kind, chatId, message) {
    const t = this.t;
    const p = this.profile || this.config.prefill;
    const values = { name: p.name, email: p.email, message: message ?? this.config.prefill.message };
    const title = t(kind === "busy" ? "busyTitle" : "closedTitle");
    const text = t(kind === "busy" ? "busyText" : "closedText");
    this.form = callbackForm(t, title, text, values, (v) => this.leaveCallback(v, chatId), this.limits);
    const again = h("button", { type: "button", class: "od-secondary od-try-again", onclick: () => this.check() },
      t("tryAgain"));
    this.panel.setAgent(null, "");
    this.setScreen(kind, h("div", { class: "od-screen" }, this.form.el, again), () => this.form.focus());
  }

  showMessage(name, text, buttons) {
    this.form = null;
    const heading = h("p", { class: "od-callout-title", tabindex: "-1" }, text);
    const el = h("div", { class: "od-screen" }, h("div", { class: `od-callout od-callout-${name}`, role: "alert" }, heading),
      buttons.map((b) => h("button", { type: "button", class: b.primary ? "od-primary" : "od-secondary", onclick: b.run },
        b.label)));
    this.setScreen(name, el, () => heading.focus());
  }

  showChat() {
    this.form = null;
    this.setScreen("chat", this.view.el, () => this.view.focus());
    this.view.setComposer(this.chat.state !== "ended", Boolean(this.chat.chatId) && this.chat.state !== "ended");
  }

  // --- connection -------------------------------------------------------------------

  request(frame) {
    this.releaseWanted = false;
    this.requests.push(frame);
    this.conn.ensure();
    this.flush();
  }

  flush() {
    if (!this.conn.ready || this.resuming) return;
    while (this.requests.length) {
      if (!this.write(this.requests[0])) return;
      this.requests.shift();
    }
  }

  /** Write one request with a fresh `req` (kept in `inflight` if it has an answer); false when not connected. */
  write(frame) {
    const req = nextReq();
    const written = { ...frame, req };
    if (!this.conn.send(written)) return false;
    if (ANSWERED.has(frame.t)) this.inflight.set(req, written);
    return true;
  }

  /** The request a server frame answers, by its `req` (and, if given, only a request of type `type`). */
  answered(m, type) {
    const frame = m.req != null ? this.inflight.get(m.req) : undefined;
    if (!frame || (type && frame.t !== type)) return null;
    this.inflight.delete(m.req);
    if (this.releaseWanted && !this.sending()) {
      this.releaseWanted = false;
      this.conn.release();
    }
    return frame;
  }

  sending() {
    return [...this.inflight.values()].some((f) => f.t === "send");
  }

  ready() {
    this.cobrowse.reconnected();
    const chat = this.chat;
    if (chat && chat.chatId && chat.state !== "ended") {
      this.resuming = true;
      this.write({ t: "resume_chat", chat_id: chat.chatId, resume_token: chat.token, after_seq: chat.contiguous });
      return;
    }
    this.flush();
  }

  connState(state, info) {
    if (state === "reconnecting" || state === "idle" || state === "stopped") {
      this.voice.connectionLost();
      const again = [...this.inflight.values()].filter((f) => REQUEUED.has(f.t)).map(({ req: _, ...f }) => f);
      this.requests = [...again, ...this.requests];
      this.inflight.clear();
      this.written.clear();
      this.resuming = false;
      if (state === "reconnecting" && this.releaseWanted) {
        // the chat is over and the answers in flight are lost with the connection: nothing left to resume
        this.releaseWanted = false;
        this.conn.release();
        return;
      }
    }
    const live = this.chat && this.chat.chatId && this.chat.state !== "ended";
    if (state === "connected") this.panel.setBanner(null);
    else if (state === "reconnecting" && (live || this.requests.length)) {
      this.panel.setBanner(this.t("reconnecting"), "warn", { label: this.t("reconnectNow"), run: () => this.conn.retryNow() });
    }
    else if (state === "stopped") {
      const stopped = { replaced: "replaced", origin_not_allowed: "originRefused" }[info?.reason] || "genericError";
      this.panel.setBanner(this.t(stopped), "error");
      this.view.setComposer(false, false);
      this.panel.setHeaderActions({ end: false, transcript: false });
    }
  }

  message(m) {
    const chat = this.chat;
    switch (m.t) {
      case "voice_available":
        if (m.queue !== this.config.queue) return;
        this.voice.allow(true);
        if (this.screen === "form") this.form?.offerCall?.(true);
        return;
      case "queue_info":
        if (!this.answered(m, "get_queue_info")) return;
        this.queueInfo = m;
        this.voice.allow(false); // until voice_available, which follows when the queue offers calls
        if (this.screen === "checking") {
          if (m.open) this.showForm();
          else this.showCallback("closed", null);
        }
        return;
      case "chat_requested":
        return this.requested(m);
      case "sent": {
        // our send's answer (its req), or the first message of request_chat (no req): known by client_msg_id
        this.answered(m, "send");
        if (!chat || m.chat_id !== chat.chatId) return;
        const item = chat.confirm(m.client_msg_id, m.seq, m.at);
        if (item) this.render(item);
        this.save();
        return;
      }
      case "waiting":
        if (!chat || m.chat_id !== chat.chatId) return;
        chat.state = "waiting";
        this.view.showWaiting(m);
        this.panel.setAgent(null, this.t("waitingTitle"));
        return;
      case "agent_joined":
        return this.joined(m);
      case "chat_requeued":
        if (!chat || m.chat_id !== chat.chatId) return;
        this.render(chat.notice(this.t("requeued"), "requeued"));
        chat.agentName = null;
        chat.state = "waiting";
        this.voice.setChat(chat.chatId, false);
        this.view.showTyping(null);
        this.cobrowse.setAgent(null);
        return;
      case "message":
        return this.received(m);
      case "peer_typing":
        if (chat && m.chat_id === chat.chatId && m.sender === "agent") this.view.showTyping(m.active ? m.name : null);
        return;
      case "chat_ended":
        return this.ended(m);
      case "chat_rated":
        if (this.answered(m, "rate_chat")) this.ratingForm?.done(this.t("rateThanks"));
        return;
      case "callback_saved":
        if (!this.answered(m, "leave_callback")) return;
        this.showMessage("thanks", this.t("callbackSaved"), [{ label: this.t("newChat"), run: () => this.check() }]);
        return;
      case "call_update":
        this.answered(m);
        if (chat && m.call.chat_id === chat.chatId) this.voice.message(m);
        return;
      case "peer_offer":
      case "peer_candidate":
        if (chat && m.chat_id === chat.chatId) this.voice.message(m);
        return;
      case "error":
        return this.failed(m);
      case "cobrowse_update":
      case "cobrowse_snapshot":
      case "cobrowse_point":
        return this.cobrowse.message(m);
      default:
        return;
    }
  }

  requested(m) {
    const frame = this.answered(m);
    const chat = this.chat;
    if (!frame || !chat) return;
    if (frame.t === "resume_chat") {
      this.resuming = false;
      this.writePending();
      if (this.endWanted) this.endChat();
      this.flush();
      return;
    }
    if (frame.t !== "request_chat") return;
    chat.chatId = m.chat_id;
    chat.token = m.resume_token;
    this.save();
    this.view.setComposer(true, true);
    this.writePending();
  }

  joined(m) {
    const chat = this.chat;
    if (!chat || m.chat_id !== chat.chatId) return;
    this.view.showWaiting(null);
    if (chat.agentName !== m.agent_name) {
      const key = m.transferred ? "transferred" : "agentJoined";
      this.render(chat.notice(this.t(key, { agent: m.agent_name }), "joined"));
    }
    chat.agentName = m.agent_name;
    chat.state = "chatting";
    this.voice.setChat(chat.chatId, true);
    if (this.callWanted) {
      this.callWanted = false; // asked for in the pre-chat form
      this.voice.request();
    }
    this.cobrowse.setAgent(m.agent_name);
    this.panel.setAgent(m.agent_name, m.agent_name);
    this.setScreenActions();
  }

  setScreenActions() {
    if (this.screen === "chat") this.setScreen("chat", this.view.el);
  }

  received(m) {
    const chat = this.chat;
    if (!chat || m.chat_id !== chat.chatId) return;
    const { item, isNew } = chat.receive(m, this.t("you"));
    if (item) this.render(item);
    if (isNew && m.sender === "agent") {
      this.view.showTyping(null);
      if (!this.panel.isOpen) this.panel.setUnread(this.panel.unread + 1);
    }
    this.scheduleAck();
    this.save();
  }

  ended(m) {
    const chat = this.chat;
    this.answered(m, "end_chat");
    if (!chat || m.chat_id !== chat.chatId) return;
    this.cobrowse.reset();
    this.endWanted = false;
    chat.state = "ended";
    this.voice.setChat(chat.chatId, false);
    this.view.showWaiting(null);
    this.view.showTyping(null);
    const t = this.t;
    if (m.reason === "timeout") {
      // The connection stays: a callback naming this chat must come over the chat's own connection.
      this.previous = null;
      this.save();
      this.showCallback("busy", chat.chatId, chat.items.find((i) => i.own && i.text)?.text);
      return;
    }
    const agent = chat.agentName;
    if (m.reason === "requestor_left") this.render(chat.notice(t("youEnded"), "ended"));
    else this.render(chat.notice(agent ? t("agentLeft", { agent }) : m.text || t("chatEnded"), "ended"));
    this.previous = agent ? { chatId: chat.chatId, token: chat.token, agentName: agent } : this.previous;
    this.save();
    // A send written just before the end is answered after it (`sent`, or `error{chat_ended}`): keep the
    // connection until then, so its bubble says which.
    if (this.sending()) this.releaseWanted = true;
    else this.conn.release();
    this.showChat();
    this.panel.setAgent(agent, t("chatEnded"));
    if (agent) this.offerRating(chat.chatId, chat.token);
    this.afterChatActions();
  }

  /** "How was this chat?" once a chat an agent served is over; sent with the chat's resume token, since the
   * chat's connection is let go at its end (the server then checks the token). */
  offerRating(chatId, token) {
    this.ratingForm = ratingForm(this.t, (v) => {
      this.request({ t: "rate_chat", chat_id: chatId, rating: v.rating, comment: v.comment || undefined,
        resume_token: token || undefined });
    }, LIMITS.ratingComment);
    this.view.showRating(this.ratingForm);
  }

  afterChatActions() {
    const t = this.t;
    const buttons = [{ label: t("transcript"), icon: "download", run: () => this.transcript() }];
    if (this.previous) {
      const previous = this.previous;
      buttons.push({ label: t("chatAgain", { agent: previous.agentName }), run: () => this.again(previous) });
    }
    buttons.push({ label: t("newChat"), primary: true, run: () => this.again(null) });
    this.view.showActions(buttons);
  }

  /** An `error`: about the request its `req` names (a refused send: the message its `client_msg_id` names). */
  failed(m) {
    if (m.ref && m.ref.startsWith("cobrowse_")) return this.cobrowse.failed(m);
    const t = this.t;
    const frame = this.answered(m);
    if (!frame) {
      // about no request of ours in flight: a frame the server could not read, an ack or typing refused...
      if (m.code !== "rate_limited") console.warn("onduty: server error", m.code, m.ref, m.detail);
      return;
    }
    switch (frame.t) {
      case "call_request":
      case "call_answer":
        return this.voice.failed(frame, m);
      case "resume_chat":
        this.resuming = false;
        if (m.code === "unknown_chat" && this.chat) {
          this.chat.state = "ended";
          this.render(this.chat.notice(t("chatGone"), "ended"));
          this.save();
          this.conn.release();
          this.showChat();
          this.afterChatActions();
        }
        return;
      case "request_chat":
        this.chat = null;
        if (m.code === "bad_site_token" || m.code === "site_token_required" || m.code === "unknown_queue") {
          this.showMessage("refused", t(REQUEST_ERRORS[m.code]), [{ label: t("tryAgain"), run: () => this.check() }]);
        } else {
          this.showForm();
          this.form.setError(t(REQUEST_ERRORS[m.code] || "genericError"));
        }
        return;
      case "get_queue_info":
        if (m.code === "unknown_queue") this.showMessage("refused", t("unknownQueue"), []);
        else if (this.screen === "checking") this.showForm(); // a server without queue info: just ask
        return;
      case "leave_callback": {
        if (m.code === "unknown_chat" && frame.chat_id) {
          // a new connection (reload, drop) cannot name the dropped chat: leave the callback without it
          const { req: _, ...again } = frame;
          this.request({ ...again, chat_id: undefined });
          return;
        }
        const key = m.code === "invalid_value" ? "callbackInvalid" : REQUEST_ERRORS[m.code] || "genericError";
        this.form?.setError(t(key));
        return;
      }
      case "send": {
        if (frame.chat_id !== this.chat?.chatId) return;
        const id = m.client_msg_id ?? frame.client_msg_id;
        const item = this.chat.byClientId.get(id);
        if (item && item.seq == null) {
          item.state = "failed";
          item.retry = m.code !== "chat_ended";
          this.chat.pending.delete(id);
          this.render(item);
          this.save();
        }
        return;
      }
      case "rate_chat":
        // sent again after a dropped connection, the first may have been stored: it is rated either way
        if (m.code === "already_rated") this.ratingForm?.done(t("rateThanks"));
        else this.ratingForm?.setError(t("rateFailed"));
        return;
      default:
        return; // end_chat: nothing to undo
    }
  }

  // --- the requestor's actions --------------------------------------------------------

  start(v) {
    const id = newId();
    this.profile = { name: v.name, email: v.email, requestType: v.requestType };
    const chat = (this.chat = new Chat({ queue: this.config.queue }));
    this.view.reset();
    this.showChat();
    this.view.setComposer(true, false);
    this.panel.setAgent(null, this.t("waitingTitle"));
    this.render(chat.addOwn(id, v.message, Date.now() / 1000));
    this.written.add(id);
    const again = this.chatAgain;
    this.chatAgain = null;
    this.callWanted = Boolean(v.callMe);
    this.request({
      t: "request_chat", queue: this.config.queue, name: v.name, request_type: v.requestType,
      email: v.email || undefined, text: v.message, client_msg_id: id,
      context: businessContext(this.config.shop, this.config.context),
      site_token: this.config.siteToken || undefined,
      previous_chat_id: again?.chatId, previous_token: again?.token,
    });
    this.save();
  }

  leaveCallback(v, chatId) {
    this.profile = { ...(this.profile || {}), name: v.name, email: v.email || this.profile?.email };
    this.save();
    this.request({
      t: "leave_callback", queue: this.config.queue, name: v.name, text: v.message,
      phone: v.phone || undefined, email: v.email || undefined,
      request_type: this.profile?.requestType || this.config.prefill.requestType || "other",
      context: businessContext(this.config.shop, this.config.context),
      chat_id: chatId || undefined, site_token: this.config.siteToken || undefined,
    });
  }

  again(previous) {
    if (this.conn.stopped) {
      this.conn.reset(); // e.g. the chat was taken over by another tab: this one may start anew
      this.panel.setBanner(null);
    }
    this.chatAgain = previous;
    this.chat = null;
    this.view.reset();
    this.check();
  }

  send(text) {
    const chat = this.chat;
    if (!chat || chat.state === "ended") return;
    const id = newId();
    this.render(chat.addOwn(id, text, Date.now() / 1000));
    this.save();
    this.writeSend(id, text);
    this.stopTyping();
  }

  writeSend(id, text) {
    const chat = this.chat;
    if (!chat.chatId || this.resuming || this.written.has(id)) return;
    // the same client_msg_id every time (after a reconnect, on Retry): the server stores it once
    if (this.write({ t: "send", chat_id: chat.chatId, client_msg_id: id, text })) this.written.add(id);
  }

  writePending() {
    for (const p of this.chat.pending.values()) if (!p.file) this.writeSend(p.client_msg_id, p.text);
  }

  retry(item) {
    if (item.file) {
      this.chat.remove(item);
      this.view.remove(item);
      this.upload(item.blob, item.client_msg_id); // the same client_msg_id: the server stores it once
      return;
    }
    item.state = "sending";
    item.error = null;
    this.chat.pending.set(item.client_msg_id, { client_msg_id: item.client_msg_id, text: item.text });
    this.written.delete(item.client_msg_id);
    this.render(item);
    this.writeSend(item.client_msg_id, item.text);
  }

  typing() {
    const chat = this.chat;
    if (!chat || chat.state !== "chatting" || !this.conn.ready) return;
    const now = Date.now();
    if (now - this.typingSentAt > 3000) {
      this.typingSentAt = now;
      this.write({ t: "typing", chat_id: chat.chatId, active: true });
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), 4000);
  }

  stopTyping() {
    clearTimeout(this.typingIdle);
    if (!this.typingSentAt) return;
    this.typingSentAt = 0;
    if (this.chat?.chatId && this.conn.ready) this.write({ t: "typing", chat_id: this.chat.chatId, active: false });
  }

  confirmEnd() {
    const chat = this.chat;
    if (!chat || chat.state === "ended") return;
    this.view.showActions([
      { label: this.t("endChat"), primary: true, run: () => this.endChat() },
      { label: this.t("cancelWaiting"), run: () => this.view.showActions([]) },
    ], this.t("confirmEnd"));
  }

  endChat() {
    const chat = this.chat;
    this.view.showActions([]);
    if (!chat || chat.state === "ended") return;
    if (!chat.chatId || !this.conn.ready || this.resuming) {
      this.endWanted = true;
      return;
    }
    this.write({ t: "end_chat", chat_id: chat.chatId });
  }

  /** Upload a file, after checking it against the server's limits (a refused one is never sent). A failed
   * upload stays where it was in the chat, with the reason, Dismiss and (unless refused) Retry. */
  async upload(file, id = newId()) {
    const chat = this.chat;
    if (!chat || !chat.chatId || chat.state === "ended") return;
    const item = chat.addOwn(id, "", Date.now() / 1000, { name: file.name, size: file.size, content_type: file.type });
    item.blob = file;
    const refusal = this.limits.fileRefusal(this.t, file);
    if (refusal) {
      this.failUpload(item, refusal, false);
      return;
    }
    this.render(item);
    try {
      const reply = await uploadFile(this.config.server, chat, file, id);
      item.file = reply.file;
      item.blob = null;
      const moved = chat.confirm(id, reply.seq, reply.at);
      this.render(moved || item);
    } catch (err) {
      const rejected = err instanceof FileError && err.code === "file_rejected";
      const reason = err instanceof FileError && err.detail ? this.t("fileRejected", { detail: err.detail }) : this.t("fileFailed");
      this.failUpload(item, reason, !rejected);
    }
  }

  failUpload(item, reason, retry) {
    this.chat.pending.delete(item.client_msg_id);
    item.state = "failed";
    item.error = reason;
    item.retry = retry;
    this.render(item);
  }

  dismiss(item) {
    this.chat.remove(item);
    this.view.remove(item);
  }

  async download(item) {
    try {
      await downloadFile(this.config.server, this.chat, item.file);
    } catch {
      this.panel.setBanner(this.t("fileFailed"), "error");
    }
  }

  transcript() {
    const chat = this.chat;
    if (!chat) return;
    const text = transcriptText(chat, this.t, this.lang, this.config.title || this.t("title"));
    const day = new Date().toISOString().slice(0, 10);
    saveBlob(new Blob([text], { type: "text/plain;charset=utf-8" }), `chat-${day}-${chat.chatId || "draft"}.txt`);
  }

  // --- rendering and acks -------------------------------------------------------------

  render(item) {
    const index = this.chat.index(item);
    if (index >= 0) this.view.place(item, index);
    if (item.seq) this.panel.setHeaderActions({
      end: this.chat.state !== "ended" && this.screen === "chat", transcript: true,
    });
  }

  scheduleAck() {
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      const chat = this.chat;
      if (!chat || !chat.chatId || chat.contiguous <= chat.acked || !this.conn.ready || this.resuming) return;
      if (this.write({ t: "ack", chat_id: chat.chatId, seq: chat.contiguous })) chat.acked = chat.contiguous;
    }, 50);
  }

  // --- host page API ----------------------------------------------------------------

  update(settings) {
    const c = this.config;
    if (settings.siteToken !== undefined) c.siteToken = settings.siteToken || undefined;
    if (settings.prefill) c.prefill = { ...c.prefill, ...settings.prefill };
    if (settings.shop) c.shop = { ...c.shop, ...settings.shop };
    if (settings.context) c.context = settings.context;
  }

  /** Troubleshooting (and test) hook: what the browser measures of the call under way, or null. */
  callStats() {
    return this.voice.stats();
  }

  /** Test and troubleshooting hook: drop the connection now (it comes back and resumes). */
  reconnect() {
    this.conn.drop();
  }
}
