// What the server accepts from the requestor (welcome.limits, protocol 3) and the checks against it, each with
// the reason to show: a message is never cut and a file that would be refused is never sent. Until the first
// welcome the text limit is the schema's (the same number); files are only sent once connected.
import { formatSize } from "./dom.js";
import { LIMITS, chars } from "./protocol.js";

const NEAR = 0.9; // the counter shows from 90 % of the limit

export class Limits {
  constructor() {
    this.maxText = LIMITS.text;
    this.maxFileBytes = null;
    this.fileTypes = null;
  }

  /** Take the server's limits from a `welcome` (an older server sends none: keep what we have). */
  update(welcome) {
    const l = welcome.limits;
    if (!l) return;
    this.maxText = l.max_text;
    this.maxFileBytes = l.max_file_bytes;
    this.fileTypes = l.file_types;
  }

  /** The counter under the input: null far from the limit, else {text, over}. */
  count(t, text, lang) {
    const n = chars(text);
    if (n < this.maxText * NEAR) return null;
    const num = (v) => v.toLocaleString(lang);
    return { text: t("count", { n: num(n), max: num(this.maxText) }), over: n > this.maxText };
  }

  /** Why `text` cannot be sent (too long), or null. */
  textRefusal(t, text, lang) {
    const over = chars(text) - this.maxText;
    if (over <= 0) return null;
    return t("tooLong", { over: over.toLocaleString(lang), max: this.maxText.toLocaleString(lang) });
  }

  /** Why `file` would be refused by the server (size or type), or null. */
  fileRefusal(t, file) {
    if (this.maxFileBytes != null && file.size > this.maxFileBytes) {
      return t("fileTooBig", { name: file.name, size: formatSize(file.size), max: formatSize(this.maxFileBytes) });
    }
    if (this.fileTypes) {
      const dot = file.name.lastIndexOf(".");
      const ext = dot > 0 ? file.name.slice(dot).toLowerCase() : "";
      if (!this.fileTypes.includes(ext)) {
        return t(ext ? "fileType" : "fileNoType", { name: file.name, ext, types: this.fileTypes.join(" ") });
      }
    }
    return null;
  }
}
