"""A `source:` as the definitions write it and the pages link it: `[id, id] text`, or
`assumption: why` / `derived: how` for a source that cites nothing. Read by the definitions'
checks (`definitions.sources`, which re-exports these) and by the pages' `cite` filter, which
import nothing else of the definitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REFERENCE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
"""A reference id: lowercase words and numbers joined by hyphens (`ndrc-2013-1638`), at
most `MAX_ID` characters."""
MAX_ID = 64
KINDS = ("assumption:", "derived:")
"""What a source that cites nothing must begin with."""


@dataclass(frozen=True)
class Citation:
    """A `source:` read: the ids it cites and what it says after them."""

    refs: tuple[str, ...]
    text: str


_CITES = re.compile(r"^\[([^\[\]]*)\]\s*(.*)$", re.S)


def parse_source(text: str) -> Citation:
    """`"[a, b] says"` -> Citation(("a", "b"), "says"); `"assumption: why"` and
    `"derived: how"` -> no refs. ValueError (the message for the user) otherwise."""
    text = text.strip()
    cites = _CITES.match(text)
    if cites is None:
        if text.startswith(KINDS):
            return Citation((), text)
        raise ValueError(
            "cites no reference: begin with [id] of an entry of sources.yaml, or say "
            "'assumption: <why>' or 'derived: <how>' (got " + _shown(text) + ")"
        )
    refs = tuple(part.strip() for part in cites.group(1).split(","))
    for ref in refs:
        if len(ref) > MAX_ID or not REFERENCE_ID.match(ref):
            raise ValueError(
                f"{_shown(ref)} is not a reference id: a citation is [id] or [id, id], each id"
                " lowercase words and numbers joined by hyphens (ndrc-2013-1638)"
            )
    return Citation(refs, cites.group(2))


def _shown(text: str) -> str:
    """A text as an error message quotes it: repr, cut at 40 characters."""
    return repr(text if len(text) <= 40 else text[:37] + "...")
