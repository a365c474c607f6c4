"""A business context as people read it: the item's heading, its brief line and its labelled fields.

Labels come from the one definition of the context fields (``onduty.shared.context_fields``), so the agent
reads "Catalog area: Camping/Tents" where the wire says ``catalog_hierarchy_area``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from onduty.shared.context_fields import field_label, field_value, is_brief, kind_label, kinds
from onduty.shared.types import BusinessContext

BRIEF_CHARS = 90
"""A brief line longer than this is cut with an ellipsis (the whole item is in the details)."""


def context_line(context: BusinessContext) -> str:
    """``Incident 4711: Printer on fire``: the kind's label, the id and the title."""
    head = f"{kind_label(context.kind)} {context.id}".strip()
    return f"{head}: {context.title}" if context.title else head


def fields(context: BusinessContext) -> list[tuple[str, str]]:
    """(label, value) of every field: the defined ones in the definition's order, then the others by key."""
    known = kinds().get(context.kind)
    order = {f.key: i for i, f in enumerate(known.fields)} if known is not None else {}
    keys = sorted(context.fields, key=lambda k: (order.get(k, len(order)), k))
    return [(field_label(context.kind, k), field_value(context.kind, k, context.fields[k])) for k in keys]


def brief(context: BusinessContext) -> str:
    """One line for the folded card: the heading and the fields marked brief."""
    extra = [f"{field_label(context.kind, k)} {field_value(context.kind, k, v)}"
             for k, v in context.fields.items() if is_brief(context.kind, k)]
    line = " · ".join([context_line(context), *extra])
    return line if len(line) <= BRIEF_CHARS else line[:BRIEF_CHARS - 1] + "…"


def details_html(items: Sequence[BusinessContext]) -> str:
    """Every item with its labelled fields, as a table (for Qt's rich text)."""
    rows = []
    for context in items:
        head = html.escape(context_line(context))
        rows.append(f"<tr><td colspan='2' style='padding-top:4px'><b>{head}</b></td></tr>")
        rows += [f"<tr><td style='color:#5f6368; padding-right:10px'>{html.escape(label)}</td>"
                 f"<td>{html.escape(value)}</td></tr>" for label, value in fields(context)]
    return f"<table cellspacing='0' cellpadding='1'>{''.join(rows)}</table>"
