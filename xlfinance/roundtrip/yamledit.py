"""Scalars of a YAML file replaced in its text, everything else kept byte for byte.

ruamel.yaml composes the file and gives each node its start and end in the text; a changed
value is spliced in at exactly that span, so comments, key order, quoting, blank lines and
line ends of every other line stay as they were (a whole-document dump would respell
`null`, re-wrap long lines and change indentation). A field's `source` missing beside its
`value` is added as a line of its own below it, at the same indentation.

What is written is data, never structure: a number is written as a YAML float or integer
that reads back as exactly that number, a text always as a double-quoted scalar with every
character outside printable ASCII-safe text escaped (`"\\n"`, `"\\""`, `"\\u202e"`), so no
text can become a tag, a mapping, an alias or a second line. `splice` then parses the new
text with the loader's own (PyYAML safe) reading and checks that it gives the old data
with the new values and nothing else changed.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]
"""A field's place in a document: mapping keys and list indices (`("closes", 0, "year")`)."""


class EditError(ValueError):
    """A value cannot be written where asked; the message says why."""


@dataclass(frozen=True)
class Edit:
    """Set the scalar at `path` to `value` (a number or a text)."""

    path: Path
    value: float | int | str


def number_text(value: float | int, integer: bool) -> str:
    """`value` as YAML that reads back (YAML 1.1, PyYAML) as exactly `value`: an integer
    when `integer` and the value is whole, else a float with a point (`1.0e-05`, since
    PyYAML reads `1e-05` as text)."""
    if isinstance(value, bool) or not math.isfinite(value):
        raise EditError(f"{value!r} is not a finite number")
    if integer and float(value).is_integer():
        return str(int(value))
    text = repr(float(value))
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + (e + exponent if e else "")


def quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar: backslash, quote and every character that is
    not printable (controls, line and paragraph separators, bidirectional marks) escaped."""
    out = ['"']
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch.isprintable() and ch not in "\u2028\u2029\ufeff":
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def compose(text: str) -> Node:
    """The node tree of a document, with positions."""
    node: Node | None = YAML(typ="rt").compose(text)
    if node is None:
        raise EditError("the file holds no document")
    return node


def node_at(root: Node, path: Path) -> Node | None:
    """The node at `path`, or None when a key or index is missing."""
    node = root
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, SequenceNode) or not 0 <= step < len(node.value):
                return None
            node = node.value[step]
        else:
            if not isinstance(node, MappingNode):
                return None
            found = [v for k, v in node.value if isinstance(k, ScalarNode) and k.value == step]
            if len(found) != 1:
                return None
            node = found[0]
    return node


def _replacement(root: Node, text: str, edit: Edit) -> tuple[int, int, str]:
    """(start, end, new text) of one edit."""
    node = node_at(root, edit.path)
    if node is None:
        return _inserted(root, text, edit)
    if not isinstance(node, ScalarNode):
        raise EditError("holds a list or a mapping, not a single value")
    if getattr(node, "anchor", None) is not None or text[node.start_mark.index] in "&*":
        raise EditError("is an anchor or alias (other fields share it); edit it in the file")
    start, end = node.start_mark.index, node.end_mark.index
    if isinstance(edit.value, str):
        new = quoted(edit.value)
    else:
        old = yaml.safe_load(text[start:end] or "null")
        integer = isinstance(old, int) and not isinstance(old, bool)
        new = number_text(edit.value, integer)
    if node.style in ("|", ">"):  # a block scalar's span runs to the end of its last line
        new += text[start:end][len(text[start:end].rstrip("\n")) :]
    return start, end, new


def _inserted(root: Node, text: str, edit: Edit) -> tuple[int, int, str]:
    """A `source` added below its field's `value`, at the same indentation."""
    *parent, key = edit.path
    mapping = node_at(root, tuple(parent))
    value = node_at(root, (*parent, "value"))
    if key != "source" or not isinstance(mapping, MappingNode) or value is None:
        raise EditError("is not written in the file")
    if mapping.flow_style:
        raise EditError("is a one-line mapping ({value: ...}); write its source in the file")
    keys = [k for k, _ in mapping.value if k.value == "value"]
    indent = keys[0].start_mark.column
    line_end = text.find("\n", value.end_mark.index)
    line_end = len(text) if line_end < 0 else line_end
    newline = "\r\n" if text[line_end - 1 : line_end] == "\r" else "\n"
    if newline == "\r\n":
        line_end -= 1
    new = f"{newline}{' ' * indent}source: {quoted(str(edit.value))}"
    return line_end, line_end, new


def _set(data: Any, path: Path, value: Any) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


def splice(text: str, edits: list[Edit]) -> str:
    """`text` with each edit made; EditError naming the field when one cannot be."""
    root = compose(text)
    spans = []
    for edit in edits:
        try:
            spans.append(_replacement(root, text, edit))
        except EditError as exc:
            raise EditError(f"{_dotted(edit.path)}: {exc}") from None
    spans.sort()
    for (_, end, _), (start, _, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise EditError("two edits overlap")
    out, at = [], 0
    for start, end, new in spans:
        out += [text[at:start], new]
        at = end
    out.append(text[at:])
    result = "".join(out)
    want = copy.deepcopy(yaml.safe_load(text))
    for edit in edits:
        _set(want, edit.path, edit.value)
    if yaml.safe_load(result) != want:
        raise EditError("the edited file would not read back as the values written")
    return result


def _dotted(path: Path) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


dotted = _dotted
