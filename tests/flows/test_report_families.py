"""The report's families page on a hand-made catalog: Brouncker's family (its mirror and
its shift as members), a new PCF for pi alone, and a trivial golden-ratio family. The page
holds MathML and folded members, no script, nothing to fetch; headless Chromium opens it
without errors and really lays the MathML out (a fraction's numerator above its
denominator)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conjectura.catalog import api
from conjectura.catalog.store import Catalog
from conjectura.flows import report
from conjectura.schemas import printing
from conjectura.schemas.printing import formula_text, pcf_text
from conjectura.schemas.tables import CONJECTURES, FAMILIES, TableKind
from tests.flows.chromium import chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SPACE = "families-0123456789"
MOBIUS_PI = ["1", "pi", "L", "L*pi"]
GOLDEN_BASIS = ["1", "L", "L*L"]
IDENTITY = {"U": [["1", "0"], ["0", "1"]], "c": "1", "shift": 0}

# name: (a, b, basis, relation, family, kind, certificate, limit map, novelty, known, trivial)
MEMBERS = {
    "brouncker": (
        [1, 2], [0, 0, 1], MOBIUS_PI, [4, 0, 0, -1],
        "fam-brouncker0", "representative", IDENTITY, [[1, 0], [0, 1]],
        "known", "brouncker", None,
    ),
    "mirror": (
        [-1, -2], [0, 0, 1], MOBIUS_PI, [4, 0, 0, 1],
        "fam-brouncker0", "mirror", {"U": [["1", "0"], ["0", "-1"]], "c": "-1", "shift": 0},
        [[1, 0], [0, -1]], "known", "brouncker", None,
    ),
    # Brouncker's tail: PCF(2n+3, n^2+2n+1) = pi/(4 - pi) = 1/(L_rep - 1)
    "shift": (
        [3, 2], [1, 2, 1], MOBIUS_PI, [0, 1, -4, 1],
        "fam-brouncker0", "shift", {"U": [["1", "0"], ["0", "1"]], "c": "1", "shift": 1},
        [[0, 1], [1, -1]], "known", "brouncker", None,
    ),
    # 4/(3pi - 8): another convergence rate than Brouncker's, so a family of its own
    "rm": (
        [3, 3], [0, 1, -2], MOBIUS_PI, [4, 0, 8, -3],
        "fam-ramanujan00", "representative", IDENTITY, [[1, 0], [0, 1]],
        "known-constant-new-pcf", None, None,
    ),
    "golden": (
        [1], [1], GOLDEN_BASIS, [-1, -1, 1],
        "fam-golden0000", "representative", IDENTITY, [[1, 0], [0, 1]],
        "known", None, "quadratic irrational from constant coefficients",
    ),
}  # fmt: skip


def conjecture_columns(names: list[str]) -> dict[str, list]:
    rows = []
    for pcf_id, name in enumerate(names):
        a, b, basis, relation, family, _, _, _, novelty, known, trivial = MEMBERS[name]
        rows.append(
            {
                "conjecture_id": f"c-{name}",
                "detector": "mobius" if basis == MOBIUS_PI else "algebraic",
                "run_id": "run-1",
                "created_at": datetime.now(UTC),
                "subject": pcf_text(a, b),
                "pcf_id": pcf_id,
                "space": SPACE,
                "a_coeffs": a,
                "b_coeffs": b,
                "basis": basis,
                "relation": relation,
                "formula": formula_text(pcf_text(a, b), basis, relation),
                "digits": 60.0 + pcf_id,
                "status": "verified",
                "exact_depth": 400,
                "family_id": family,
                "known": known,
                "novelty": novelty,
                "trivial": trivial,
            }
        )
    return {column: [row.get(column) for row in rows] for column in CONJECTURES.schema.names}


def family_columns(names: list[str]) -> dict[str, list]:
    rows = []
    for pcf_id, name in enumerate(names):
        a, b, _, _, family, kind, certificate, limit_map, *_ = MEMBERS[name]
        representative = next(
            v for v in MEMBERS.values() if v[4] == family and v[5] == "representative"
        )
        rows.append(
            {
                "family_id": family,
                "space": SPACE,
                "conjecture_id": f"c-{name}",
                "pcf_id": pcf_id,
                "a_coeffs": a,
                "b_coeffs": b,
                "rep_a_coeffs": representative[0],
                "rep_b_coeffs": representative[1],
                "kind": kind,
                "certificate": json.dumps(certificate),
                "limit_map": limit_map,
                "delta": -0.5 if name == "brouncker" else None,
                "run_id": "run-1",
            }
        )
    return {column: [row[column] for row in rows] for column in FAMILIES.schema.names}


def catalog_of(root: Path, *, families: bool = True) -> Path:
    names = list(MEMBERS)
    catalog = Catalog(root)
    catalog.commit(
        TableKind.CONJECTURES,
        conjecture_columns(names),
        partition={"kind": "pcf_limit"},
        key="run-1-0",
    )
    if families:
        catalog.commit(TableKind.FAMILIES, family_columns(names), partition={}, key=SPACE)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The report of the hand-made catalog; its folder."""
    root = catalog_of(tmp_path_factory.mktemp("catalog"))
    out = tmp_path_factory.mktemp("report")
    report.build_report(api.open(root), out)
    return out


