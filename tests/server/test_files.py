"""Files in chats: uploaded over HTTP, delivered in order as messages, downloaded as attachments."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from onduty.shared.messages import AgentJoined, ChatAssigned, ChatEnded, ChatMessage, EndChat, LoginOk
from onduty.shared.types import Role

from .conftest import agent_on_duty, request
from .harness import Harness

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40


async def upload(h: Harness, chat_id: str, token: str, name: str, data: bytes, **fields: str) -> aiohttp.ClientResponse:
    assert h.session is not None
    form = aiohttp.FormData(quote_fields=False)
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return await h.session.post(h.url(f"/api/chats/{chat_id}/files"), data=form,
                                headers={"Authorization": f"Bearer {token}"})


async def download(h: Harness, file_id: str, token: str | None) -> aiohttp.ClientResponse:
    assert h.session is not None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await h.session.get(h.url(f"/api/files/{file_id}"), headers=headers)


async def running_chat(h: Harness) -> tuple[str, str, str, LoginOk]:
    ann, ok = await agent_on_duty(h, "ann")
    rita, requested = await request(h)
    await rita.expect(AgentJoined)
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    h.pair = (ann, rita)  # type: ignore[attr-defined]
    return requested.chat_id, requested.resume_token, ok.token, ok


async def test_requestor_sends_a_file_the_agent_gets_it_in_order_and_downloads_it(harness: Harness) -> None:
    chat_id, resume_token, agent_token, _ = await running_chat(harness)
    ann, _rita = harness.pair  # type: ignore[attr-defined]
    async with await upload(harness, chat_id, resume_token, "../../order 42.pdf", PDF,
                            caption="my invoice", client_msg_id="f1") as resp:
        assert resp.status == 200, await resp.text()
        answer = await resp.json()
    assert answer["seq"] == 2
    assert answer["file"]["name"] == "order 42.pdf"  # no folders from the client's name
    assert (answer["file"]["size"], answer["file"]["content_type"]) == (len(PDF), "application/pdf")

    message = await ann.expect(ChatMessage)
    assert (message.seq, message.sender, message.text) == (2, Role.REQUESTOR, "my invoice")
    assert message.file is not None and message.file.file_id == answer["file"]["file_id"]

    async with await download(harness, message.file.file_id, agent_token) as resp:
        assert resp.status == 200
        assert await resp.read() == PDF
        assert resp.headers["Content-Type"] == "application/octet-stream"  # never rendered inline
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    stored = list((harness.config.data_dir / "files").iterdir())
    assert [p.name for p in stored] == [message.file.file_id]


async def test_agent_sends_a_file_the_requestor_downloads_it_with_its_resume_token(harness: Harness) -> None:
    chat_id, resume_token, agent_token, _ = await running_chat(harness)
    _ann, rita = harness.pair  # type: ignore[attr-defined]
    async with await upload(harness, chat_id, agent_token, "steps.txt", b"1. click\n2. save\n") as resp:
        assert resp.status == 200
    message = await rita.expect(ChatMessage)
    assert message.sender is Role.AGENT and message.file is not None
    async with await download(harness, message.file.file_id, resume_token) as resp:
        assert await resp.read() == b"1. click\n2. save\n"
    async with await download(harness, message.file.file_id, "someone-elses-token") as resp:
        assert resp.status == 403
    async with await download(harness, message.file.file_id, None) as resp:
        assert resp.status == 401
        assert (await resp.json())["code"] == "not_authenticated"


async def test_a_resent_upload_is_stored_once(harness: Harness) -> None:
    chat_id, resume_token, _, _ = await running_chat(harness)
    for _ in range(2):
        async with await upload(harness, chat_id, resume_token, "a.txt", b"same", client_msg_id="f1") as resp:
            assert (await resp.json())["seq"] == 2
    assert [m.seq for m in await harness.shell.store.messages_after(chat_id, 0)] == [1, 2]
    assert len(list((harness.config.data_dir / "files").iterdir())) == 1


async def test_wrong_types_oversized_files_and_ended_chats_are_refused(tmp_path: Path) -> None:
    h = Harness(tmp_path / "data", max_file_bytes=1000)
    await h.seed()
    await h.start()
    try:
        chat_id, resume_token, _, _ = await running_chat(h)
        _ann, rita = h.pair  # type: ignore[attr-defined]
        for name, data, status in [("evil.exe", b"MZ", 415), ("big.txt", b"x" * 1001, 413), ("noext", b"x", 415)]:
            async with await upload(h, chat_id, resume_token, name, data) as resp:
                assert resp.status == status, name
                body = await resp.json()
                assert body["code"] == "file_rejected"
                if status == 413:
                    assert body["detail"] == "files may be at most 1000 B"  # in units people read
        await rita.send(EndChat(chat_id=chat_id))
        await rita.expect(ChatEnded)
        async with await upload(h, chat_id, resume_token, "late.txt", b"x") as resp:
            assert resp.status == 409
        assert [m.seq for m in await h.shell.store.messages_after(chat_id, 0)] == [1]
        assert list((h.config.data_dir / "files").iterdir()) == []
    finally:
        await h.close()


async def test_a_file_whose_bytes_are_gone_from_the_folder_is_a_typed_404(harness: Harness) -> None:
    chat_id, resume_token, agent_token, _ = await running_chat(harness)
    async with await upload(harness, chat_id, resume_token, "a.txt", b"gone soon") as resp:
        file_id = (await resp.json())["file"]["file_id"]
    (harness.config.data_dir / "files" / file_id).unlink()  # e.g. a restore that missed the files folder
    async with await download(harness, file_id, agent_token) as resp:
        assert resp.status == 404
        assert await resp.json() == {"code": "unknown_chat", "detail": "the file is no longer on the server"}


async def test_cross_origin_calls_are_allowed_only_for_listed_origins(tmp_path: Path) -> None:
    h = Harness(tmp_path / "data", allowed_origins=("https://shop.example.com",))
    await h.seed()
    await h.start()
    try:
        assert h.session is not None
        url = h.url("/api/chats/x/files")
        async with h.session.options(url, headers={"Origin": "https://shop.example.com"}) as resp:
            assert resp.status == 204
            assert resp.headers["Access-Control-Allow-Origin"] == "https://shop.example.com"
            assert "Authorization" in resp.headers["Access-Control-Allow-Headers"]
        async with h.session.options(url, headers={"Origin": "https://evil.example.net"}) as resp:
            assert resp.status == 403
            assert "Access-Control-Allow-Origin" not in resp.headers
    finally:
        await h.close()
