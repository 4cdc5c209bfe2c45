"""Read one YAML file strictly: UTF-8, safe loader, no duplicate keys, positions kept.

`read_yaml(path, display)` returns a `YamlDocument`: the plain Python data (dicts, lists,
str, int, float, bool, None) and the 1-based line of every key and list item, keyed by
its dotted path (`budget.lines[3].market_wan_yuan`), so that later error messages can
say where a value was written. Anything that stops the file from being read (missing,
not UTF-8, empty, a syntax error, duplicate keys) raises `DefinitionError`, whose
problems name `display`, the path as the user wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from xlfinance.errors import DefinitionError, Problem

try:  # the C loader is much faster; the pure-Python one behaves the same
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_TAG = "tag:yaml.org,2002:bool"


class StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader (C when available); duplicate keys are checked by `read_yaml`."""


@dataclass(frozen=True)
class YamlDocument:
    """The data of one YAML file and where each value was written."""

    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        """Line of `path`, or of its nearest enclosing key or item when it was not written."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = parent_path(path)


_LAST_STEP = re.compile(r"(\.[^.\[\]]*|\[\d+\])$")


def parent_path(path: str) -> str:
    """`a.b[2].c` -> `a.b[2]` -> `a.b` -> `a` -> ``."""
    shorter = _LAST_STEP.sub("", path)
    return "" if shorter == path else shorter


def join_path(path: str, step: str | int) -> str:
    """Append a key (`.key`) or a list index (`[i]`) to a dotted path."""
    if isinstance(step, int):
        return f"{path}[{step}]"
    return f"{path}.{step}" if path else str(step)


def read_yaml(path: Path, display: str) -> YamlDocument:
    """Read `path` as strict YAML; every problem names `display`.

    Raises `DefinitionError` for a missing or unreadable file, a file that is not UTF-8,
    an empty file (or one holding only comments), a YAML syntax error (with its line and
    column, both 1-based) and duplicate keys (with both lines).
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DefinitionError([Problem(display, "", "file not found")]) from None
    except IsADirectoryError:
        raise DefinitionError([Problem(display, "", "is a folder, expected a file")]) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DefinitionError([Problem(display, "", f"cannot read file: {reason}")]) from None
    return parse_yaml(raw, display)


def parse_yaml(raw: bytes, display: str) -> YamlDocument:
    """Parse the bytes of one YAML file; see `read_yaml`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        message = (
            f"not valid UTF-8: byte 0x{bad} at byte offset {exc.start} (line {line});"
            " save the file as UTF-8"
        )
        raise DefinitionError([Problem(display, "", message)]) from None

    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise DefinitionError([Problem(display, "", "file is empty (or holds only comments)")])
        lines: dict[str, int] = {}
        problems: list[Problem] = []
        _walk(node, "", lines, problems, display, set())
        if problems:
            raise DefinitionError(problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise DefinitionError([Problem(display, "", _syntax_message(exc))]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - errors without a position are rare
        raise DefinitionError([Problem(display, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    return YamlDocument(data=data, lines=lines)


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem:
        what = f"{exc.problem} ({exc.context})"
    if mark is None:  # pragma: no cover
        return f"YAML syntax error: {what}"
    return f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {what}"


def _walk(
    node: yaml.Node,
    path: str,
    lines: dict[str, int],
    problems: list[Problem],
    display: str,
    active: set[int],
) -> None:
    """Record the line of every key and item under `node`; collect duplicate keys and
    keys YAML reads as booleans (`no:`, `yes:`, `on:`, `off:`)."""
    if id(node) in active:  # a recursive alias: nothing new below
        return
    active.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if isinstance(key_node, yaml.ScalarNode):
                key = (key_node.tag, key_node.value)
                child = join_path(path, key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    problems.append(
                        Problem(
                            display,
                            child,
                            f"duplicate key '{key_node.value}' (lines {seen[key]} and {line})",
                        )
                    )
                    continue
                seen[key] = line
                if key_node.tag == _BOOL_TAG:
                    problems.append(
                        Problem(
                            display,
                            child,
                            f"key '{key_node.value}' is read by YAML as true/false:"
                            " quote it or use another name",
                            line,
                        )
                    )
                lines.setdefault(child, line)
                _walk(value_node, child, lines, problems, display, active)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = join_path(path, index)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, problems, display, active)
    active.discard(id(node))