def test_every_page_links_the_families_page(built: Path) -> None:
    pages = sorted(built.glob("*.html"))
    assert {p.name for p in pages} == {
        "index.html", "conjectures-001.html", "families.html", "fields.html"
    }  # fmt: skip
    for page in pages:
        assert "href='families.html'" in page.read_text(), page.name
        assert "href='fields.html'" in page.read_text(), page.name
    assert "no trajectories" in (built / "fields.html").read_text()  # a catalog without fields


def test_families_page_holds_mathml_and_folded_members_and_nothing_to_fetch(built: Path) -> None:
    text = (built / "families.html").read_text()
    assert "<math" in text and "<details" in text and "<summary>" in text
    assert "<td>families</td><td>3</td>" in text
    assert "<td>members (PCF conjectures)</td><td>5</td>" in text
    assert "<td>trivial families</td><td>1</td>" in text
    assert "<td>families with novelty known-constant-new-pcf</td><td>1</td>" in text
    assert "2 equivalent PCFs: 1 mirror, 1 shift" in text
    assert "<td>mirror</td>" in text and "<td>shift</td>" in text
    assert "known (brouncker)" in text
    assert "quadratic irrational from constant coefficients" in text
    assert "PCF(-2n-1, n^2) = -4/pi" in text and "PCF(2n+3, n^2+2n+1) = -pi/(pi - 4)" in text
    assert "data:image/png;base64," in text  # the representatives' convergence plots
    assert "<code" not in text  # every formula converted to MathML, none left as TeX
    assert "<script" not in text
    assert not re.search(r"""(src|href)=["']https?:""", text)
    # new formulas before known ones, trivial families last
    order = [text.index(f"<h2>{i}. ") for i in (1, 2, 3)]
    assert order == sorted(order)
    assert re.search(r"<h2>1\. PCF\(3n\+3, -2n\^2\+n\)</h2>", text)
    assert re.search(r"<h2>2\. PCF\(2n\+1, n\^2\)</h2>", text)
    assert re.search(r"<h2>3\. PCF\(1, 1\)</h2>", text)


def test_families_page_says_so_when_the_catalog_has_no_families(tmp_path: Path) -> None:
    root = catalog_of(tmp_path / "catalog", families=False)
    written = report.build_report(api.open(root), tmp_path / "report")
    assert written[-1].name == "families.html"
    text = written[-1].read_text()
    assert "no families yet" in text and "<section" not in text


def test_families_beyond_the_cap_are_counted_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "MAX_FAMILIES", 2)
    monkeypatch.setattr(report, "MAX_MEMBERS", 1)
    root = catalog_of(tmp_path / "catalog")
    report.build_report(api.open(root), tmp_path / "report")
    text = (tmp_path / "report" / "families.html").read_text()
    assert text.count("<section class='family'") == 2
    assert "1 of 3 families are not shown" in text
    assert "<td>mirror</td>" in text and "<td>shift</td>" not in text
    assert "1 of 2 members are not listed" in text


def test_a_certificate_the_printer_refuses_shows_as_text() -> None:
    shown = report._typeset_or_text(printing.certificate_tex, '{"U": "garbled"}')
    assert shown == "<code>{&quot;U&quot;: &quot;garbled&quot;}</code>"
    assert report.mathml(r"\frac{1}{").startswith("<code class='tex'>")


# -- in a browser ---------------------------------------------------------------------------

# Reads the first block formula's layout after the page has loaded and writes it into the
# DOM, which --dump-dom prints. Only a copy of the page used for this probe has a script.
PROBE = """<script>
const block = document.querySelector("math[display=block]");
const fraction = block.querySelector("mfrac");
const numerator = fraction.children[0].getBoundingClientRect();
const denominator = fraction.children[1].getBoundingClientRect();
const found = {
  numeratorBottom: numerator.bottom,
  denominatorTop: denominator.top,
  height: block.getBoundingClientRect().height,
  fontSize: parseFloat(getComputedStyle(block).fontSize),
  maths: document.querySelectorAll("math").length,
  mathNamespace: block.namespaceURI,
};
const pre = document.createElement("pre");
pre.id = "probe";
pre.textContent = JSON.stringify(found);
document.body.append(pre);
</script>"""


@pytest.mark.integration
def test_families_page_opens_and_lays_out_mathml_in_headless_chromium(
    built: Path, tmp_path: Path
) -> None:
    page = built / "families.html"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-families.png"
    shot.unlink(missing_ok=True)
    run = chromium(f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "profile")
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    assert "Failed to load resource" not in run.stderr
    assert shot.exists() and shot.stat().st_size > 10_000

    probe = built / "families-probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dumped = chromium("--dump-dom", probe.as_uri(), profile=tmp_path / "profile")
    assert "Failed to load resource" not in dumped.stderr
    match = re.search(r'<pre id="probe">(.*?)</pre>', dumped.stdout)
    assert match, dumped.stdout[-2000:] + dumped.stderr[-2000:]
    found = json.loads(match.group(1).replace("&quot;", '"'))
    assert found["mathNamespace"] == "http://www.w3.org/1998/Math/MathML"
    assert found["maths"] == page.read_text().count("<math ")
    # laid out as MathML, a fraction stacks; as unknown inline elements it would be one line
    assert found["numeratorBottom"] <= found["denominatorTop"] + 1, found
    # four nested fractions of the continued fraction: several lines tall
    assert found["height"] > 3 * found["fontSize"], found
