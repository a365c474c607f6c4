// cobrowse-record.js: loaded by the widget only when co-browsing starts (so the widget's first load does not grow).
// Records the page with rrweb and masks private fields at record time, in this browser: their values and texts
// never reach the recording, so they never leave the page. What is private (docs/widget.md):
//   input[type=password], autocomplete cc-number / cc-csc / cc-exp*, [data-onduty-private] (and everything inside),
//   and the site's own selectors (OnDutySettings.cobrowse.private or data-cobrowse-private on the script tag).
// The widget itself (<onduty-chat>, <onduty-cobrowse>) is never recorded.
import { record } from "rrweb";

export const MASK = "••••";
const BUILT_IN = [
  'input[type="password" i]', '[autocomplete~="cc-number" i]', '[autocomplete~="cc-csc" i]',
  '[autocomplete~="cc-exp" i]', '[autocomplete~="cc-exp-month" i]', '[autocomplete~="cc-exp-year" i]',
  "[data-onduty-private]", "[data-onduty-private] *",
];
const WIDGET = "onduty-chat, onduty-cobrowse";
const FLUSH_MS = 40;
const CHECK_MIN = 6;

/** A selector list, every part checked (a broken site selector is left out with a warning, not fatal). */
export function privateSelector(extra) {
  const parts = [...BUILT_IN];
  for (const s of extra || []) {
    try {
      document.createDocumentFragment().querySelector(`:is(${s})`);
      parts.push(`:is(${s})`, `:is(${s}) *`);
    } catch {
      console.warn("onduty: ignored co-browse private selector:", s);
    }
  }
  return parts.join(", ");
}

function isPrivate(el, selector) {
  return !!el && el.nodeType === 1 && el.matches(selector);
}

/**
 * The values in private fields now, as they would appear inside JSON: a last check that none of them is in a batch
 * about to leave. Short values (a 3-digit security code) are left out of this check: they turn up in any recording
 * by chance (a coordinate, a timestamp); the masking above is what keeps them in the page.
 */
function privateValues(selector) {
  const values = new Set();
  for (const el of document.querySelectorAll(selector)) {
    const raw = "value" in el ? String(el.value || "") : el.children.length ? "" : String(el.textContent || "");
    for (const v of [raw.trim(), raw.replace(/\s+/g, "")]) {
      if (v.length >= CHECK_MIN) values.add(JSON.stringify(v).slice(1, -1));
    }
  }
  return [...values];
}

/**
 * Start recording. emit(json, full) gets each batch: a JSON array of rrweb events, full when it begins with a
 * full snapshot. Returns {stop(), snapshot()}.
 */
export function start({ privateSelectors, emit }) {
  const selector = privateSelector(privateSelectors);
  let queue = [];
  let full = false;
  let timer = null;

  const flush = () => {
    timer = null;
    if (!queue.length) return;
    const events = queue;
    const wasFull = full;
    queue = [];
    full = false;
    const json = JSON.stringify(events);
    const leaked = privateValues(selector).some((v) => json.includes(v));
    if (leaked) {
      // never expected (masking happens at record time); if a page finds a way, the batch stays here, and the
      // agent's view starts over from a new full snapshot (which is checked the same way)
      console.warn("onduty: a co-browse batch held a private value and was not sent");
      if (!wasFull) setTimeout(() => record.takeFullSnapshot(true), 0);
      return;
    }
    emit(json, wasFull);
  };

  const stopRecording = record({
    emit(event) {
      if (event.type === 2 || event.type === 4) {
        if (event.type === 4 && queue.length) flush();
        full = true;
      }
      queue.push(event);
      if (!timer) timer = setTimeout(flush, event.type === 2 ? 0 : FLUSH_MS);
    },
    blockSelector: WIDGET,
    maskAllInputs: true, // every input goes through maskInputFn, which keeps what is not private
    maskInputFn: (text, el) => (isPrivate(el, selector) ? MASK : text),
    maskTextSelector: selector,
    maskTextFn: () => MASK,
    inlineStylesheet: true,
    recordCanvas: false,
    collectFonts: false,
    sampling: { mousemove: 50, scroll: 50 },
    slimDOMOptions: { script: true, comment: true, headFavicon: true, headMetaSocial: true, headMetaRobots: true },
  });
  return {
    stop() {
      if (stopRecording) stopRecording();
      clearTimeout(timer);
      queue = [];
    },
    snapshot() {
      record.takeFullSnapshot(true);
    },
  };
}

window.OnDutyCobrowseRecorder = { start };
window.dispatchEvent(new CustomEvent("onduty:cobrowse-recorder"));
