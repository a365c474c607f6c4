// DOM helpers. Every string from the network or the host page becomes a text node (or an
// attribute value set with setAttribute); nothing here parses HTML.

/**
 * h("button", {class: "x", type: "button", onclick: fn}, "text", otherNode)
 * Strings among the children become text nodes; null/false children are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "text") el.textContent = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// http(s) URLs and www. addresses; trailing punctuation stays text.
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** The URLs in a text, as {start, end, href}; only http and https become links. */
export function findLinks(text) {
  const out = [];
  for (const match of text.matchAll(URL_RE)) {
    let raw = match[0];
    const trail = raw.match(TRAILING);
    if (trail && !(trail[0].startsWith(")") && raw.includes("("))) raw = raw.slice(0, -trail[0].length);
    if (!raw) continue;
    const candidate = /^www\./i.test(raw) ? `https://${raw}` : raw;
    let url;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    out.push({ start: match.index, end: match.index + raw.length, href: url.href });
  }
  return out;
}

/** A text as text nodes, with its URLs as links that open in a new tab without access to us. */
export function linkify(text) {
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const link of findLinks(text)) {
    if (link.start > at) frag.append(document.createTextNode(text.slice(at, link.start)));
    const a = document.createElement("a");
    a.href = link.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    a.textContent = text.slice(link.start, link.end);
    frag.append(a);
    at = link.end;
  }
  if (at < text.length) frag.append(document.createTextNode(text.slice(at)));
  return frag;
}

/** 999 B, 4.9 KB, 10 MB, 1.5 GB: one decimal below 10 and only when it is not 0 (binary units, as the server). */
export function formatSize(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 || value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
  return `${shown} ${units[unit]}`;
}

export function formatTime(at, lang) {
  return new Date(at * 1000).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
}

export function formatClock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
