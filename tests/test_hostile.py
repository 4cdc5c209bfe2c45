"""Hostile and out-of-bounds definitions: each is refused cleanly, naming the file and field.

Every case copies the Xiaolan programme into a temporary folder, breaks one thing in it and
runs the command line in-process (`cli.main`, as `python -m xlfinance validate` does), then
asserts: exit status 2, no traceback, a line naming the file (and the field, where there is
one) with the reason, every line printable (nothing read from a file reaches the terminal
raw), and the definition files unchanged by the run (a hash of the folder before and after).

Classes (README, "Limits"): `files` (FIFOs, devices, folders named *.yaml, symbolic link
loops, oversized files), `yaml` (alias bombs, recursive aliases, deep nesting, values YAML
cannot read), `control` (control characters and bidirectional overrides in text, keys and
file names), `bounds` (seeds, years, strict booleans, distributions that overflow, names and
ids, an empty programme, `--trials`), `new` (`xlfinance new` on bad input).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import signal
import socket
import stat
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from xlfinance import cli
from xlfinance.definitions.risk import MAX_TRIALS
from xlfinance.definitions.yamlio import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES

REPO = Path(__file__).resolve().parents[1]
XIAOLAN = REPO / "projects" / "xiaolan"
PV = "projects/pv_phase1.yaml"
POSIX = os.name == "posix"

pytestmark = pytest.mark.skipif(not POSIX, reason="FIFOs, devices and symlinks are POSIX")


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


@pytest.fixture
def programme(tmp_path) -> Path:
    """A fresh copy of the Xiaolan programme folder."""
    root = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, root)
    return root


_PARSED: dict[bytes, bytes] = {}
"""Each definition file's bytes that parsed, and what they parsed to (pickled), this worker."""


@pytest.fixture
def parsed_once(monkeypatch):
    """The files a case leaves as Xiaolan wrote them parsed once a worker, not once a case:
    bytes that parsed before give a fresh copy of the document they parsed to (`parse_yaml`
    reads nothing but the bytes; the name it is given is only for its problems). Everything
    else is as the command runs it: each file stat'ed, opened and read, and the bytes a case
    changed (the only ones new) parsed; a file that does not parse raises as it does. 151
    cases loaded the whole programme, about 27 files each: PyYAML's composer was most of
    this module's time. (The alias bombs' memory bound is over a validate with nothing
    parsed before: not for them.)"""
    from xlfinance.definitions import yamlio

    real = yamlio.parse_yaml

    def parse_yaml(raw: bytes, display: str) -> yamlio.YamlDocument:
        known = _PARSED.get(raw)
        if known is not None:
            return pickle.loads(known)
        document = real(raw, display)
        _PARSED[raw] = pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)
        return document

    monkeypatch.setattr(yamlio, "parse_yaml", parse_yaml)


def tree_hash(root: Path) -> str:
    """A hash of every entry under `root`: a regular file's bytes, a link's target, any
    other entry's kind. Nothing but regular files is opened, and links are not followed."""
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            path = os.path.join(folder, name)
            info = os.lstat(path)
            digest.update(os.path.relpath(path, root).encode("utf-8", "surrogateescape"))
            if stat.S_ISLNK(info.st_mode):
                digest.update(b"link:" + os.readlink(path).encode("utf-8", "surrogateescape"))
            elif stat.S_ISREG(info.st_mode):
                digest.update(Path(path).read_bytes())
            else:
                digest.update(f"mode:{stat.S_IFMT(info.st_mode)}".encode())
    return digest.hexdigest()


def read(root: Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8")


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).write_text(text, encoding="utf-8")


def edit(root: Path, rel: str, old: str, new: str) -> None:
    text = read(root, rel)
    assert old in text, f"{old!r} not in {rel}"
    write(root, rel, text.replace(old, new, 1))


def append(root: Path, rel: str, text: str) -> None:
    write(root, rel, read(root, rel) + text)


def replace_with(root: Path, rel: str, make: Callable[[Path], None]) -> None:
    """Remove the file `rel` and make something else in its place."""
    path = root / rel
    path.unlink()
    make(path)


def loop(path: Path) -> None:
    path.symlink_to(path.name)


def bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs": `width ** levels` scalars from a few hundred bytes."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail rather than hang (a FIFO opened for reading blocks for ever)."""

    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(argv: list[str], capsys) -> tuple[int, str, float]:
    """Run the command line in-process: (exit status, stderr, seconds)."""
    start = time.perf_counter()
    with deadline(30):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
    seconds = time.perf_counter() - start
    out = capsys.readouterr()
    return code, out.err, seconds


@dataclass(frozen=True)
class Case:
    """One bad programme: how to break the copy, and what the refusal must say.

    `file` is relative to the programme folder ("" for the folder itself, or a command-line
    option such as "--trials"); `field` is "" for a problem with the whole file; `says` is a
    fragment of the message; `command` the arguments after the folder's path."""

    id: str
    cls: str
    mutate: Callable[[Path], None]
    file: str
    field: str
    says: str
    command: tuple[str, ...] = ("validate",)
    line: bool = False
    """The problem gives its line."""
    not_says: str = ""
    """A fragment no line may hold (the 22 misleading lines of a looping projects/)."""


