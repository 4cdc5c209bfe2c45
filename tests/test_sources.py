"""The bibliography (sources.yaml) and the citations of every `source:`.

The Xiaolan checks read the YAML files here with PyYAML and a pattern of their own, not
with the loader's parser, so that they hold the definitions to the convention rather than
the loader to itself. Bad bibliographies and citations, each refused with file, field, line and
exit 2, are in test_hostile.py (class `sources`).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from xlfinance import cli
from xlfinance.definitions import load_programme
from xlfinance.definitions.sources import parse_source, source_fields
from xlfinance.render.sheetnames import INPUTS

REPO = Path(__file__).resolve().parents[1]
XIAOLAN = REPO / "projects" / "xiaolan"
DEFINITIONS = [
    XIAOLAN / "programme.yaml",
    *sorted((XIAOLAN / "projects").glob("*.yaml")),
    *(XIAOLAN / n for n in ("fund.yaml", "risk.yaml", "structuring.yaml", "reconciliation.yaml")),
]
LEADING = re.compile(r"^\[([a-z0-9, -]+)\] ")


def xiaolan_sources():
    for file in DEFINITIONS:
        for path, value in source_fields(yaml.safe_load(file.read_text(encoding="utf-8"))):
            yield file.relative_to(XIAOLAN), path, value


BIBLIOGRAPHY = yaml.safe_load((XIAOLAN / "sources.yaml").read_text(encoding="utf-8"))
IDS = [ref["id"] for ref in BIBLIOGRAPHY["references"]]


class TestXiaolan:
    def test_every_source_resolves_or_says_why(self):
        bad = []
        for file, path, value in xiaolan_sources():
            cited = LEADING.match(value)
            if cited:
                bad += [
                    f"{file}: {path}: [{ref}]"
                    for ref in (r.strip() for r in cited.group(1).split(","))
                    if ref not in IDS
                ]
            elif not value.startswith(("assumption:", "derived:")):
                bad.append(f"{file}: {path}: {value[:50]}")
        assert not bad

    def test_every_entry_is_cited_and_complete(self):
        cited = {
            ref.strip()
            for _, _, value in xiaolan_sources()
            if (m := LEADING.match(value))
            for ref in m.group(1).split(",")
        }
        assert sorted(cited) == sorted(IDS)
        assert len(IDS) == len(set(IDS))
        for ref in BIBLIOGRAPHY["references"]:
            for key in ("title", "publisher", "year", "number", "found", "reliability"):
                assert key in ref, (ref["id"], key)
            assert ref["reliability"] in {
                "official", "peer-reviewed", "trade", "secondary", "unverified"
            }  # fmt: skip

    def test_the_loader_agrees_and_has_nothing_to_warn(self):
        programme = load_programme(XIAOLAN)
        assert [ref.id for ref in programme.sources.references] == IDS
        assert programme.warnings == ()

    def test_no_definition_cites_a_file_outside_the_project_or_a_machine_path(self):
        # The old notes' file and its reliability codes (U, M, H), and paths of a machine.
        banned = re.compile(
            r"parameters\.md|\.\./shared|/home/|/Users/|/work/|[A-Z]:\\\\|\((?:U|M|H)\)|; M\)|\bM:"
        )
        for file in [*DEFINITIONS, XIAOLAN / "sources.yaml"]:
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                assert not banned.search(line), f"{file.name}:{number}: {line.strip()}"

    def test_citations_checked_in_this_round_say_so(self):
        # The three quoted from memory in the issue: not read here, so unverified, except the
        # boiler plan, whose text was read and whose 65% the source says it does not give.
        refs = {ref["id"]: ref for ref in BIBLIOGRAPHY["references"]}
        assert refs["ndrc-2014-2451"]["reliability"] == "official"
        boiler = (XIAOLAN / "projects" / "industrial_boilers_phase1.yaml").read_text("utf-8")
        assert "the 65% average itself is\n          not in the text read (unverified)" in boiler
        # the CCHP guideline (发改能源〔2011〕2196号, not the PV price notice 发改价格规〔2017〕
        # 2196号 the subsidy schedule cites) and the code are notes only
        for text in ("〔2011〕2196", "[2011] 2196", "[2011]2196", "CJJ 145-2010"):
            for file in DEFINITIONS:
                for _, value in source_fields(yaml.safe_load(file.read_text(encoding="utf-8"))):
                    assert text not in value


class TestParse:
    @pytest.mark.parametrize(
        ("text", "refs", "rest"),
        [
            ("[ndrc-2013-1638] 0.42 yuan/kWh", ("ndrc-2013-1638",), "0.42 yuan/kWh"),
            ("[a-1, b-2] both", ("a-1", "b-2"), "both"),
            ("[a-1] assumption: resting on a-1", ("a-1",), "assumption: resting on a-1"),
            ("[a-1]", ("a-1",), ""),
            ("assumption: why", (), "assumption: why"),
            ("derived: how", (), "derived: how"),
            # A document number in brackets later in the text is not a citation.
            ("[x-1] NDRC Price [2013] 1638", ("x-1",), "NDRC Price [2013] 1638"),
        ],
    )
    def test_forms(self, text, refs, rest):
        citation = parse_source(text)
        assert citation.refs == refs and citation.text == rest

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            ("Plan table 3-2", "cites no reference"),
            ("Assumption: capital A", "cites no reference"),
            ("[2013] 1638", "'2013' is not a reference id"),
            ("[Upper-Case] x", "'Upper-Case' is not a reference id"),
            ("[a_b] x", "'a_b' is not a reference id"),
            ("[a-, b] x", "'a-' is not a reference id"),
            ("[" + "a" * 65 + "] x", "is not a reference id"),
        ],
    )
    def test_refused(self, text, says):
        with pytest.raises(ValueError, match=re.escape(says)):
            parse_source(text)


def copy(tmp_path: Path, **drop: bool) -> Path:
    root = tmp_path / "xiaolan"
    shutil.copytree(XIAOLAN, root)
    for name in drop:
        (root / name.replace("_", ".")).unlink()
    return root


@pytest.mark.programme
def test_an_entry_nothing_cites_is_a_warning(tmp_path, capsys):
    # Without risk.yaml, an entry only it cited is cited by nothing: worth a look, not wrong
    # (an optional file may be left out), so validate says so and exits 0. (The 2018 PV
    # subsidy cut it also cites is cited by programme.yaml's subsidy schedule.)
    root = copy(tmp_path, risk_yaml=True)
    assert cli.main(["validate", str(root)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"warning: {root / 'sources.yaml'}: references[{IDS.index(ref)}].id: '{ref}' is cited"
        f" by no source: cite it, or remove it (line {line})"
        for ref, line in (("pboc-2015-rate-cut", 56),)
    ]


def test_without_a_bibliography_sources_are_free_text(tmp_path):
    root = copy(tmp_path, sources_yaml=True)
    pv = root / "projects" / "pv_phase1.yaml"
    text = pv.read_text(encoding="utf-8").replace(
        'source: "[xiaolan-plan-2014] Plan table 3-2: PV 5 MW by 2015"', 'source: "table 3-2"'
    )
    pv.write_text(text, encoding="utf-8")
    programme = load_programme(root)
    assert programme.sources is None and programme.warnings == ()


def test_new_into_another_bibliography_keeps_its_citations_loadable(tmp_path, capsys):
    # A programme whose sources.yaml holds only the plan: the example's other citations
    # become assumptions that say what the example cited, so the new file loads.
    root = copy(tmp_path)
    refs = [r for r in BIBLIOGRAPHY["references"] if r["id"] != "ndrc-2013-1638"]
    (root / "sources.yaml").write_text(
        yaml.safe_dump({"references": refs}, allow_unicode=True), encoding="utf-8"
    )
    for name in ("pv_phase1", "pv_phase2", "community_pv", "../structuring", "../programme"):
        path = root / "projects" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("[ndrc-2013-1638] ", "assumption: "), encoding="utf-8")
    assert cli.main(["new", str(root), "--archetype", "pv", "--id", "roofs"]) == 0
    text = (root / "projects" / "roofs.yaml").read_text(encoding="utf-8")
    assert "[ndrc-2013-1638]" not in text
    assert "assumption: the Xiaolan example's, citing ndrc-2013-1638 (replace it): NDRC" in text
    assert '"[xiaolan-plan-2014] Plan table 3-2: PV 5 MW by 2015"' in text  # held: kept


class TestPrinted:
    def test_results_json_holds_the_bibliography(self, xiaolan_build):
        assert [r["id"] for r in xiaolan_build.results["sources"]] == IDS
        assert xiaolan_build.results["sources"][0]["title"] == "中山市小榄镇低碳试点建设实施方案"

    @pytest.mark.parametrize("page", ["proposal.html", "investor.html"])
    def test_the_reports_print_it_and_link_each_citation(self, xiaolan_build, page):
        html = (xiaolan_build.out / page).read_text(encoding="utf-8")
        for ref in IDS:
            assert f'<tr id="src-{ref}">' in html
        if page == "proposal.html":  # the assumptions table cites by link
            assert '[<a class="ref" href="#src-ndrc-2006-methods">ndrc-2006-methods</a>]' in html

    def test_the_inputs_sheet_prints_it(self, xiaolan_build):
        ws = openpyxl.load_workbook(xiaolan_build.workbook, read_only=True)[INPUTS]
        rows = list(ws.iter_rows(values_only=True))
        heading = "资料来源：来源栏中以 [id] 引用的文献 / Sources: the documents cited as [id]"
        (start,) = [i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith(heading)]
        listed = [r[0] for r in rows[start + 2 : start + 2 + len(IDS)]]
        assert listed == IDS
        sources = {r[5] for r in rows[:start] if r[5]}
        assert (
            "[ndrc-2013-1638] NDRC Price [2013] 1638: 0.42 yuan/kWh on all distributed PV output"
            in sources
        )
