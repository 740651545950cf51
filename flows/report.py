"""A static, self-contained HTML report of a catalog: formulas typeset (matplotlib
mathtext, inline SVG), per-conjecture convergence plots, cluster planes, runs over time.
No script, no network: every picture is inlined. Conjectures are paginated."""

from __future__ import annotations

import base64
import html
import io
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import polars as pl
from matplotlib import mathtext

from conjectura.catalog import queries
from conjectura.catalog.api import CatalogReader
from conjectura.flows import plots
from conjectura.kernels.dynamics import error_curve
from conjectura.schemas import printing

PAGE_SIZE = 50
MAX_PLOTTED = 500  # convergence plots beyond this many conjectures are summarised away
CURVE_DEPTH = 300

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1,h2{font-weight:600} table{border-collapse:collapse;width:100%;margin:1em 0}
td,th{border-bottom:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:middle}
th{background:#f4f4f4} .verified{color:#176f2c;font-weight:600} .numerical{color:#a65f00}
.formula svg{max-width:560px;height:auto} img.curve{width:260px}
nav a{margin-right:1em} .muted{color:#777;font-size:.9em} .planes img{width:48%}
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
    try:
        ns, errors = error_curve(a, b, CURVE_DEPTH)
    except ValueError:
        return None
    figure, axes = plt.subplots(figsize=(3.2, 1.9), dpi=90)
    axes.plot(ns, errors, lw=1)
    axes.set_xlabel("n", fontsize=7)
    axes.set_ylabel("log10 error", fontsize=7)
    axes.tick_params(labelsize=6)
    figure.tight_layout()
    return _png(figure)


def build_report(reader: CatalogReader, out: Path) -> list[Path]:
    """Write index.html and conjectures-NNN.html under ``out``; return their paths."""
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
    return written


def _document(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def _nav(pages: int) -> str:
    links = "".join(f"<a href='conjectures-{i:03d}.html'>page {i}</a>" for i in range(1, pages + 1))
    return f"<nav><a href='index.html'>summary</a>{links}</nav>"


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