def where(root: Path, case: Case) -> str:
    if case.file.startswith("--"):
        return f"{case.file}: "
    file = str(root / case.file) if case.file else str(root)
    return f"{file}: {case.field}: " if case.field else f"{file}: "


CASES: list[Case] = []


def case(cls: str, id: str, file: str, field: str, says: str, **more):
    def register(mutate: Callable[[Path], None]) -> Callable[[Path], None]:
        CASES.append(Case(id, cls, mutate, file, field, says, **more))
        return mutate

    return register


def simple(cls, id, file, field, says, rel, old, new, **more):
    """A case that replaces `old` by `new` in `rel`."""
    CASES.append(Case(id, cls, lambda root: edit(root, rel, old, new), file, field, says, **more))


# --------------------------------------------------------------------------------------
# files: never open anything but a regular file of a sane size
# --------------------------------------------------------------------------------------


@case("files", "fifo-project", "projects/pipe.yaml", "", "FIFO (named pipe)")
def _(root):
    os.mkfifo(root / "projects" / "pipe.yaml")


@case("files", "fifo-programme", "programme.yaml", "", "FIFO (named pipe)")
def _(root):
    replace_with(root, "programme.yaml", os.mkfifo)


@case("files", "fifo-fund", "fund.yaml", "", "FIFO (named pipe)")
def _(root):
    replace_with(root, "fund.yaml", os.mkfifo)


@case("files", "fifo-risk", "risk.yaml", "", "FIFO (named pipe)")
def _(root):
    replace_with(root, "risk.yaml", os.mkfifo)


@case("files", "fifo-risk-for-risk-command", "risk.yaml", "", "FIFO", command=("risk",))
def _(root):
    replace_with(root, "risk.yaml", os.mkfifo)


@case("files", "device-zero-project", "projects/zero.yaml", "", "character device")
def _(root):
    (root / "projects" / "zero.yaml").symlink_to("/dev/zero")


@case("files", "device-urandom-risk", "risk.yaml", "", "character device")
def _(root):
    replace_with(root, "risk.yaml", lambda p: p.symlink_to("/dev/urandom"))


@case("files", "device-null-fund", "fund.yaml", "", "character device")
def _(root):
    replace_with(root, "fund.yaml", lambda p: p.symlink_to("/dev/null"))


@case("files", "folder-project", "projects/folder.yaml", "", "is a folder, expected a file")
def _(root):
    (root / "projects" / "folder.yaml").mkdir()


@case("files", "folder-programme", "programme.yaml", "", "is a folder, expected a file")
def _(root):
    replace_with(root, "programme.yaml", Path.mkdir)


@case("files", "folder-risk", "risk.yaml", "", "is a folder, expected a file")
def _(root):
    replace_with(root, "risk.yaml", Path.mkdir)


@case("files", "fifo-structuring", "structuring.yaml", "", "FIFO (named pipe)")
def _(root):
    replace_with(root, "structuring.yaml", os.mkfifo)


@case("files", "folder-structuring", "structuring.yaml", "", "is a folder, expected a file")
def _(root):
    replace_with(root, "structuring.yaml", Path.mkdir)


@case("files", "device-structuring-for-structure", "structuring.yaml", "", "character device",
      command=("structure",))  # fmt: skip
def _(root):
    replace_with(root, "structuring.yaml", lambda p: p.symlink_to("/dev/urandom"))


@case("files", "fifo-reconciliation", "reconciliation.yaml", "", "FIFO (named pipe)")
def _(root):
    replace_with(root, "reconciliation.yaml", os.mkfifo)


@case("files", "folder-reconciliation", "reconciliation.yaml", "", "is a folder, expected a file")
def _(root):
    replace_with(root, "reconciliation.yaml", Path.mkdir)


@case("files", "loop-project", "projects/loop.yaml", "", "symbolic link loop")
def _(root):
    loop(root / "projects" / "loop.yaml")


@case("files", "loop-pair", "projects/a.yaml", "", "symbolic link loop")
def _(root):
    (root / "projects" / "a.yaml").symlink_to("b.yaml")
    (root / "projects" / "b.yaml").symlink_to("a.yaml")


@case(
    "files",
    "loop-projects-folder",
    "projects",
    "",
    "symbolic link loop",
    not_says="unknown project",
)
def _(root):
    shutil.rmtree(root / "projects")
    loop(root / "projects")


@case("files", "loop-fund", "fund.yaml", "", "symbolic link loop")
def _(root):
    replace_with(root, "fund.yaml", loop)


@case("files", "loop-programme", "programme.yaml", "", "symbolic link loop")
def _(root):
    replace_with(root, "programme.yaml", loop)


@case("files", "loop-programme-folder", "", "", "symbolic link loop")
def _(root):
    shutil.rmtree(root)
    loop(root)


@case("files", "fifo-programme-folder", "", "", "is not a folder")
def _(root):
    shutil.rmtree(root)
    os.mkfifo(root)


@case("files", "broken-link-project", "projects/gone.yaml", "", "broken symbolic link")
def _(root):
    (root / "projects" / "gone.yaml").symlink_to("nowhere.yaml")


