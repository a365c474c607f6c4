// Entry point of onduty.js: <script src="https://SERVER/widget/onduty.js" data-queue="..." async></script>
// Adds a host element at the end of <body> with the widget in its shadow root, and window.OnDuty.
import css from "./styles.css";
import { readConfig } from "./config.js";
import { Widget } from "./widget.js";

const VERSION = "0.1.0";

function findScript() {
  if (document.currentScript) return document.currentScript;
  const scripts = document.querySelectorAll("script[src]");
  for (const s of scripts) if (/\/onduty(\.min)?\.js(\?|#|$)/.test(s.src)) return s;
  return null;
}

function boot(script) {
  if (window.OnDuty && window.OnDuty.version) return; // loaded twice: keep the first
  const config = readConfig(script, window.OnDutySettings || {});
  const host = document.createElement("onduty-chat");
  host.setAttribute("data-queue", config.queue);
  document.body.append(host);
  const widget = new Widget(host, config, css);
  const api = {
    version: VERSION,
    /** Open the chat panel. */
    open: () => widget.panel.open(),
    /** Minimize the chat panel to its launcher button. */
    close: () => widget.panel.close(),
    toggle: () => (widget.panel.isOpen ? widget.panel.close() : widget.panel.open()),
    /** Change settings before (or between) chats: {siteToken, prefill: {...}, shop: {...}, context: [...]}. */
    set: (settings) => widget.update(settings || {}),
    setSiteToken: (token) => widget.update({ siteToken: token }),
    setShop: (shop) => widget.update({ shop }),
    setContext: (context) => widget.update({ context }),
    /** What the browser measures of the voice call under way (a Promise of its audio stats, or of null). */
    callStats: () => widget.callStats(),
    /** Drop the connection; the widget reconnects and resumes the chat. */
    reconnect: () => widget.reconnect(),
  };
  window.OnDuty = api;
  window.dispatchEvent(new CustomEvent("onduty:ready", { detail: api }));
}

const script = findScript();
if (document.body) boot(script);
else document.addEventListener("DOMContentLoaded", () => boot(script), { once: true });
