"""A static, self-contained HTML report of a catalog: formulas typeset (matplotlib
mathtext, inline SVG), per-conjecture convergence plots, cluster planes, runs over time,
and a page of PCF families whose formulas are MathML (latex2mathml; browsers lay it out
natively). No script, no network: every picture is inlined. Conjectures are paginated."""

from __future__ import annotations

import base64
import functools
import html
import io
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import polars as pl
from latex2mathml.converter import convert as latex_to_mathml
from matplotlib import mathtext

from conjectura.catalog import queries
from conjectura.catalog.api import CatalogReader
from conjectura.flows import plots
from conjectura.kernels.dynamics import error_curve
from conjectura.schemas import printing

PAGE_SIZE = 50
MAX_PLOTTED = 500  # convergence plots beyond this many conjectures are summarised away
CURVE_DEPTH = 300
MAX_FAMILIES = 200  # families beyond this many are counted, not shown
MAX_MEMBERS = 100  # members listed under one family; the rest are counted
CF_LEVELS = 3  # integer levels of a representative's continued fraction before the general one
KIND_ORDER = {"representative": 0, "mirror": 1, "shift": 2, "scale": 3, "coboundary": 4}
CERTIFICATE_TEX = r"M_{\mathrm{member}}(n)\,U(n+1) = c(n)\,U(n)\,M_{\mathrm{rep}}(n+k)"
STEP_MATRIX_TEX = r"M(n) = \left(\begin{matrix}0 & b(n) \\ 1 & a(n)\end{matrix}\right)"
MOBIUS_TEX = r"L = \frac{t_{11} L_{\mathrm{rep}} + t_{12}}{t_{21} L_{\mathrm{rep}} + t_{22}}"

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1,h2{font-weight:600} table{border-collapse:collapse;width:100%;margin:1em 0}
td,th{border-bottom:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:middle}
th{background:#f4f4f4} .verified{color:#176f2c;font-weight:600} .numerical{color:#a65f00}
.formula svg{max-width:560px;height:auto} img.curve{width:260px}
nav a{margin-right:1em} .muted{color:#777;font-size:.9em} .planes img{width:48%}
math{font-size:1.15em;math-style:normal;
  font-family:"Latin Modern Math","STIX Two Math","DejaVu Math TeX Gyre",math}
math[display=block]{margin:.4em 0}
section.family{border-top:2px solid #ccc;margin-top:2em;padding-top:.5em}
.family-head{display:flex;gap:2em;align-items:center;flex-wrap:wrap}
table.facts{width:auto} table.facts th{width:9em} .new{color:#176f2c;font-weight:600}
.known-constant-new-pcf{color:#2e5c99;font-weight:600} .trivial{color:#a65f00}
details{margin:.8em 0} summary{cursor:pointer;font-weight:600}
"""


def typeset(tex: str) -> str:
    """Inline SVG of a TeX formula (glyphs as paths: no fonts, no script needed)."""
    buffer = io.BytesIO()
    mathtext.math_to_image(f"${tex}$", buffer, format="svg", dpi=140)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _curve(a: list[int], b: list[int]) -> str | None:
    """The PNG data URI of a PCF's convergence plot (None when it has no error curve)."""
    return _cached_curve(tuple(a), tuple(b))


# The families page draws representatives the conjecture pages have drawn already; a plot
# takes ~70 ms and its data URI ~20 kB, so a bounded cache pays.
@functools.lru_cache(maxsize=MAX_PLOTTED + MAX_FAMILIES)
def _cached_curve(a: tuple[int, ...], b: tuple[int, ...]) -> str | None:
    try:
        ns, errors = error_curve(list(a), list(b), CURVE_DEPTH)
    except ValueError:
        return None
    figure, axes = plt.subplots(figsize=(3.2, 1.9), dpi=90)
    axes.plot(ns, errors, lw=1)
    axes.set_xlabel("n", fontsize=7)
    axes.set_ylabel("log10 error", fontsize=7)
    axes.tick_params(labelsize=6)
    figure.tight_layout()
    return _png(figure)


def mathml(tex: str, *, block: bool = False) -> str:
    """A <math> element of a TeX formula (latex2mathml), for the browser to lay out; a
    formula the converter cannot read shows as its TeX source instead of failing the page."""
    try:
        markup = latex_to_mathml(tex, display="block" if block else "inline")
    except Exception:  # latex2mathml's errors share no base class; one formula is not worth a page
        return f"<code class='tex'>{html.escape(tex)}</code>"
    # latex2mathml writes operators as character references but copies the text of a name
    # (\mathrm{...}) as it is: a bare & there must become &amp; in HTML
    return re.sub(r"&(?!#x[0-9A-Fa-f]+;)", "&amp;", markup)


def build_report(reader: CatalogReader, out: Path) -> list[Path]:
    """Write index.html, conjectures-NNN.html, fields.html with a cmf-NAME.html per matrix
    field, and families.html under ``out``; return their paths (families.html last)."""
    out.mkdir(parents=True, exist_ok=True)
    conjectures = reader.conjectures().sort(["status", "digits"], descending=[True, True]).collect()
    pages = max(1, -(-conjectures.height // PAGE_SIZE))
    written = [out / "index.html"]
    written[0].write_text(_index(reader, conjectures, pages))
    for page in range(pages):
        rows = conjectures.slice(page * PAGE_SIZE, PAGE_SIZE)
        path = out / f"conjectures-{page + 1:03d}.html"
        path.write_text(_conjecture_page(rows, page, pages))
        written.append(path)
    fields = _field_pages(reader, pages)
    index = out / "fields.html"
    index.write_text(_fields_index(fields, pages))
    written.append(index)
    for name, page_html in fields.items():
        path = out / _field_file(name)
        path.write_text(page_html)
        written.append(path)
    families = out / "families.html"
    families.write_text(_families_page(reader, pages))
    written.append(families)
    return written


def _document(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def _nav(pages: int) -> str:
    links = "".join(f"<a href='conjectures-{i:03d}.html'>page {i}</a>" for i in range(1, pages + 1))
    return (
        "<nav><a href='index.html'>summary</a><a href='families.html'>families</a>"
        f"<a href='fields.html'>matrix fields</a>{links}</nav>"
    )


def _index(reader: CatalogReader, conjectures: pl.DataFrame, pages: int) -> str:
    runs = reader.runs().sort("started_at").collect()
    by_kind = conjectures.group_by("kind", "status").len().sort("kind", "status")
    body = [
        f"<h1>conjectura catalog</h1><p class='muted'>{html.escape(str(reader.root))}</p>",
        _nav(pages),
        "<h2>Conjectures</h2><table><tr><th>kind</th><th>status</th><th>count</th></tr>",
    ]
    body += [
        f"<tr><td>{k}</td><td class='{s}'>{s}</td><td>{n:,}</td></tr>"
        for k, s, n in by_kind.iter_rows()
    ]
    body.append("</table>")
    body.append("<h2>Runs over time</h2>")
    if runs.height:
        figure, axes = plt.subplots(figsize=(8, 2.6), dpi=100)
        axes.bar(range(runs.height), runs["conjectures"].fill_null(0).to_list(), color="#4a7ab5")
        axes.set_xticks(
            range(runs.height),
            [r[:15] for r in runs["run_id"]],
            rotation=30,
            fontsize=7,
            ha="right",
        )
        axes.set_ylabel("conjectures in space")
        figure.tight_layout()
        body.append(f"<img alt='conjectures per run' src='{_png(figure)}'>")
        body.append(
            "<table><tr><th>run</th><th>spec</th><th>status</th><th>started</th>"
            "<th>PCFs</th><th>conjectures</th><th>verified</th></tr>"
        )
        for run in runs.iter_rows(named=True):
            body.append(
                f"<tr><td>{run['run_id']}</td><td>{html.escape(run['spec_name'])}</td>"
                f"<td>{run['status']}</td><td>{run['started_at']:%Y-%m-%d %H:%M}</td>"
                f"<td>{run['pcfs'] or ''}</td><td>{run['conjectures'] or ''}</td>"
                f"<td>{run['verified'] or ''}</td></tr>"
            )
        body.append("</table>")
    clusters = reader.clusters().select("space").unique().collect()
    for (space,) in clusters.iter_rows():
        with tempfile.TemporaryDirectory() as scratch:
            points = queries.space_metrics(reader.catalog, space, plots.PLANE_COLUMNS)
            clusters_of_space = queries.space_clusters(reader.catalog, space)
            pictures = plots.cluster_planes(points, clusters_of_space, space, Path(scratch))
            images = "".join(
                f"<img alt='{p.stem}' src='data:image/png;base64,"
                f"{base64.b64encode(p.read_bytes()).decode()}'>"
                for p in pictures
            )
        body.append(f"<h2>Clusters of {html.escape(space)}</h2><div class='planes'>{images}</div>")
    return _document("conjectura catalog", "".join(body))


def _conjecture_page(rows: pl.DataFrame, page: int, pages: int) -> str:
    body = [
        f"<h1>Conjectures, page {page + 1} of {pages}</h1>",
        _nav(pages),
        "<table><tr><th>#</th><th>formula</th><th>relation</th><th>digits</th>"
        "<th>status</th><th>convergence</th></tr>",
    ]
    for i, row in enumerate(rows.iter_rows(named=True)):
        number = page * PAGE_SIZE + i + 1
        relation = typeset(printing.relation_tex(row["basis"], row["relation"]))
        subject = typeset(printing.subject_tex(row["subject"], row["a_coeffs"], row["b_coeffs"]))
        curve = None
        if row["a_coeffs"] is not None and number <= MAX_PLOTTED:
            curve = _curve(row["a_coeffs"], row["b_coeffs"])
        picture = f"<img class='curve' alt='convergence' src='{curve}'>" if curve else ""
        body.append(
            f"<tr><td>{number}</td><td class='formula'>{subject}<div class='muted'>"
            f"{html.escape(row['formula'])}</div></td><td class='formula'>{relation}</td>"
            f"<td>{row['digits']:.1f}</td><td class='{row['status']}'>{row['status']}</td>"
            f"<td>{picture}</td></tr>"
        )
    body.append("</table>")
    if pages * PAGE_SIZE > MAX_PLOTTED:
        body.append(
            f"<p class='muted'>Convergence plots are drawn for the first "
            f"{MAX_PLOTTED} conjectures only.</p>"
        )
    return _document(f"conjectures {page + 1}", "".join(body))


def _families_page(reader: CatalogReader, pages: int) -> str:
    """families.html: counts, then one section per family in the overview's order (new,
    non-trivial families first), its members folded under a <details> element."""
    overview = queries.families_overview(reader.catalog)
    body = ["<h1>Families of PCFs</h1>", _nav(pages)]
    if overview.height == 0:
        body.append(
            "<p>This catalog has no families yet. A run's families stage groups its PCF "
            "conjectures into families; catalogs written before it existed have none.</p>"
        )
        return _document("families", "".join(body))
    conjectures = (
        reader.conjectures()
        .select("conjecture_id", "formula", "basis", "relation")
        .unique("conjecture_id")
    )
    members = reader.families().join(conjectures, on="conjecture_id", how="left").collect()
    body.append(
        "<p>A <b>family</b> gathers PCF conjectures whose limits are equivalent: each "
        f"member's limit is a Möbius transformation {mathml(MOBIUS_TEX)} of its "
        "representative's. A <b>certificate</b> proves a membership exactly, with a matrix "
        "U(n), a factor c(n) and a shift k such that "
        f"{mathml(CERTIFICATE_TEX)}, where {mathml(STEP_MATRIX_TEX)}.</p>"
    )
    body.append(_family_counts(overview, members))
    shown = overview.head(MAX_FAMILIES)
    by_family = members.partition_by("family_id", as_dict=True)
    for number, family in enumerate(shown.iter_rows(named=True), start=1):
        rows = by_family.get((family["family_id"],), members.clear())
        body.append(_family_section(number, family, rows))
    if overview.height > MAX_FAMILIES:
        body.append(
            f"<p class='muted'>{overview.height - MAX_FAMILIES:,} of {overview.height:,} "
            f"families are not shown here (the page stops after {MAX_FAMILIES}); the "
            "catalog's families table holds them all.</p>"
        )
    return _document("families", "".join(body))


def _family_counts(overview: pl.DataFrame, members: pl.DataFrame) -> str:
    """A table of families, members, families by novelty and trivial families."""
    novelty = overview.group_by(pl.col("novelty").fill_null("not set")).len().sort("novelty")
    kinds = members.group_by("kind").len()
    kinds = kinds.sort(pl.col("kind").replace_strict(KIND_ORDER, default=len(KIND_ORDER)))
    rows = [
        ("families", overview.height),
        ("members (PCF conjectures)", members.height),
        *((f"families with novelty {n}", k) for n, k in novelty.iter_rows()),
        ("trivial families", overview["trivial"].is_not_null().sum()),
        *((f"members of kind {n}", k) for n, k in kinds.iter_rows()),
    ]
    cells = "".join(f"<tr><td>{html.escape(name)}</td><td>{n:,}</td></tr>" for name, n in rows)
    return f"<h2>Counts</h2><table class='facts'>{cells}</table>"


def _family_section(number: int, family: dict[str, Any], rows: pl.DataFrame) -> str:
    """One family: its representative as a continued fraction with its convergence plot,
    the representative's conjecture, and its other members with certificates."""
    a, b = family["rep_a_coeffs"], family["rep_b_coeffs"]
    representative = rows.filter(pl.col("kind") == "representative").head(1)
    curve = _curve(a, b)
    picture = f"<img class='curve' alt='convergence' src='{curve}'>" if curve else ""
    formula = family["formula"] or printing.pcf_text(a, b)
    relation = ""
    if representative.height and representative["relation"][0] is not None:
        tex = printing.relation_tex(representative["basis"][0], representative["relation"][0])
        relation = f"<div>{mathml(tex)}</div>"
    novelty = family["novelty"] or "-"
    if family["known"]:
        novelty += f" ({family['known']})"
    facts = [
        ("formula", f"{html.escape(formula)}{relation}", ""),
        ("digits", _number(family["digits"], ".1f"), ""),
        ("δ", _number(family["delta"], ".3f"), ""),
        ("status", html.escape(family["status"] or "-"), family["status"] or ""),
        ("novelty", html.escape(novelty), family["novelty"] or ""),
    ]
    if family["trivial"]:
        facts.append(("trivial", html.escape(family["trivial"]), "trivial"))
    facts.append(("members", f"{family['members']:,}", ""))
    table = "".join(
        f"<tr><th>{name}</th><td class='{html.escape(css)}'>{value}</td></tr>"
        for name, value, css in facts
    )
    subject = html.escape(family["subject"] or printing.pcf_text(a, b))
    return (
        f"<section class='family' id='{html.escape(family['family_id'])}'>"
        f"<h2>{number}. {subject}</h2><p class='muted'>{html.escape(family['family_id'])}"
        f" in {html.escape(family['space'])}</p>"
        f"<div class='family-head'><div>"
        f"{mathml(printing.continued_fraction_tex(a, b, CF_LEVELS), block=True)}</div>"
        f"{picture}</div><table class='facts'>{table}</table>{_members(rows)}</section>"
    )


def _members(rows: pl.DataFrame) -> str:
    """The family's members other than its representative, folded in a <details> element:
    each PCF typeset, its kind, its certificate and its limit map."""
    others = (
        rows.filter(pl.col("kind") != "representative")
        .with_columns(order=pl.col("kind").replace_strict(KIND_ORDER, default=len(KIND_ORDER)))
        .sort("order", "pcf_id")
    )
    if others.height == 0:
        return "<p class='muted'>No other members.</p>"
    kinds = others.group_by("kind", "order").len().sort("order")
    summary = ", ".join(f"{n} {html.escape(kind)}" for kind, _, n in kinds.iter_rows())
    plural = "s" if others.height != 1 else ""
    lines = [
        f"<details><summary>{others.height:,} equivalent PCF{plural}: {summary}</summary>"
        "<table><tr><th>member</th><th>kind</th><th>certificate</th>"
        "<th>limit</th></tr>"
    ]
    for member in others.head(MAX_MEMBERS).iter_rows(named=True):
        pcf = mathml(printing.pcf_tex(member["a_coeffs"], member["b_coeffs"]))
        formula = member["formula"] or ""
        lines.append(
            f"<tr><td>{pcf}<div class='muted'>{html.escape(formula)}</div></td>"
            f"<td>{html.escape(member['kind'])}</td>"
            f"<td>{_typeset_or_text(printing.certificate_tex, member['certificate'])}</td>"
            f"<td>{_typeset_or_text(printing.mobius_map_tex, member['limit_map'])}</td></tr>"
        )
    lines.append("</table>")
    if others.height > MAX_MEMBERS:
        lines.append(
            f"<p class='muted'>{others.height - MAX_MEMBERS:,} of {others.height:,} members "
            "are not listed here.</p>"
        )
    lines.append("</details>")
    return "".join(lines)


MAX_TRAJECTORIES = 60  # trajectories listed on a field's page, best first


def _field_file(name: str) -> str:
    return "cmf-" + re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".html"


def _fields_index(fields: dict[str, str], pages: int) -> str:
    body = ["<h1>Conservative matrix fields</h1>", _nav(pages)]
    if not fields:
        body.append("<p>This catalog holds no trajectories (run a spec with family: cmf).</p>")
    body += [f"<p><a href='{_field_file(name)}'>{html.escape(name)}</a></p>" for name in fields]
    return _document("matrix fields", "".join(body))


def _field_pages(reader: CatalogReader, pages: int) -> dict[str, str]:
    """One page per field of the trajectories table: its δ and digits-per-step maps and
    its best trajectories, formulas typeset."""
    names = reader.trajectories().select("cmf").unique().collect()["cmf"].sort().to_list()
    return {name: _field_page(reader, name, pages) for name in names}


def _field_page(reader: CatalogReader, name: str, pages: int) -> str:
    from conjectura.kernels.fields import library_field, library_names

    rows = queries.cmf_trajectories(reader.catalog, name)
    statuses = rows["status"].fill_null("unidentified").value_counts(sort=True)
    counts = ", ".join(f"{n:,} {s}" for s, n in statuses.iter_rows())
    body = [f"<h1>Field {html.escape(name)}</h1>", _nav(pages)]
    axes = rows["axes"][0] if rows.height else []
    body.append(
        f"<p>{rows.height:,} trajectories ({counts}); axes {html.escape(', '.join(axes))}. "
        "A trajectory's limit is p<sub>N</sub>/q<sub>N</sub>, the last column of "
        "W<sub>N</sub> = T(0)···T(N−1), first entry over second; δ is taken at N/2 "
        "against it.</p>"
    )
    if name in library_names():
        field = library_field(name)
        matrices = "".join(
            mathml(rf"M_{{{axis}}} = {_matrix_tex(matrix)}", block=True)
            for axis, matrix in zip(field.axes, field.matrices, strict=True)
        )
        body.append(f"<p class='muted'>{html.escape(field.source)}</p>{matrices}")
    figure = plots.trajectory_maps(rows, name)
    if figure is not None:
        body.append(f"<img alt='trajectory maps' src='{_png(figure)}' style='width:100%'>")
    body.append(
        "<table><tr><th>direction</th><th>start</th><th>status</th><th>FR δ</th>"
        "<th>naive δ</th><th>digits/step</th><th>digits</th><th>limit</th>"
        "<th>equivalent PCF</th><th>family</th></tr>"
    )
    for row in rows.head(MAX_TRAJECTORIES).iter_rows(named=True):
        status = row["status"] or "-"
        if row["relation"] is not None:
            formula = mathml(printing.relation_tex(row["basis"], row["relation"]))
        else:
            formula = html.escape(row["reason"] or _number(row["limit"], ".12g"))
        pcf = ""
        if row["pcf_a_coeffs"] is not None:
            pcf = _typeset_or_text(
                lambda ab: printing.pcf_tex(*ab), (row["pcf_a_coeffs"], row["pcf_b_coeffs"])
            )
        body.append(
            f"<tr><td>{row['trajectory']}</td><td>{row['start']}</td>"
            f"<td class='{status}'>{status}</td><td>{_number(row['delta_fr'], '.4f')}</td>"
            f"<td>{_number(row['delta_naive'], '.4f')}</td>"
            f"<td>{_number(row['digits_per_step'], '.3f')}</td>"
            f"<td>{_number(row['digits'], '.1f')}</td><td>{formula}</td><td>{pcf}</td>"
            f"<td class='muted'>{html.escape(row['family_id'] or '')}</td></tr>"
        )
    body.append("</table>")
    if rows.height > MAX_TRAJECTORIES:
        body.append(f"<p class='muted'>{rows.height - MAX_TRAJECTORIES:,} more in the table.</p>")
    return _document(f"field {name}", "".join(body))


def _matrix_tex(matrix: Any) -> str:
    import sympy

    return sympy.latex(sympy.Matrix(matrix), mat_delim="(")


def _typeset_or_text(tex_of: Callable[[Any], str], value: Any) -> str:
    """MathML of ``tex_of(value)``; the value as text when the printer refuses it (a
    malformed certificate should show, not break the page)."""
    try:
        return mathml(tex_of(value))
    except ValueError:
        return f"<code>{html.escape(str(value))}</code>"


def _number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)
