"""Read one YAML file strictly: UTF-8, safe loader, no duplicate keys, positions kept.

`read_yaml(path, display)` returns a `YamlDocument`: the plain Python data (dicts, lists,
str, int, float, bool, None) and the 1-based line of every key and list item, keyed by
its dotted path (`budget.lines[3].market_wan_yuan`), so that later error messages can
say where a value was written. Anything that stops the file from being read (missing,
not UTF-8, empty, a syntax error, duplicate keys) raises `DefinitionError`, whose
problems name `display`, the path as the user wrote it.

A definition file may come from anyone, so reading it is bounded (README, "Limits"):

- only a regular file is opened, and only after `os.stat` says so: a FIFO, a device, a
  socket, a folder or a symbolic link loop is refused by name, never opened, so nothing
  can block or stream for ever; a file over `MAX_FILE_BYTES` is refused unread;
- YAML aliases are allowed, but the document is counted as it is composed, each alias
  counting everything it repeats: more than `MAX_NODES` nodes or `MAX_TEXT_CHARS`
  characters of text after expansion, nesting deeper than `MAX_DEPTH`, or an alias inside
  the node it names (a recursive alias) stops the reading at once, before anything is
  built (a "billion laughs" file is refused in milliseconds);
- a control character (C0 other than tab and newline, DEL, C1) or a bidirectional
  override (U+202A-U+202E, U+2066-U+2069) in any key or text is refused with the field
  and line, whether typed raw or written as an escape (`"\\e[31m"`);
- a value YAML cannot turn into data (a date such as 2015-13-45, an integer of thousands
  of digits) is a problem with its line, not a crash.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, Event, ScalarEvent
from yaml.resolver import Resolver

from xlfinance.errors import DefinitionError, Problem

MAX_FILE_BYTES = 1024 * 1024
"""Largest definition file read (1 MiB); Xiaolan's largest, programme.yaml, is 29 KB."""
MAX_NODES = 100_000
"""Most YAML nodes (mappings, lists, scalars) in one file, aliases expanded."""
MAX_TEXT_CHARS = 4 * 1024 * 1024
"""Most characters of keys and values in one file, aliases expanded."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists in one file."""

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters refused in any key or text: C0 controls but tab and newline, DEL, C1
controls, and the bidirectional embeddings, overrides and isolates."""
_RAW_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]"
)
"""The same, typed raw in a file, less the carriage return of a CR LF line end, plus the
non-characters YAML refuses. NEL (U+0085), which YAML 1.1 reads as a line break, is
refused as the C1 control it is."""
_STAND_IN = "\ufffd"
"""Put in place of a raw refused character, so that the rest of the file can be read to
find the field it is in."""

try:  # the C parser is much faster; the pure-Python one behaves the same
    from yaml._yaml import CParser as _Parser  # what yaml.cyaml's loaders are built on
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)


_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_TAG = "tag:yaml.org,2002:bool"


class LimitError(yaml.MarkedYAMLError):
    """A document over one of the bounds above; raised while it is composed."""


class _BoundedComposer(Composer):
    """PyYAML's composer, counting the document as it goes.

    Each new node counts 1 (and a scalar its characters); an alias counts the whole of
    the node it names, measured when that node was finished. So the running count is
    the size of the document with every alias expanded, known before anything is built.
    """

    if TYPE_CHECKING:  # the parser mixed in with it (StrictLoader) gives the events

        def peek_event(self) -> Event: ...

    def compose_document(self) -> Any:
        self._nodes = 0
        self._chars = 0
        self._depth = 0
        self._sizes: dict[int, tuple[int, int]] = {}
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None:
                size = self._sizes.get(id(target))
                if size is None:
                    raise LimitError(
                        None,
                        None,
                        f"recursive alias *{event.anchor}: it refers to a node that contains"
                        " it (refused: its expansion has no end)",
                        event.start_mark,  # type: ignore[arg-type]  # a C parser's mark is a yaml._yaml.Mark, which PyYAML's errors take and types-PyYAML's leave out
                    )
                self._count(size[0], size[1], event)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise LimitError(
                None,
                None,
                f"nested more than {MAX_DEPTH:,} levels deep: refused",
                event.start_mark,  # type: ignore[arg-type]  # a C parser's mark is a yaml._yaml.Mark, which PyYAML's errors take and types-PyYAML's leave out
            )
        nodes, chars = self._nodes, self._chars
        value = event.value if isinstance(event, ScalarEvent) else ""
        self._count(1, len(value), event)
        node = super().compose_node(parent, index)
        self._sizes[id(node)] = (self._nodes - nodes, self._chars - chars)
        self._depth -= 1
        return node

    def _count(self, nodes: int, chars: int, event: Any) -> None:
        self._nodes += nodes
        self._chars += chars
        if self._nodes > MAX_NODES:
            raise LimitError(
                None,
                None,
                f"more than {MAX_NODES:,} YAML nodes once its aliases are expanded: refused",
                event.start_mark,
            )
        if self._chars > MAX_TEXT_CHARS:
            raise LimitError(
                None,
                None,
                f"more than {MAX_TEXT_CHARS:,} characters of text once its aliases are"
                " expanded: refused",
                event.start_mark,
            )


class _ValueError(yaml.MarkedYAMLError):
    """A scalar YAML could not turn into a value (a date that does not exist)."""


class StrictLoader(_BoundedComposer, _Parser, SafeConstructor, Resolver):
    """PyYAML's safe loader (C parser when available) with a bounded composer; duplicate
    keys are checked by `read_yaml`."""

    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as exc:
            what = node.value if isinstance(node, yaml.ScalarNode) else "this value"
            reason = str(exc).split(";")[0]
            if isinstance(exc, ValueError) and "integer string conversion" in reason:
                reason = f"a number of {len(what):,} digits is too long to read"
            if isinstance(what, str) and len(what) > 40:
                what = what[:37] + "..."
            raise _ValueError(
                None, None, f"cannot read {what!r}: {reason}", node.start_mark
            ) from None


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

    Raises `DefinitionError` for a missing or unreadable file, anything but a regular
    file (checked before it is opened), a file over `MAX_FILE_BYTES`, a file that is not
    UTF-8, an empty file (or one holding only comments), a YAML syntax error (with its
    line and column, both 1-based), duplicate keys (with both lines), a document over the
    bounds of this module and control characters.
    """
    return parse_yaml(read_bytes(path, display), display)


