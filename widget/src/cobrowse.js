// Co-browsing's foot in onduty.js: everything else (the buttons, the banner, the pointer: cobrowse-ui.js; rrweb's
// recorder: cobrowse-record.js) loads from the server only when a chat has an agent or co-browsing starts, so the
// widget's first load stays as it was. Calls made before cobrowse-ui.js arrived are passed on in order.
import { loadScript } from "./lazy.js";

export class Cobrowse {
  /**
   * @param {{server: string, lang: string, privateSelectors: string[], enabled: boolean}} options
   * @param {{write: (m: object) => boolean, chatId: () => string | null, buffered: () => number}} io
   */
  constructor(options, io) {
    this.options = options;
    this.io = io;
    this.ui = null;
    this.pending = null;
  }

  when(call) {
    if (this.ui) return call(this.ui);
    if (!this.pending) {
      this.pending = loadScript(this.options.server, "cobrowse-ui.js", "OnDutyCobrowseUi")
        .then((lib) => {
          this.ui = new lib.Cobrowse(this.options, this.io);
          return this.ui;
        })
        .catch((err) => {
          this.pending = null;
          console.warn("onduty: co-browsing is not available:", err.message);
          return null;
        });
    }
    this.pending = this.pending.then((ui) => (ui && call(ui), ui));
    return undefined;
  }

  /** An agent is in the chat (or none: null). */
  setAgent(name) {
    if (!this.options.enabled) return;
    if (name || this.ui) this.when((ui) => ui.setAgent(name));
  }

  /** cobrowse_update, cobrowse_snapshot, cobrowse_point. */
  message(m) {
    if (this.options.enabled || m.t === "cobrowse_update") this.when((ui) => ui.message(m));
  }

  failed(m) {
    if (this.ui) this.ui.failed(m);
  }

  reset() {
    if (this.ui) this.ui.reset();
  }

  reconnected() {
    if (this.ui) this.ui.reconnected();
  }
}
