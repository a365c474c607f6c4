"""Who may do what beyond answering chats: the staff roles and the rule that checks them (pure).

An ``agent`` answers the chats of its queues. A ``supervisor`` also watches the queues it
supervises (the console, monitor and whisper, reports of those queues). An ``admin`` supervises
every queue. The server asks :func:`may_supervise` on every supervisor request.
"""

from __future__ import annotations

from collections.abc import Iterable

from onduty.shared.types import StaffRole

__all__ = ["StaffRole", "check_role", "is_supervisor", "may_supervise", "supervised"]


def check_role(role: StaffRole, supervises: Iterable[str]) -> tuple[str, ...]:
    """The supervised queues to store for ``role`` (in order, without repeats), or ValueError:
    a supervisor supervises at least one queue; an agent or an admin names none (an admin has all)."""
    queues = tuple(dict.fromkeys(supervises))
    if role is StaffRole.SUPERVISOR and not queues:
        raise ValueError("a supervisor needs at least one queue to supervise")
    if role is not StaffRole.SUPERVISOR and queues:
        raise ValueError(f"only a supervisor supervises named queues (an {role.value} "
                         + ("supervises every queue)" if role is StaffRole.ADMIN else "supervises none)"))
    return queues


def may_supervise(role: StaffRole, supervises: Iterable[str], queue: str) -> bool:
    """True if someone with ``role`` supervising ``supervises`` may watch ``queue``."""
    return role is StaffRole.ADMIN or (role is StaffRole.SUPERVISOR and queue in supervises)


def supervised(role: StaffRole, supervises: Iterable[str], queues: Iterable[str]) -> list[str]:
    """Those of ``queues`` this role may watch, in the order given."""
    mine = set(supervises)
    return [q for q in queues if role is StaffRole.ADMIN or (role is StaffRole.SUPERVISOR and q in mine)]


def is_supervisor(role: StaffRole) -> bool:
    """Supervisors and admins may open the console."""
    return role is not StaffRole.AGENT