def path_problem(path: str | os.PathLike[str], display: str, want: str = "file") -> str | None:
    """Why `path` cannot be read as a `want` ("file" or "folder"), or None if it can.

    Uses `os.stat` only: nothing is opened, so a FIFO cannot block and a device cannot
    stream. Names a missing path, a broken symbolic link, a symbolic link loop, a folder
    where a file is wanted (and the reverse), and every kind of special file.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return "is a broken symbolic link (what it points to does not exist)"
        return "file not found" if want == "file" else "folder not found"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop (following it leads back to itself)"
        return f"cannot read {want}: {exc.strerror or exc}"
    kind = _kind(info.st_mode)
    if want == "folder":
        return None if kind == "folder" else f"is a {kind}, expected a folder"
    if kind == "folder":
        return "is a folder, expected a file"
    if kind != "file":
        return f"is a {kind}, not a regular file: refused, unread"
    if info.st_size > MAX_FILE_BYTES:
        return _too_big(info.st_size)
    return None


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _too_big(size: int) -> str:
    return (
        f"is {size:,} bytes, more than the {MAX_FILE_BYTES:,} bytes (1 MiB) a definition"
        " file may hold: refused, unread"
    )


def read_bytes(path: str | os.PathLike[str], display: str) -> bytes:
    """The bytes of the regular file at `path`, at most `MAX_FILE_BYTES` of them.

    Checked with `os.stat` before it is opened (`path_problem`), opened without blocking
    and checked again on the open file, so a path swapped for a FIFO in between is still
    refused unread.
    """
    problem = path_problem(path, display)
    if problem is not None:
        raise DefinitionError([Problem(display, "", problem)])
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DefinitionError([Problem(display, "", f"cannot read file: {reason}")]) from None
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind != "file":
            message = f"is a {kind}, not a regular file: refused, unread"
            raise DefinitionError([Problem(display, "", message)])
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DefinitionError([Problem(display, "", f"cannot read file: {reason}")]) from None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise DefinitionError([Problem(display, "", _too_big(size))])
    return b"".join(chunks)


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

    # Raw control characters stop PyYAML's reader with no field named: read the file with
    # a stand-in for each, then say which field holds it.
    raw_bad = [(m.start(), m.group()) for m in _RAW_REFUSED.finditer(text)]
    if raw_bad:
        text = _RAW_REFUSED.sub(_STAND_IN, text)
    loader = StrictLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except LimitError as exc:
            at = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
            raise DefinitionError([Problem(display, "", str(exc.problem), at)]) from None
        except yaml.MarkedYAMLError:
            if raw_bad:  # the control characters first: they may be what broke the syntax
                raise DefinitionError(_raw_problems(text, raw_bad, display, [])) from None
            raise
        if node is None:
            raise DefinitionError([Problem(display, "", "file is empty (or holds only comments)")])
        walk = _Walk(display)
        walk.visit(node, "", set())
        if raw_bad:
            raise DefinitionError(_raw_problems(text, raw_bad, display, walk.scalars))
        if walk.control:
            total = len(walk.control)
            raise DefinitionError([*walk.problems, *_capped(walk.control, total, display)])
        if walk.problems:
            raise DefinitionError(walk.problems)
        try:
            data = loader.construct_document(node)
        except _ValueError as exc:
            raise DefinitionError([walk.value_problem(exc)]) from None
    except yaml.MarkedYAMLError as exc:
        raise DefinitionError([Problem(display, "", _syntax_message(exc))]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - errors without a position are rare
        raise DefinitionError([Problem(display, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    return YamlDocument(data=data, lines=walk.lines)


def control_character_message(char: str) -> str:
    """Why `char` (one of `CONTROL_CHARACTERS`) is refused, in a problem's words."""
    return f"holds {_character(char)}, which is not allowed in text: remove it"


