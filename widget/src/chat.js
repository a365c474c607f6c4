// One chat as the requestor sees it: its items (messages and notices) in sequence order, with
// the bookkeeping that makes delivery exactly-once across drops and reloads:
// - a message is known by its seq; a second copy of a seq (a replay) is dropped;
// - our own messages wait in `pending` (kept in sessionStorage) until `sent` or a replay names
//   their client_msg_id, and are written again with the same client_msg_id after a reconnect;
// - `contiguous` is the highest seq with every seq up to it known: resume_chat{after_seq} uses it;
// - an own message without a seq yet (sending, or failed) stays where it was written: after the messages
//   known then (`after`), before those that come later; one restored after a reload goes last.

const STORE_PREFIX = "onduty:";

/** sessionStorage when the page may use it (sandboxed frames may not), memory otherwise. */
export class Store {
  constructor(key) {
    this.key = STORE_PREFIX + key;
    this.memory = null;
  }

  load() {
    try {
      const raw = sessionStorage.getItem(this.key);
      return raw ? JSON.parse(raw) : null;
    } catch {
      return this.memory;
    }
  }

  save(value) {
    this.memory = value;
    try {
      if (value === null) sessionStorage.removeItem(this.key);
      else sessionStorage.setItem(this.key, JSON.stringify(value));
    } catch {
      // quota or no storage: the memory copy still covers a network drop
    }
  }
}

export class Chat {
  constructor({ chatId, token, queue, pending }) {
    this.chatId = chatId;
    this.token = token;
    this.queue = queue;
    this.agentName = null;
    this.state = "waiting"; // waiting | chatting | ended
    this.items = []; // sorted by key
    this.bySeq = new Map();
    this.byClientId = new Map();
    this.pending = new Map(); // client_msg_id -> {client_msg_id, text}
    this.seen = new Set();
    this.maxSeq = 0;
    this.contiguous = 0;
    this.acked = 0;
    this.counter = 0;
    for (const p of pending || []) this.pending.set(p.client_msg_id, p);
  }

  snapshot() {
    return {
      chatId: this.chatId,
      token: this.token,
      queue: this.queue,
      pending: [...this.pending.values()].filter((p) => !p.file),
    };
  }

  key(item) {
    return item.seq != null ? [item.seq, 0] : [item.after, item.order];
  }

  insert(item) {
    item.order = ++this.counter;
    const k = this.key(item);
    let i = this.items.length;
    while (i > 0 && compare(this.key(this.items[i - 1]), k) > 0) i -= 1;
    this.items.splice(i, 0, item);
    return i;
  }

  reposition(item) {
    const at = this.items.indexOf(item);
    if (at >= 0) this.items.splice(at, 1);
    const k = this.key(item);
    let i = this.items.length;
    while (i > 0 && compare(this.key(this.items[i - 1]), k) > 0) i -= 1;
    this.items.splice(i, 0, item);
    return i;
  }

  /** A local message before the server stored it (`restored`: from before a reload, its place unknown). */
  addOwn(clientMsgId, text, at, file, restored = false) {
    const item = {
      own: true, client_msg_id: clientMsgId, seq: null, text, at, file: file || null, state: "sending",
      after: restored ? Infinity : this.maxSeq,
    };
    this.byClientId.set(clientMsgId, item);
    this.pending.set(clientMsgId, { client_msg_id: clientMsgId, text, file: Boolean(file) });
    this.insert(item);
    return item;
  }

  /** `sent` (or an upload's reply): our message is stored as seq. Returns the item if it moved. */
  confirm(clientMsgId, seq, at) {
    this.pending.delete(clientMsgId);
    const item = this.byClientId.get(clientMsgId);
    this.noteSeq(seq);
    if (!item) return null;
    if (item.seq === seq) return null;
    if (this.bySeq.has(seq)) return null;
    item.seq = seq;
    item.at = at;
    item.state = "sent";
    this.bySeq.set(seq, item);
    this.reposition(item);
    return item;
  }

  /**
   * A `message` from the server. Returns {item, isNew}: isNew false for a replay of something we
   * have (dropped) or of our own pending message (now confirmed, item returned to re-render).
   */
  receive(m, requestorLabel) {
    if (this.bySeq.has(m.seq)) return { item: null, isNew: false };
    this.noteSeq(m.seq);
    if (m.client_msg_id != null && m.client_msg_id.startsWith("call-") && !m.file) {
      // a voice call's transcript line ("Call started", "Call ended after 2:05"): shown as a notice
      const line = { notice: true, kind: "call", text: m.text, seq: m.seq, at: m.at };
      this.bySeq.set(m.seq, line);
      this.insert(line);
      return { item: line, isNew: true };
    }
    const mine = m.client_msg_id != null && this.byClientId.get(m.client_msg_id);
    if (mine && m.sender === "requestor") {
      this.confirm(m.client_msg_id, m.seq, m.at);
      if (m.file) mine.file = m.file;
      return { item: mine, isNew: false };
    }
    const item = {
      own: m.sender === "requestor",
      seq: m.seq,
      sender: m.sender,
      name: m.sender === "requestor" ? requestorLabel : m.sender_name,
      text: m.text,
      at: m.at,
      file: m.file ?? null,
      client_msg_id: m.client_msg_id ?? null,
      state: m.sender === "requestor" ? "sent" : "received",
    };
    if (item.client_msg_id && item.own) {
      this.byClientId.set(item.client_msg_id, item);
      this.pending.delete(item.client_msg_id);
    }
    this.bySeq.set(m.seq, item);
    this.insert(item);
    return { item, isNew: true };
  }

  /** Forget an own message that was never stored (a failed upload the requestor dismissed). */
  remove(item) {
    const at = this.items.indexOf(item);
    if (at >= 0) this.items.splice(at, 1);
    this.byClientId.delete(item.client_msg_id);
    this.pending.delete(item.client_msg_id);
  }

  notice(text, kind) {
    const item = { notice: true, kind, text, after: this.maxSeq, at: Date.now() / 1000 };
    this.insert(item);
    return item;
  }

  noteSeq(seq) {
    this.seen.add(seq);
    if (seq > this.maxSeq) this.maxSeq = seq;
    while (this.seen.has(this.contiguous + 1)) this.contiguous += 1;
  }

  index(item) {
    return this.items.indexOf(item);
  }
}

function compare(a, b) {
  return a[0] - b[0] || a[1] - b[1];
}
