// The shop's brand colour (`brandColor` / `data-brand-color`, "#2e7d32"): the launcher, the header, own messages
// and the primary buttons take it. Text on it is white or near-black, whichever reads better, and text in the
// brand colour on white is darkened until it reads at 4.5:1 (WCAG 2.1 AA), so any colour stays readable.

const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
const INK_DARK = "#1d2330";
const WHITE = "#ffffff";

/** "#abc" or "#aabbcc" -> [r, g, b]; null for anything else (names and functions are not accepted). */
export function parseHex(value) {
  const text = String(value ?? "").trim();
  if (!HEX.test(text)) return null;
  const hex = text.length === 4 ? [...text.slice(1)].map((c) => c + c).join("") : text.slice(1);
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

function toHex(rgb) {
  return `#${rgb.map((v) => Math.round(v).toString(16).padStart(2, "0")).join("")}`;
}

function luminance(rgb) {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two colours, 1 to 21. */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** {accent, ink, text} for the colour, or null when it is not a hex colour (the built-in blue stays). */
export function brandColors(value) {
  const accent = parseHex(value);
  if (!accent) return null;
  const ink = contrast(accent, parseHex(WHITE)) >= contrast(accent, parseHex(INK_DARK)) ? WHITE : INK_DARK;
  let text = accent;
  while (contrast(text, parseHex(WHITE)) < 4.5) text = text.map((v) => v * 0.9);
  return { accent: toHex(accent), ink, text: toHex(text) };
}
