"""Mail to customers: the outbox without SMTP, a reported failure when the SMTP server is unreachable."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from pathlib import Path

from onduty.server.config import ServerConfig
from onduty.server.shell.mailer import Mail, Mailer, MailStatus, public_base

T = 1_800_000_000.0


async def test_without_smtp_the_mail_is_an_eml_file_in_the_outbox(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path, smtp_from="Support <support@example.com>")
    status = await Mailer(config).send(Mail("rita@example.com", "Case 1: Order", "Hello Rita,\nlink"), T)
    assert status is MailStatus.OUTBOX
    [path] = list(config.outbox_dir.iterdir())
    assert path.name.startswith(f"{int(T)}-") and path.suffix == ".eml"
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert (msg["To"], msg["From"], msg["Subject"]) == ("rita@example.com", "Support <support@example.com>",
                                                        "Case 1: Order")
    assert msg.get_content().startswith("Hello Rita,\nlink")  # type: ignore[attr-defined]


async def test_an_unreachable_smtp_server_is_reported_not_raised(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = ServerConfig(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port)
    assert await Mailer(config).send(Mail("rita@example.com", "s", "t"), T) is MailStatus.FAILED
    assert not config.outbox_dir.exists()


def test_public_base() -> None:
    assert public_base(ServerConfig(public_url="https://chat.example.com/")) == "https://chat.example.com"
    assert public_base(ServerConfig(host="127.0.0.1", port=8765)) == "http://127.0.0.1:8765"


async def test_an_address_with_a_line_break_is_refused_not_injected(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path)
    mail = Mail("rita@example.com\nBcc: all@example.com", "Case 1", "text")
    assert await Mailer(config).send(mail, T) is MailStatus.FAILED
    assert not config.outbox_dir.exists()
