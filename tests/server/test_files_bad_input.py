"""The files routes answer bad input with a typed JSON refusal, never a 500 or aiohttp's plain text."""

from __future__ import annotations

import json

import aiohttp
import pytest
from yarl import URL

from .harness import Harness
from .test_files import PDF, running_chat


async def answer(resp: aiohttp.ClientResponse) -> tuple[int, str]:
    assert resp.content_type == "application/json", (resp.status, await resp.text())
    body = json.loads(await resp.read())
    assert body["detail"]
    return resp.status, body["code"]


@pytest.mark.parametrize("caption", [b"caf\xe9", b"\xed\xa0\x80", b"nul \x00 inside"])
async def test_a_caption_that_is_not_utf8_text_is_400_invalid_value(harness: Harness, caption: bytes) -> None:
    chat_id, resume_token, _agent_token, _ = await running_chat(harness)
    assert harness.session is not None
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"order.pdf\"\r\n\r\n" + PDF
            + b"\r\n--b\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n" + caption + b"\r\n--b--\r\n")
    async with harness.session.post(harness.url(f"/api/chats/{chat_id}/files"), data=body,
                                    headers={"Authorization": f"Bearer {resume_token}",
                                             "Content-Type": "multipart/form-data; boundary=b"}) as resp:
        assert await answer(resp) == (400, "invalid_value")
    assert not list(harness.config.files_dir.glob("*"))  # nothing kept of a refused upload


async def test_bad_ids_unknown_routes_and_preflights_are_json(harness: Harness) -> None:
    _chat_id, _resume, agent_token, _ = await running_chat(harness)
    assert harness.session is not None and harness.server is not None
    auth = {"Authorization": f"Bearer {agent_token}"}
    for method, path, headers, expected in [
        ("GET", "/api/files/%00", auth, (400, "invalid_value")),
        ("POST", "/api/chats/%00/files", auth, (400, "invalid_value")),
        ("GET", "/api/files/nope", auth, (404, "unknown_chat")),
        ("GET", "/api/chats/x/files", auth, (405, "method_not_allowed")),
        ("GET", "/api/chats/x/files/y", auth, (404, "unknown_route")),
        ("OPTIONS", "/api/files/x", {"Origin": "https://evil.example.net"}, (403, "origin_not_allowed")),
    ]:
        url = harness.server.make_url(URL(path, encoded=True))
        async with harness.session.request(method, url, headers=headers) as resp:
            assert await answer(resp) == expected, (method, path)
