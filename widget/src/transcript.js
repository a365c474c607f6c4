// The chat as a plain text file, built from what the widget shows (no server round trip).
import { formatSize } from "./dom.js";

function stamp(at, lang) {
  return new Date(at * 1000).toLocaleString(lang, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  });
}

/** Text of the transcript: a header, then one block per message or notice, in order. */
export function transcriptText(chat, t, lang, title) {
  const lines = [`${title} — ${t("transcriptTitle")}`];
  if (chat.agentName) lines.push(`${t("transcriptAgent")}: ${chat.agentName}`);
  lines.push(`Chat ID: ${chat.chatId}`, "");
  for (const item of chat.items) {
    if (item.notice) {
      lines.push(`[${stamp(item.at, lang)}] *** ${item.text}`);
      continue;
    }
    if (item.seq == null) continue; // never stored: not part of the chat
    const who = item.own ? t("you") : item.name;
    const body = [];
    if (item.file) body.push(`[${t("transcriptFile")}: ${item.file.name}, ${formatSize(item.file.size)}]`);
    if (item.text) body.push(item.text);
    lines.push(`[${stamp(item.at, lang)}] ${who}: ${body.join(" ")}`);
  }
  return lines.join("\n") + "\n";
}
