// The widget's frame inside a shadow root: launcher button, panel (header, status banner, body).
// The host page's styles do not reach in (shadow root + `all: initial`), ours do not leak out.
import { clear, h } from "./dom.js";
import { icon } from "./icons.js";

function adoptStyles(root, css) {
  // A constructed stylesheet is not an inline <style>, so a strict host CSP does not block it.
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    return;
  } catch {
    root.append(h("style", {}, css));
  }
}

function initials(name) {
  const parts = String(name || "").trim().split(/\s+/).filter(Boolean);
  return (parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : (parts[0] || "?").slice(0, 2)).toUpperCase();
}

export class Panel {
  /** handlers: {opened(), closed(), endChat(), transcript()} */
  constructor(host, t, css, title, handlers) {
    this.t = t;
    this.handlers = handlers;
    this.root = host.attachShadow({ mode: "open" });
    adoptStyles(this.root, css);
    this.badge = h("span", { class: "od-badge", hidden: true, "aria-hidden": "true" });
    this.launcherLabel = h("span", { class: "od-launcher-label" }, t("launcher"));
    this.launcher = h("button", {
      type: "button", class: "od-launcher", "aria-expanded": "false", "aria-controls": "od-panel",
    }, icon("chat"), this.launcherLabel, this.badge);
    this.avatar = h("div", { class: "od-avatar", "aria-hidden": "true" }, icon("chat"));
    this.titleEl = h("h2", { class: "od-title", id: "od-title" }, title || t("title"));
    this.subEl = h("p", { class: "od-sub", id: "od-sub" });
    this.endBtn = h("button", {
      type: "button", class: "od-icon od-end", "aria-label": t("endChat"), title: t("endChat"), hidden: true,
    }, icon("end"));
    this.transcriptBtn = h("button", {
      type: "button", class: "od-icon od-transcript", "aria-label": t("transcript"), title: t("transcript"), hidden: true,
    }, icon("download"));
    this.closeBtn = h("button", {
      type: "button", class: "od-icon od-close", "aria-label": t("minimize"), title: t("minimize"),
    }, icon("minimize"));
    this.banner = h("div", { class: "od-banner", role: "status", hidden: true });
    this.body = h("div", { class: "od-body" });
    this.panel = h("section", {
      id: "od-panel", class: "od-panel", role: "dialog", "aria-labelledby": "od-title", "aria-describedby": "od-sub",
      hidden: true,
    },
    h("header", { class: "od-header" }, this.avatar, h("div", { class: "od-heading" }, this.titleEl, this.subEl),
      this.transcriptBtn, this.endBtn, this.closeBtn),
    this.banner, this.body);
    this.frame = h("div", { class: "od-root", lang: "" }, this.panel, this.launcher);
    this.root.append(this.frame);
    this.isOpen = false;
    this.unread = 0;

    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));
    this.closeBtn.addEventListener("click", () => this.close());
    this.endBtn.addEventListener("click", () => handlers.endChat());
    this.transcriptBtn.addEventListener("click", () => handlers.transcript());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        this.close();
      }
    });
  }

  /** The shop's colours (brand.js: {accent, ink, text}) instead of the built-in blue. */
  setBrand(colors) {
    if (!colors) return;
    this.frame.style.setProperty("--od-accent", colors.accent);
    this.frame.style.setProperty("--od-accent-ink", colors.ink);
    this.frame.style.setProperty("--od-accent-text", colors.text);
  }

  setLang(lang) {
    this.frame.setAttribute("lang", lang);
  }

  open() {
    if (this.isOpen) return;
    this.isOpen = true;
    this.panel.hidden = false;
    this.frame.classList.add("od-is-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.setUnread(0);
    this.handlers.opened();
  }

  close() {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.panel.hidden = true;
    this.frame.classList.remove("od-is-open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
    this.handlers.closed();
  }

  setUnread(n) {
    this.unread = n;
    this.badge.textContent = n ? String(n) : "";
    this.badge.hidden = !n;
    this.launcher.setAttribute("aria-label", n ? this.t("launcherUnread", { n }) : this.t("launcher"));
  }

  setAgent(name, subtitle) {
    clear(this.avatar);
    if (name) this.avatar.append(initials(name));
    else this.avatar.append(icon("chat"));
    this.avatar.classList.toggle("od-has-agent", Boolean(name));
    this.subEl.textContent = subtitle || "";
  }

  setHeaderActions({ end, transcript }) {
    this.endBtn.hidden = !end;
    this.transcriptBtn.hidden = !transcript;
  }

  show(el) {
    if (this.body.firstChild === el && this.body.childNodes.length === 1) return; // keep its scroll position
    clear(this.body);
    this.body.append(el);
  }

  /** A status line over the chat; `action` {label, run} adds a button (e.g. "Reconnect now"). */
  setBanner(text, kind, action) {
    clear(this.banner);
    if (text) this.banner.append(text);
    if (text && action) {
      this.banner.append(h("button", { type: "button", class: "od-link od-banner-action", onclick: action.run }, action.label));
    }
    this.banner.hidden = !text;
    this.banner.className = `od-banner${kind ? ` od-banner-${kind}` : ""}`;
  }
}
