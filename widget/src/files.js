// Files over HTTP beside the WebSocket: upload with the chat's resume token, download with the
// same token into a blob and save it (never shown inline).

export class FileError extends Error {
  constructor(code, detail) {
    super(detail || code);
    this.code = code;
    this.detail = detail || "";
  }
}

/** POST /api/chats/{chat_id}/files; resolves to {chat_id, seq, at, file}. */
export async function uploadFile(server, chat, file, clientMsgId, caption) {
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("client_msg_id", clientMsgId);
  if (caption) form.append("caption", caption);
  const response = await fetch(`${server}/api/chats/${encodeURIComponent(chat.chatId)}/files`, {
    method: "POST",
    headers: { Authorization: `Bearer ${chat.token}` },
    body: form,
    credentials: "omit",
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) throw new FileError(body?.code || `http_${response.status}`, body?.detail || "");
  if (!body || typeof body.seq !== "number" || !body.file) throw new FileError("bad_reply", "");
  return body;
}

/** GET /api/files/{file_id} with the token, then save it under its name. */
export async function downloadFile(server, chat, ref) {
  const response = await fetch(`${server}/api/files/${encodeURIComponent(ref.file_id)}`, {
    headers: { Authorization: `Bearer ${chat.token}` },
    credentials: "omit",
  });
  if (!response.ok) throw new FileError(`http_${response.status}`, "");
  saveBlob(await response.blob(), ref.name);
}

/** Save a blob through a temporary object URL and an <a download>. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}