def _character(char: str) -> str:
    code = ord(char)
    what = "a bidirectional control" if 0x202A <= code <= 0x2069 else "a control character"
    return f"{what} (U+{code:04X})"


MAX_REPORTED = 20
"""Most control characters reported one by one in a file; the rest are counted."""


def _raw_problems(
    text: str,
    found: list[tuple[int, str]],
    display: str,
    scalars: list[tuple[int, int, str, int]],
) -> list[Problem]:
    """A problem for each raw refused character: the field whose key or value holds it
    (the innermost), else its line and column (a comment, or between values)."""
    problems = []
    for pos, char in found[:MAX_REPORTED]:
        holders = [
            (end - start, path, line) for start, end, path, line in scalars if start <= pos < end
        ]
        message = control_character_message(char)
        if holders:
            _, path, line = min(holders)
            problems.append(Problem(display, path, message, line))
        else:
            line = text.count("\n", 0, pos) + 1
            column = pos - (text.rfind("\n", 0, pos) + 1) + 1
            message = (
                f"{_character(char)} at column {column}, which is not allowed anywhere in a"
                " definition file: remove it"
            )
            problems.append(Problem(display, "", message, line))
    return _capped(problems, len(found), display)


def _capped(problems: list[Problem], total: int, display: str) -> list[Problem]:
    if total > MAX_REPORTED:
        more = total - MAX_REPORTED
        problems = problems[:MAX_REPORTED]
        problems.append(Problem(display, "", f"and {more:,} more control character(s)"))
    return problems


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem:
        what = f"{exc.problem} ({exc.context})"
    if mark is None:  # pragma: no cover
        return f"YAML syntax error: {what}"
    return f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {what}"


class _Walk:
    """Records the line of every key and item under a node, and collects duplicate keys,
    keys YAML reads as booleans (`no:`, `yes:`, `on:`, `off:`) and control characters in
    keys and text; keeps each scalar's span for `_raw_problems`.

    The document is bounded (`MAX_NODES`) before it is walked, so walking every path an
    alias repeats stays cheap; a node an alias repeats is reported once.
    """

    def __init__(self, display: str) -> None:
        self.display = display
        self.lines: dict[str, int] = {}
        self.problems: list[Problem] = []
        self.control: list[Problem] = []
        self.scalars: list[tuple[int, int, str, int]] = []
        self._seen: set[int] = set()
        self._record = True

    def value_problem(self, exc: _ValueError) -> Problem:
        """A value YAML could not read, at the field written there."""
        mark = exc.problem_mark
        if mark is None:  # construct_object gives the node's mark, which a composed node has
            return Problem(self.display, "", str(exc.problem))
        path = next((p for start, _, p, _ in self.scalars if start == mark.index), "")
        return Problem(self.display, path, str(exc.problem), mark.line + 1)

    def _scalar(self, node: yaml.ScalarNode, path: str) -> None:
        if id(node) in self._seen:
            return
        self._seen.add(id(node))
        line = node.start_mark.line + 1
        self.scalars.append((node.start_mark.index, node.end_mark.index, path, line))
        bad = CONTROL_CHARACTERS.search(node.value)
        if bad:
            message = control_character_message(bad.group())
            self.control.append(Problem(self.display, path, message, line))

    def visit(self, node: yaml.Node, path: str, active: set[int]) -> None:
        if id(node) in active:  # pragma: no cover - the composer refuses recursive aliases
            return
        if isinstance(node, yaml.ScalarNode):
            self._scalar(node, path)
            return
        active.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, path, active)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = join_path(path, index)
                if self._record:
                    self.lines.setdefault(child, item.start_mark.line + 1)
                self.visit(item, child, active)
        active.discard(id(node))

    def _check_only(self, node: yaml.Node, path: str, active: set[int]) -> None:
        """Visit a merged mapping or a complex key for its control characters only."""
        record, self._record = self._record, False
        try:
            self.visit(node, path, active)
        finally:
            self._record = record

    def _mapping(self, node: yaml.MappingNode, path: str, active: set[int]) -> None:
        seen: dict[tuple[str, str], int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self._check_only(value_node, path, active)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._check_only(key_node, path, active)
                self._check_only(value_node, path, active)
                continue
            key = (key_node.tag, key_node.value)
            child = join_path(path, key_node.value)
            line = key_node.start_mark.line + 1
            self._scalar(key_node, child)
            if key in seen and self._record:
                self.problems.append(
                    Problem(
                        self.display,
                        child,
                        f"duplicate key '{key_node.value}' (lines {seen[key]} and {line})",
                    )
                )
                continue
            seen[key] = line
            if key_node.tag == _BOOL_TAG and self._record:
                self.problems.append(
                    Problem(
                        self.display,
                        child,
                        f"key '{key_node.value}' is read by YAML as true/false:"
                        " quote it or use another name",
                        line,
                    )
                )
            if self._record:
                self.lines.setdefault(child, line)
            self.visit(value_node, child, active)