@case("files", "oversized-project", PV, "", "1 MiB")
def _(root):
    append(root, PV, "#" * MAX_FILE_BYTES + "\n")


@case("files", "oversized-risk", "risk.yaml", "", "1 MiB")
def _(root):
    append(root, "risk.yaml", ("# padding\n" * (MAX_FILE_BYTES // 10 + 1)))


@case("files", "socket-project", "projects/sock.yaml", "", "socket")
def _(root):
    path = root / "projects" / "sock.yaml"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
    except OSError:  # a path too long for a socket address
        pytest.skip("socket path too long here")
    finally:
        server.close()


# --------------------------------------------------------------------------------------
# yaml: bounded expansion, no recursion, values YAML cannot read
# --------------------------------------------------------------------------------------


@case("yaml", "alias-bomb-project", "projects/bomb.yaml", "", f"more than {MAX_NODES:,} YAML nodes")
def _(root):
    write(root, "projects/bomb.yaml", bomb())


@case("yaml", "alias-bomb-risk", "risk.yaml", "", f"more than {MAX_NODES:,} YAML nodes")
def _(root):
    write(root, "risk.yaml", bomb() + read(root, "risk.yaml"))


@case("yaml", "alias-bomb-programme", "programme.yaml", "", "YAML nodes", line=True)
def _(root):
    append(root, "programme.yaml", "extra:\n" + "".join(f"  {x}\n" for x in bomb().splitlines()))


@case("yaml", "alias-bomb-mapping", PV, "", "YAML nodes")
def _(root):
    lines = ["m0: &m0 {" + ", ".join(f"k{i}: lol" for i in range(9)) + "}"]
    for level in range(1, 10):
        keys = ", ".join(f"k{i}: *m{level - 1}" for i in range(9))
        lines.append(f"m{level}: &m{level} {{{keys}}}")
    append(root, PV, "\n".join(lines) + "\n")


@case("yaml", "alias-bomb-text", PV, "", "characters of text")
def _(root):
    big = "x" * 200_000
    append(root, PV, f'big: &big "{big}"\nmany: [{", ".join(["*big"] * 40)}]\n')


@case("yaml", "recursive-alias-list", PV, "", "recursive alias *r", line=True)
def _(root):
    append(root, PV, "extra: &r [1, *r]\n")


@case("yaml", "recursive-alias-mapping", PV, "", "recursive alias *r", line=True)
def _(root):
    append(root, PV, "extra: &r {again: *r}\n")


@case("yaml", "deep-nesting", PV, "", f"nested more than {MAX_DEPTH} levels")
def _(root):
    append(root, PV, "extra: " + "[" * (MAX_DEPTH + 10) + "]" * (MAX_DEPTH + 10) + "\n")


simple("yaml", "impossible-date", PV, "start_year", "month must be in 1..12", PV,
       "start_year: 2015\n", "start_year: 2015-13-45\n", line=True)  # fmt: skip
simple("yaml", "integer-of-5000-digits", PV, "start_year", "5,000 digits is too long", PV,
       "start_year: 2015\n", "start_year: " + "9" * 5000 + "\n", line=True)  # fmt: skip
simple("yaml", "integer-of-30-digits", PV, "start_year", "must be <= 2100", PV,
       "start_year: 2015\n", "start_year: " + "9" * 30 + "\n")  # fmt: skip

simple("yaml", "short-name-too-long-for-a-tab", PV, "short_name", "a sheet tab holds at most 31",
       PV, "  en: PV 1\n", "  en: Rooftop distributed PV, phase one\n")  # fmt: skip
simple("yaml", "short-name-with-a-slash", PV, "short_name", "cannot be a sheet tab", PV,
       "  en: PV 1\n", "  en: PV 1/2\n")  # fmt: skip


STRUCTURING = "structuring.yaml"
simple("yaml", "structuring-name-with-a-path", STRUCTURING, "solves.../../etc",
       "lower-case name", STRUCTURING, "  viability_grant:\n", "  ../../etc:\n")  # fmt: skip
simple("yaml", "structuring-target-as-formula", STRUCTURING, "targets.debt_cover.value.value",
       "must be a number", STRUCTURING, "      value: 1.30\n",
       '      value: "=HYPERLINK(1)"\n')  # fmt: skip
simple("control", "structuring-escape-in-label", "structuring.yaml",
       "solves.viability_grant.label.en", "U+001B", "structuring.yaml",
       "      en: Viability-gap capital grant\n", '      en: "\\e[31mgrant"\n',
       line=True)  # fmt: skip


# --------------------------------------------------------------------------------------
# control: control characters and bidirectional overrides, raw or escaped
# --------------------------------------------------------------------------------------

EN = "  en: Rooftop distributed PV, phase 1 (5 MW)\n"
simple("control", "raw-bel-in-name", PV, "name.en", "U+0007", PV,
       EN, "  en: Rooftop\x07 PV\n", line=True)  # fmt: skip
simple("control", "escaped-esc-in-name", PV, "name.zh", "U+001B", PV,
       "  zh: 屋顶分布式光伏一期（5兆瓦）\n", '  zh: "\\e[31m屋顶\\e[0m"\n', line=True)  # fmt: skip
simple("control", "raw-c1-csi-in-description", PV, "description.en", "U+009B", PV,
       "  en: 5 MW of distributed", "  en: 5\x9b MW of distributed", line=True)  # fmt: skip
simple("control", "raw-nel", PV, "name.en", "U+0085", PV,
       EN, "  en: Rooftop\x85PV\n", line=True)  # fmt: skip
simple("control", "raw-rlo-in-source", PV, "parameters.finance.capex_yuan.source", "U+202E", PV,
       'source: "assumption: 5,000 kW x 7.0', 'source: "assumption: 5,000 kW x \u202e7.0',
       line=True)  # fmt: skip
simple("control", "escaped-lri-in-scenario", "risk.yaml", "scenarios.low.description", "U+2066",
       "risk.yaml", 'description: "Downside:', 'description: "\\u2066Downside:')  # fmt: skip
simple("control", "escaped-nul-in-programme-name", "programme.yaml", "programme.name.en", "U+0000",
       "programme.yaml", "    en: Xiaolan Town", '    en: "\\0" # Xiaolan Town')  # fmt: skip
simple("control", "raw-del-in-fund-name", "fund.yaml", "fund.name.en", "U+007F",
       "fund.yaml", "    en: Xiaolan low-carbon", "    en: Xiaolan\x7f low-carbon")  # fmt: skip
simple("control", "escaped-cr-in-budget-line", "programme.yaml", "budget.lines[0].name.en",
       "U+000D", "programme.yaml", "en: Industrial energy saving and restructuring}",
       'en: "Industrial\\rrestructuring"}')  # fmt: skip
simple("control", "escaped-pdf-in-tornado-label", "risk.yaml", "tornado[5].label", "U+202C",
       "risk.yaml", 'label: "PV subsidy rate:', 'label: "\\u202cPV subsidy rate:')  # fmt: skip
simple("control", "escaped-esc-in-key", "risk.yaml", "scenarios.red\\x1b[31m", "U+001B",
       "risk.yaml", "  high:\n", '  "red\\e[31m":\n    description: x\n  high:\n')  # fmt: skip
simple("control", "raw-rlo-in-comment", "programme.yaml", "", "U+202E) at column", "programme.yaml",
       "# Xiaolan town", "# \u202eXiaolan town", line=True)  # fmt: skip
simple("control", "escaped-bs-in-fund-note", "fund.yaml", "closes[0].note", "U+0008",
       "fund.yaml", 'note: "First close:', 'note: "\\bFirst close:')  # fmt: skip


@case("control", "escape-in-file-name", "projects/x\\x1b[2J.yaml", "id", "must equal the file name")
def _(root):
    text = read(root, "projects/capacity_building.yaml")
    write(root, "projects/x\x1b[2J.yaml", text)


# --------------------------------------------------------------------------------------
# bounds: seeds, years, booleans, distributions, names and ids, trials, empty programme
# --------------------------------------------------------------------------------------

R = "risk.yaml"
simple("bounds", "seed-negative", R, "seed", "must be >= 0", R, "seed: 1\n", "seed: -1\n")
simple("bounds", "seed-too-large", R, "seed", "must be <=", R, "seed: 1\n", f"seed: {2**63}\n")
simple("bounds", "seed-text", R, "seed", "whole number", R, "seed: 1\n", 'seed: "1"\n')
simple("bounds", "seed-fraction", R, "seed", "whole number", R, "seed: 1\n", "seed: 1.5\n")
simple("bounds", "trials-zero", R, "trials", "must be >= 1", R, "trials: 10000\n", "trials: 0\n")
simple("bounds", "trials-boolean", R, "trials", "whole number", R,
       "trials: 10000\n", "trials: true\n")  # fmt: skip
simple("bounds", "trials-over-maximum", R, "trials", "of memory", R,
       "trials: 10000\n", "trials: 1000000000\n")  # fmt: skip
simple("bounds", "base-year-1989", "programme.yaml", "programme.base_year", "must be >= 1990",
       "programme.yaml", "  base_year: 2014\n", "  base_year: 1989\n", line=True)  # fmt: skip
simple("bounds", "base-year-2200", "programme.yaml", "programme.base_year", "must be <= 2100",
       "programme.yaml", "  base_year: 2014\n", "  base_year: 2200\n", line=True)  # fmt: skip
simple("bounds", "base-year-text", "programme.yaml", "programme.base_year", "whole number",
       "programme.yaml", "  base_year: 2014\n", '  base_year: "2014"\n')  # fmt: skip
simple("bounds", "start-year-1989", PV, "start_year", "must be >= 1990", PV,
       "start_year: 2015\n", "start_year: 1989\n", line=True)  # fmt: skip
simple("bounds", "start-year-2101", PV, "start_year", "must be <= 2100", PV,
       "start_year: 2015\n", "start_year: 2101\n")  # fmt: skip
simple("bounds", "start-before-base-year", PV, "start_year", "base_year 2014", PV,
       "start_year: 2015\n", "start_year: 2013\n", line=True)  # fmt: skip
simple("bounds", "fund-close-year-2200", "fund.yaml", "closes[0].year", "must be <= 2100",
       "fund.yaml", "  - year: 2015\n", "  - year: 2200\n")  # fmt: skip
simple("bounds", "tax-holiday-yes", PV, "parameters.finance.tax_holiday", "true or false", PV,
       "    tax_holiday: true\n", '    tax_holiday: "yes"\n', line=True)  # fmt: skip
simple("bounds", "tax-holiday-one", PV, "parameters.finance.tax_holiday", "true or false", PV,
       "    tax_holiday: true\n", "    tax_holiday: 1\n")  # fmt: skip
SIZED = "    debt_sizing: cover\n"
TARGET = "    target_dscr:\n      value: 1.30\n"
GEARING = "    max_gearing:\n      value: 0.7\n"
FINANCE = "parameters.finance"
simple("bounds", "target-dscr-below-1", PV, f"{FINANCE}.target_dscr", "must be at least 1", PV,
       TARGET, TARGET.replace("1.30", "0.9"), line=True)  # fmt: skip
simple("bounds", "target-dscr-formula", PV, f"{FINANCE}.target_dscr.value", "must be a number", PV,
       TARGET, TARGET.replace("1.30", '"=1+1"'))  # fmt: skip
simple("bounds", "target-dscr-infinite", PV, f"{FINANCE}.target_dscr.value", "finite", PV,
       TARGET, TARGET.replace("1.30", ".inf"))  # fmt: skip
simple("bounds", "max-gearing-above-1", PV, f"{FINANCE}.max_gearing", "must be > 0 and <= 1",
       PV, GEARING, GEARING.replace("0.7", "1.5"), line=True)  # fmt: skip
simple("bounds", "max-gearing-nil", PV, f"{FINANCE}.max_gearing", "must be > 0 and <= 1",
       PV, GEARING, GEARING.replace("0.7", "0"))  # fmt: skip
simple("bounds", "debt-sizing-unknown", PV, f"{FINANCE}.debt_sizing", "'share' or 'cover'", PV,
       SIZED, "    debt_sizing: maybe\n", line=True)  # fmt: skip
simple("bounds", "debt-share-with-cover", PV, FINANCE, "debt_share does not apply", PV,
       SIZED, SIZED + "    debt_share: 0.7\n", line=True)  # fmt: skip
# The max_gearing block commented out, its source line with it.
simple("bounds", "cover-without-gearing", PV, FINANCE, "cover needs max_gearing", PV,
       GEARING, "    # max_gearing:\n    # value: 0.7\n    #")  # fmt: skip
simple("bounds", "gearing-with-a-share", PV, FINANCE, "max_gearing applies only", PV,
       SIZED, "    debt_sizing: share\n    debt_share: 0.5\n")  # fmt: skip
simple("bounds", "repayment-unknown", PV, f"{FINANCE}.repayment", "sculpted", PV,
       "    repayment: annuity\n", "    repayment: balloon\n", line=True)  # fmt: skip
simple("bounds", "tenor-within-construction", PV, FINANCE, "has no repayment year", PV,
       "    tenor_years: 10\n", "    tenor_years: 2\n", line=True)  # fmt: skip
simple("bounds", "tenor-beyond-operation", PV, FINANCE, "not repaid within operation", PV,
       "    tenor_years: 10\n", "    tenor_years: 27\n")  # fmt: skip
simple("bounds", "dsra-months-many", PV, f"{FINANCE}.dsra_months", "must be <= 24", PV,
       SIZED, SIZED + "    dsra_months: 100\n", line=True)  # fmt: skip
simple("bounds", "dsra-months-fraction", PV, f"{FINANCE}.dsra_months", "whole number", PV,
       SIZED, SIZED + "    dsra_months: 6.5\n")  # fmt: skip
simple("bounds", "dsra-months-text", PV, f"{FINANCE}.dsra_months", "whole number", PV,
       SIZED, SIZED + '    dsra_months: "6"\n')  # fmt: skip
simple("bounds", "dsra-months-negative", PV, f"{FINANCE}.dsra_months", "must be >= 0", PV,
       SIZED, SIZED + "    dsra_months: -6\n")  # fmt: skip
simple("bounds", "mra-yes", PV, f"{FINANCE}.mra", "true or false", PV,
       SIZED, SIZED + '    mra: "yes"\n', line=True)  # fmt: skip
simple("bounds", "reserve-without-a-loan", "projects/taxi_cng.yaml", FINANCE, "need a loan",
       "projects/taxi_cng.yaml", "    tax_holiday: false\n",
       "    tax_holiday: false\n    mra: true\n")  # fmt: skip
simple("bounds", "tax-exempt-text", "projects/capacity_building.yaml", "parameters.tax_exempt",
       "true or false", "projects/capacity_building.yaml", "  tax_exempt: true\n",
       '  tax_exempt: "false"\n')  # fmt: skip
simple("bounds", "pays-carry-no", "fund.yaml", "classes[0].pays_carry", "true or false",
       "fund.yaml", "    pays_carry: true\n", '    pays_carry: "no"\n')  # fmt: skip
simple("bounds", "ghg-indirect-text", "programme.yaml", "benefits.lines[6].ghg_indirect",
       "true or false", "programme.yaml", "      ghg_indirect: true\n",
       '      ghg_indirect: "true"\n')  # fmt: skip
LOGNORMAL = "    kind: lognormal\n    mean: 1.0\n    sd: 0.2\n"
OM = "distributions.projects.*.om_yuan_per_kw_per_year"
simple("bounds", "lognormal-mean-1e-300", R, OM, "cannot be drawn", R,
       LOGNORMAL, "    kind: lognormal\n    mean: 1.0e-300\n    sd: 0.2\n")  # fmt: skip
simple("bounds", "lognormal-sd-1e200", R, OM, "cannot be drawn", R,
       LOGNORMAL, "    kind: lognormal\n    mean: 1.0\n    sd: 1.0e+200\n")  # fmt: skip
simple("bounds", "lognormal-exp-overflow", R, OM, "exp(mu + 10 sigma) overflows", R,
       LOGNORMAL, "    kind: lognormal\n    mean: 1.0e+305\n    sd: 1.0e+306\n")  # fmt: skip
simple("bounds", "normal-overflow", R, "distributions.projects.*.specific_yield_kwh_per_kw",
       "cannot be drawn", R, "    kind: normal\n    mean: 1.0\n    sd: 0.04\n",
       "    kind: normal\n    mean: 1.0e+308\n    sd: 1.0e+308\n")  # fmt: skip
simple("bounds", "triangular-overflow", R, "distributions.projects.pv_phase1.capex_yuan",
       "cannot be drawn", R, "    low: 31000000\n    mode: 35000000\n",
       "    low: -1.0e+308\n    mode: 35000000\n")  # fmt: skip
simple("bounds", "uniform-overflow", R, "distributions.projects.*.building_tariff_yuan_per_kwh",
       "cannot be drawn", R, "    low: 0.944\n    high: 1.056\n",
       "    low: -1.0e+200\n    high: 1.0e+200\n")  # fmt: skip
simple("bounds", "scenario-name-with-dot", R, "scenarios.low.v2", "snake_case", R,
       "  low:\n", "  low.v2:\n", line=True)  # fmt: skip
simple("bounds", "scenario-name-with-space", R, "scenarios.high case", "snake_case", R,
       "  high:\n", "  high case:\n", line=True)  # fmt: skip
simple("bounds", "scenario-name-upper-case", R, "scenarios.High", "snake_case", R,
       "  high:\n", "  High:\n")  # fmt: skip
simple("bounds", "distribution-step-upper-case", R, "distributions.projects.pv_phase1.Capex_yuan",
       "snake_case", R, "  projects.pv_phase1.capex_yuan:\n    kind",
       "  projects.pv_phase1.Capex_yuan:\n    kind")  # fmt: skip
simple("bounds", "distribution-step-not-ascii", R, "distributions.projects.pv_phase1.capex_元",
       "snake_case", R, "  projects.pv_phase1.capex_yuan:\n    kind",
       "  projects.pv_phase1.capex_元:\n    kind")  # fmt: skip
simple("bounds", "scenario-override-step-upper-case", R,
       "scenarios.lending_rate_4_90pct.overrides.assumptions.Lending_rate", "snake_case", R,
       "      assumptions.lending_rate: {value: 0.049, source: \"[pboc-2015-rate-cut] PBOC"
       " over-5-year lending rate by the end of 2015\"}\n\n",
       "      assumptions.Lending_rate: {value: 0.049, source: \"assumption: x\"}\n\n")  # fmt: skip


def new_project(root: Path, project_id: str, file_id: str | None = None) -> None:
    """A copy of capacity_building under another id (and file name)."""
    text = read(root, "projects/capacity_building.yaml").replace(
        "id: capacity_building\n", f"id: {project_id}\n", 1
    )
    write(root, f"projects/{file_id or project_id}.yaml", text)


RESERVED = ("fund", "programme", "cover", "inputs", "timeline", "budget", "benefits",
            "reconciliation", "macc", "risk", "checks", "summary", "structuring")  # fmt: skip
for _reserved in RESERVED:
    CASES.append(
        Case(
            f"reserved-id-{_reserved}",
            "bounds",
            lambda root, pid=_reserved: new_project(root, pid),
            f"projects/{_reserved}.yaml",
            "id",
            f"'{_reserved}' is reserved",
            line=True,
        )
    )


@case("bounds", "reserved-id-other-case", "projects/Checks.yaml", "id", "snake_case")
def _(root):
    new_project(root, "Checks")


@case("bounds", "project-id-41-characters", f"projects/{'a' * 41}.yaml", "id", "40 characters")
def _(root):
    new_project(root, "a" * 41)


@case("bounds", "project-id-with-dash", "projects/pv-3.yaml", "id", "snake_case")
def _(root):
    new_project(root, "pv-3")


@case("bounds", "empty-programme", "projects", "", "no project files", not_says="unknown project")
def _(root):
    for path in (root / "projects").iterdir():
        path.unlink()


@case("bounds", "empty-programme-no-folder", "projects", "", "no project files")
def _(root):
    shutil.rmtree(root / "projects")
    (root / "fund.yaml").unlink()
    (root / "risk.yaml").unlink()


CASES += [
    Case("cli-trials-over-maximum", "bounds", lambda root: None, "--trials", "",
         f"must be at most {MAX_TRIALS:,}", command=("risk", "--trials", "1000000000")),
    Case("cli-trials-zero", "bounds", lambda root: None, "--trials", "", "at least 1",
         command=("risk", "--trials", "0")),
    Case("cli-seed-negative", "bounds", lambda root: None, "--seed", "", "must be from 0",
         command=("risk", "--seed", "-1")),
]  # fmt: skip


# --------------------------------------------------------------------------------------
# sources: the bibliography and the citations of every source
# --------------------------------------------------------------------------------------

S = "sources.yaml"
PV_SUBSIDY = 'source: "[ndrc-2013-1638] NDRC Price [2013] 1638'
simple("sources", "unknown-reference", PV, "parameters.subsidy_yuan_per_kwh.source",
       "unknown reference 'ndrc-2013-1683'", PV, PV_SUBSIDY,
       'source: "[ndrc-2013-1683] NDRC Price [2013] 1638', line=True)  # fmt: skip
simple("sources", "one-of-two-references-unknown", PV, "parameters.subsidy_yuan_per_kwh.source",
       "unknown reference 'no-such-notice'", PV, PV_SUBSIDY,
       'source: "[ndrc-2013-1638, no-such-notice] NDRC Price [2013] 1638', line=True)  # fmt: skip
simple("sources", "cites-nothing", "programme.yaml", "budget.source", "cites no reference",
       "programme.yaml", 'source: "[xiaolan-plan-2014] 表 5-4 预算分析表',
       'source: "表 5-4 预算分析表', line=True)  # fmt: skip
simple("sources", "year-in-brackets", PV, "parameters.subsidy_yuan_per_kwh.source",
       "'2013' is not a reference id", PV, PV_SUBSIDY, 'source: "[2013] 1638',
       line=True)  # fmt: skip
simple("sources", "empty-brackets", PV, "parameters.subsidy_yuan_per_kwh.source",
       "'' is not a reference id", PV, PV_SUBSIDY, 'source: "[] NDRC', line=True)  # fmt: skip
simple("sources", "unknown-reference-in-risk", "risk.yaml",
       "scenarios.low.overrides.assumptions.lending_rate.source", "unknown reference",
       "risk.yaml", 'source: "[pboc-2014-rate-cut] PBOC over-5-year lending rate to 21 Nov 2014"',
       'source: "[pboc-2041-rate-cut] PBOC over-5-year lending rate to 21 Nov 2014"',
       line=True)  # fmt: skip
simple("sources", "unknown-reference-in-reconciliation", "reconciliation.yaml",
       "rules[0].values.table_3_1.source", "unknown reference 'xiaolan-plan-2041'",
       "reconciliation.yaml", 'source: "[xiaolan-plan-2014] table 3-1"',
       'source: "[xiaolan-plan-2041] table 3-1"', line=True)  # fmt: skip
simple("sources", "cites-nothing-in-fund", "fund.yaml", "closes[0].fund_size_yuan.source",
       "cites no reference",
       "fund.yaml", 'source: "[xiaolan-plan-2014] Plan table 5-4 line 8: 20,000',
       'source: "Plan table 5-4 line 8: 20,000', line=True)  # fmt: skip
simple("sources", "cites-nothing-in-structuring", "structuring.yaml",
       "targets.equity_return.value.source", "cites no reference", "structuring.yaml",
       'source: "[ndrc-2006-methods] 建设项目经济评价方法与参数',
       'source: "建设项目经济评价方法与参数', line=True)  # fmt: skip
simple("sources", "entry-without-number", S, "references[1].number", "required field missing",
       S, "    number: 发改投资〔2006〕1325号\n", "", line=True)  # fmt: skip
simple("sources", "entry-without-found", S, "references[0].found", "required field missing",
       S, "    found: the plan of December 2014", "    where: the plan of December 2014",
       line=True)  # fmt: skip
simple("sources", "unknown-reliability", S, "references[0].reliability", "must be 'official'",
       S, "    reliability: official\n", "    reliability: trustworthy\n", line=True)  # fmt: skip
simple("sources", "duplicate-id", S, "references[1].id", "duplicate id 'xiaolan-plan-2014'",
       S, "  - id: ndrc-2006-methods\n", "  - id: xiaolan-plan-2014\n", line=True)  # fmt: skip
simple("sources", "id-upper-case", S, "references[1].id", "should match pattern",
       S, "  - id: ndrc-2006-methods\n", "  - id: NDRC-2006\n", line=True)  # fmt: skip
simple("sources", "year-1066", S, "references[0].year", "must be >= 1900",
       S, "    year: 2014\n", "    year: 1066\n", line=True)  # fmt: skip
simple("sources", "rlo-in-title", S, "references[0].title", "U+202E",
       S, "    title: 中山市", "    title: \u202e中山市", line=True)  # fmt: skip
CASES += [
    Case("no-references", "sources", lambda root: write(root, S, "references: []\n"), S,
         "references", "at least 1"),
    Case("fifo-sources", "sources", lambda root: replace_with(root, S, os.mkfifo), S, "",
         "FIFO (named pipe)"),
    Case("folder-sources", "sources", lambda root: replace_with(root, S, Path.mkdir), S, "",
         "is a folder, expected a file"),
]  # fmt: skip


# --------------------------------------------------------------------------------------
# new: the same loader and the same reports as every other command
# --------------------------------------------------------------------------------------

NEW = ("new", "--archetype", "pv", "--id", "roofs")
simple("new", "new-on-broken-programme", "programme.yaml", "", "YAML syntax error",
       "programme.yaml", "  base_year: 2014\n", "  base_year: [2014\n", command=NEW)  # fmt: skip
CASES += [
    Case("new-on-alias-bomb", "new", lambda root: append(root, "programme.yaml", bomb()),
         "programme.yaml", "", "YAML nodes", command=NEW),
    Case("new-on-invalid-programme", "new",
         lambda root: edit(root, "programme.yaml", "  base_year: 2014\n", "  base_year: 2200\n"),
         "programme.yaml", "programme.base_year", "must be <= 2100", command=NEW),
    Case("new-reserved-id", "new", lambda root: None, "--id", "", "'summary' is reserved",
         command=("new", "--archetype", "pv", "--id", "summary")),
    Case("new-budget-line-injection", "new", lambda root: None, "projects/roofs.yaml",
         "budget_line", "must be a budget line id",
         command=("new", "--archetype", "pv", "--id", "roofs", "--budget-line", '1"\nid: "x')),
]  # fmt: skip


# --------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[f"{c.cls}:{c.id}" for c in CASES])
def test_refused_cleanly(case: Case, programme: Path, capsys, parsed_once):
    case.mutate(programme)
    before = tree_hash(programme)
    argv = [case.command[0], str(programme), *case.command[1:]]
    if case.command[0] == "risk":
        argv += ["--out", str(programme.parent / "out")]
    code, err, seconds = run_cli(argv, capsys)

    assert code == 2, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines, "nothing said"
    for line in lines:  # nothing from a file reaches the terminal raw
        assert line.isprintable(), repr(line)
    prefix = where(programme, case)
    named = [line for line in lines if line.startswith(prefix) or f" {prefix}" in line]
    assert any(case.says in line for line in named), f"want {prefix!r} ... {case.says!r}:\n{err}"
    if case.line:
        assert any(case.says in line and "(line " in line for line in named), err
    if case.not_says:
        assert case.not_says not in err
    assert tree_hash(programme) == before, "the definitions changed"
    assert not (programme.parent / "out").exists()
    if case.cls == "new":
        assert not (programme / "projects" / "roofs.yaml").exists()
    # No wall-clock limit (the machine is shared): `run_cli`'s deadline fails a refusal that
    # hangs, and benchmarks/ measures speed.


@pytest.mark.parametrize("name", ["alias-bomb-project", "alias-bomb-mapping", "alias-bomb-text"])
def test_alias_bombs_are_refused_before_they_expand(name, programme, capsys):
    """Refused while the aliases are counted, not after they are expanded: validating the
    whole Xiaolan programme peaks at about 15 MB of Python allocations and each bomb's
    refusal at 2.5-4 MB, where the expanded bomb would be 9 ** 9 = 387 million scalars.
    Memory, not seconds: it does not depend on how busy the machine is."""
    (found,) = [c for c in CASES if c.id == name]
    found.mutate(programme)
    tracemalloc.start()
    try:
        code, _, _ = run_cli(["validate", str(programme)], capsys)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 2
    assert peak < 32e6, f"peaked at {peak / 1e6:.0f} MB"


@pytest.mark.programme
def test_aliases_within_the_bounds_are_allowed(programme, capsys):
    text = read(programme, PV).replace("    value: 35000000\n", "    value: &capex 35000000\n", 1)
    text = text.replace("  capacity_kw:\n", "  capacity_kw: &cap\n", 1)
    write(programme, PV, text)
    code, err, _ = run_cli(["validate", str(programme)], capsys)
    assert code == 0, err


def test_every_boolean_field_is_strict():
    """No model of a definition reads "yes" or 1 as true: every bool field is strict."""
    import typing

    from pydantic import BaseModel
    from pydantic.fields import FieldInfo
    from pydantic.types import Strict

    import xlfinance.definitions.fund  # noqa: F401 - registers every model
    import xlfinance.definitions.params  # noqa: F401
    import xlfinance.definitions.risk  # noqa: F401
    from xlfinance.definitions.schema import Model

    def strict(meta) -> bool:
        if isinstance(meta, Strict):
            return meta.strict
        if isinstance(meta, FieldInfo):
            return any(strict(m) for m in meta.metadata)
        return False

    def loose_bools(tp, is_strict: bool) -> list:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            base, *meta = typing.get_args(tp)
            return loose_bools(base, is_strict or any(strict(m) for m in meta))
        if tp is bool:
            return [] if is_strict else [tp]
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return []
        return [x for arg in typing.get_args(tp) for x in loose_bools(arg, False)]

    def models(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from models(sub)

    loose = []
    for model in set(models(Model)):
        for name, info in model.model_fields.items():
            top = any(strict(m) for m in info.metadata)
            if loose_bools(info.annotation, top):
                loose.append(f"{model.__name__}.{name}")
    assert not loose


def test_case_count():
    """The issue asks for 50 or more cases in this layer."""
    assert len(CASES) >= 50
