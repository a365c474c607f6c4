// The chat screen: waiting line status, the messages (a list that is a polite live region: new ones are read out),
// the peer's typing indicator, the after-chat actions and the composer with its length counter (the server's
// limit: a message over it is refused with the reason, never cut).
import { clear, formatClock, formatSize, formatTime, h, linkify } from "./dom.js";
import { icon } from "./icons.js";

export class ChatView {
  /** handlers: {send(text), attach(files), typing(), endChat(), download(item), retry(item), dismiss(item)};
   * limits: the server's (limits.js), updated at every welcome */
  constructor(t, lang, handlers, limits) {
    this.t = t;
    this.lang = lang;
    this.handlers = handlers;
    this.limits = limits;
    this.waiting = h("div", { class: "od-waiting", role: "status", hidden: true });
    // A list (not role=log, which would take the <li>s out of their list) that announces what is added.
    this.log = h("ol", {
      class: "od-log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": t("title"), tabindex: "0",
    });
    this.typingEl = h("p", { class: "od-typing", "aria-hidden": "true" });
    this.actions = h("div", { class: "od-after", hidden: true });
    this.rating = h("div", { class: "od-rating-box", hidden: true });
    this.input = h("textarea", {
      class: "od-input", rows: 1, dir: "auto", "aria-label": t("composer"), placeholder: t("composer"),
      "aria-describedby": "od-count",
    });
    this.counter = h("p", { class: "od-count", id: "od-count", "aria-live": "polite", hidden: true });
    this.fileInput = h("input", { type: "file", multiple: true, class: "od-file-input", tabindex: "-1", "aria-hidden": "true" });
    this.attachBtn = h("button", { type: "button", class: "od-icon od-attach", "aria-label": t("attach"), title: t("attach") },
      icon("attach"));
    this.sendBtn = h("button", { type: "submit", class: "od-icon od-send", "aria-label": t("send"), title: t("send") },
      icon("send"));
    this.composer = h("form", { class: "od-composer" }, this.attachBtn, this.input, this.sendBtn, this.fileInput);
    this.el = h("div", { class: "od-chat" }, this.waiting, this.log, this.typingEl, this.rating, this.actions,
      this.counter,
      this.composer);
    this.typingTimer = null;
    this.waitTimer = null;

    this.composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => {
      this.autosize();
      this.showCount();
      if (this.input.value) handlers.typing(true);
    });
    this.attachBtn.addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      const files = [...this.fileInput.files];
      this.fileInput.value = "";
      if (files.length) handlers.attach(files);
    });
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || this.input.disabled) return;
    const refusal = this.limits.textRefusal(this.t, text, this.lang);
    if (refusal) {
      this.showCount(refusal);
      this.input.focus();
      return; // the text stays, for the requestor to shorten
    }
    this.input.value = "";
    this.autosize();
    this.showCount();
    this.handlers.send(text);
  }

  /** The counter near the limit, or `refusal` (why the message was not sent). */
  showCount(refusal) {
    const count = this.limits.count(this.t, this.input.value.trim(), this.lang);
    const text = refusal || count?.text || "";
    this.counter.textContent = text;
    this.counter.hidden = !text;
    this.counter.classList.toggle("od-count-over", Boolean(refusal || count?.over));
    if (this.counter.classList.contains("od-count-over")) this.input.setAttribute("aria-invalid", "true");
    else this.input.removeAttribute("aria-invalid");
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  focus() {
    if (!this.composer.hidden) this.input.focus();
  }

  /** Whether the composer accepts input (not after the chat ended). */
  setComposer(enabled, allowFiles) {
    this.composer.hidden = !enabled;
    this.input.disabled = !enabled;
    this.attachBtn.hidden = !allowFiles;
  }

  // --- waiting line -----------------------------------------------------------------

  showWaiting(w) {
    const t = this.t;
    clearInterval(this.waitTimer);
    if (!w) {
      this.waiting.hidden = true;
      return;
    }
    const started = Date.now() / 1000 - w.waited_s;
    const clock = h("span", { class: "od-waited" });
    const tick = () => {
      clock.textContent = t("waited", { time: formatClock(Date.now() / 1000 - started) });
    };
    tick();
    this.waitTimer = setInterval(tick, 1000);
    let estimate = t("estimateUnknown");
    if (w.est_wait_s != null) {
      const minutes = Math.round(w.est_wait_s / 60);
      estimate = t("estimate", { time: minutes < 1 ? t("underMinute") : t("aboutMinutes", { n: minutes }) });
    }
    const fraction = w.max_wait_s > 0 ? Math.min(1, w.waited_s / w.max_wait_s) : 0;
    const bar = h("div", { class: "od-progress", "aria-hidden": "true" }, h("span", { class: "od-progress-fill" }));
    bar.firstChild.style.width = `${Math.round(fraction * 100)}%`;
    clear(this.waiting);
    this.waiting.append(
      h("p", { class: "od-waiting-title" }, h("span", { class: "od-dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")),
        t("waitingTitle")),
      h("p", { class: "od-position", "data-position": w.position },
        w.position <= 1 ? t("positionNext") : t("position", { n: w.position })),
      h("p", { class: "od-estimate" }, estimate),
      h("p", { class: "od-waiting-foot" }, clock,
        h("button", { type: "button", class: "od-link", onclick: () => this.handlers.endChat() }, t("cancelWaiting"))),
      bar,
    );
    this.waiting.hidden = false;
  }

  // --- items ------------------------------------------------------------------------

  /** Put item (new or changed) at position `index` of the log. */
  place(item, index) {
    const el = item.notice ? this.noticeEl(item) : this.messageEl(item);
    if (item.el && item.el.parentNode === this.log) item.el.remove();
    item.el = el;
    const before = this.log.children[index] || null;
    this.log.insertBefore(el, before);
    this.scroll();
  }

  remove(item) {
    if (item.el) item.el.remove();
    item.el = null;
  }

  update(item) {
    if (!item.el) return;
    const el = item.notice ? this.noticeEl(item) : this.messageEl(item);
    item.el.replaceWith(el);
    item.el = el;
  }

  reset() {
    clear(this.log);
    clear(this.actions);
    this.actions.hidden = true;
    this.showRating(null);
    this.showWaiting(null);
    this.showTyping(null);
  }

  noticeEl(item) {
    return h("li", { class: `od-notice od-notice-${item.kind}` }, item.text);
  }

  messageEl(item) {
    const t = this.t;
    const who = item.own ? t("you") : item.name;
    const meta = h("div", { class: "od-meta" }, h("span", { class: "od-who" }, who),
      item.at ? h("time", { datetime: new Date(item.at * 1000).toISOString() }, formatTime(item.at, this.lang)) : null);
    const bubble = h("div", { class: "od-bubble" });
    if (item.file) bubble.append(this.fileEl(item));
    // dir="auto": each message is laid out in its own direction (Arabic or Hebrew right to left), whatever the page's
    if (item.text) bubble.append(h("p", { class: "od-text", dir: "auto" }, linkify(item.text)));
    if (item.error) bubble.append(h("p", { class: "od-msg-error" }, item.error));
    const li = h("li", { class: `od-msg ${item.own ? "od-own" : "od-peer"}`, "data-seq": item.seq ?? "" }, meta, bubble);
    if (item.own) li.append(this.stateEl(item));
    return li;
  }

  fileEl(item) {
    const f = item.file;
    const label = `${f.name} (${formatSize(f.size)})`;
    if (!f.file_id) {
      return h("div", { class: "od-file" }, icon("file"), h("span", { class: "od-file-name", dir: "auto" }, label));
    }
    return h("button", {
      type: "button", class: "od-file", title: this.t("download", { name: f.name }),
      "aria-label": this.t("download", { name: label }), onclick: () => this.handlers.download(item),
    }, icon("file"), h("span", { class: "od-file-name", dir: "auto" }, label), icon("download", "od-file-dl"));
  }

  stateEl(item) {
    const t = this.t;
    const states = {
      sending: ["clock", t(item.file && !item.file.file_id ? "uploading" : "sending")],
      sent: ["check", t("sent")],
      failed: ["alert", t("failed")],
    };
    const [name, text] = states[item.state] || states.sent;
    const el = h("div", { class: `od-state od-state-${item.state}` }, icon(name), h("span", {}, text));
    if (item.state === "failed" && item.retry) {
      el.append(h("button", { type: "button", class: "od-link", onclick: () => this.handlers.retry(item) }, t("retry")));
    }
    if (item.state === "failed" && item.file) {
      el.append(h("button", { type: "button", class: "od-link od-dismiss", onclick: () => this.handlers.dismiss(item) },
        t("dismiss")));
    }
    return el;
  }

  scroll() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  // --- typing -----------------------------------------------------------------------

  showTyping(name) {
    clearTimeout(this.typingTimer);
    this.typingEl.textContent = name ? this.t("typing", { name }) : "";
    this.typingEl.classList.toggle("od-on", Boolean(name));
    if (name) this.typingTimer = setTimeout(() => this.showTyping(null), 8000);
  }

  // --- after the chat ---------------------------------------------------------------

  /** The rating form after a served chat (forms.js ratingForm), or none. */
  showRating(form) {
    clear(this.rating);
    if (form) this.rating.append(form.el);
    this.rating.hidden = !form;
  }

  /** Buttons under the log (after the chat, or to confirm ending it); `question` heads them and labels the group,
   * and then the first button takes the focus. */
  showActions(buttons, question) {
    clear(this.actions);
    if (question) this.actions.append(h("p", { class: "od-question", id: "od-question" }, question));
    for (const b of buttons) {
      this.actions.append(h("button", { type: "button", class: b.primary ? "od-primary" : "od-secondary", onclick: b.run },
        b.icon ? icon(b.icon) : null, b.label));
    }
    if (question) {
      this.actions.setAttribute("role", "group");
      this.actions.setAttribute("aria-labelledby", "od-question");
    } else {
      this.actions.removeAttribute("role");
      this.actions.removeAttribute("aria-labelledby");
    }
    this.actions.hidden = buttons.length === 0;
    if (question) this.actions.querySelector("button")?.focus();
  }
}
