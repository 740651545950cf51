"""The ``conjectura`` command line. Exit codes: 0 done, 1 failure, 2 bad input."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from conjectura.catalog.ingest import IngestError
from conjectura.catalog.store import Catalog, CatalogError
from conjectura.flows import dask_clusters
from conjectura.flows.registry import family_of
from conjectura.kernels import constants as library
from conjectura.schemas.profile import available_profiles, load_profile
from conjectura.schemas.spec import DEFAULT_MAX_SPACE, CmfSpec, Spec, SpecError, load_spec
from conjectura.schemas.tables import TABLES, TableKind

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Input the user can fix; reported in one line with exit code 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (BadInput, SpecError, CatalogError, IngestError) as err:
        Console(stderr=True, soft_wrap=True).print(
            f"[bold red]conjectura: error:[/] {escape(str(err))}", highlight=False
        )
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a failed run: say what failed, keep what was committed
        Console(stderr=True, soft_wrap=True).print(
            f"[bold red]conjectura: run failed:[/] {type(err).__name__}: {escape(str(err))}",
            highlight=False,
        )
        return EXIT_FAILURE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="conjectura", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a search (the embedded default spec if none)")
    run.add_argument("spec", nargs="?", type=Path, help="search spec (YAML)")
    run.add_argument(
        "--catalog", type=Path, help="catalog root (default: $CONJECTURA_CATALOG or ./data/catalog)"
    )
    run.add_argument("--address", help="existing Dask scheduler, tcp://HOST:PORT")
    run.add_argument(
        "--cluster",
        default="local",
        help="cluster profile: a name in infra/profiles or a .yaml path",
    )
    run.add_argument("--workers", type=int, help="LocalCluster worker processes (default: cores)")
    run.add_argument(
        "--max-space",
        type=int,
        default=DEFAULT_MAX_SPACE,
        help=f"refuse specs with more PCFs than this (default {DEFAULT_MAX_SPACE:,})",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.add_argument(
        "--all",
        action="store_true",
        help="end with every conjecture row instead of one line per family",
    )
    run.add_argument(
        "--max-in-flight",
        type=int,
        default=8,
        help="shards between submission and identification at once (default 8)",
    )
    run.set_defaults(handler=_run)

    ingest = commands.add_parser("ingest", help="load integer sequences into the catalog")
    ingest.add_argument("files", nargs="+", type=Path, help="b-file, .csv, .jsonl, .parquet")
    ingest.add_argument(
        "--format",
        choices=["auto", "bfile", "csv", "jsonl", "parquet"],
        default="auto",
        help="default: from the file's suffix (else b-file)",
    )
    ingest.add_argument("--catalog", type=Path, help="catalog root")
    ingest.set_defaults(handler=_ingest)

    serve = commands.add_parser("serve", help="a scheduled Prefect deployment of a search")
    serve.add_argument("spec", type=Path, help="search spec (YAML)")
    when = serve.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", help='cron schedule, e.g. "0 3 * * *"')
    when.add_argument("--interval", type=int, help="seconds between runs")
    serve.add_argument("--catalog", type=Path, help="catalog root")
    serve.add_argument("--cluster", default="local", help="cluster profile for each run")
    serve.add_argument("--name", help="deployment name (default: the spec's name)")
    serve.add_argument("--max-space", type=int, default=DEFAULT_MAX_SPACE)
    serve.set_defaults(handler=_serve)

    cluster = commands.add_parser("cluster", help="cluster profiles")
    cluster_actions = cluster.add_subparsers(dest="action", required=True)
    show = cluster_actions.add_parser("render", help="what a profile would start or submit")
    show.add_argument("profile", help="profile name or .yaml path")
    show.set_defaults(handler=_cluster_render)
    listing = cluster_actions.add_parser("list", help="the shipped profiles")
    listing.set_defaults(handler=_cluster_list)

    query = commands.add_parser("query", help="SQL (DuckDB) over the catalog's tables")
    query.add_argument("sql", help='e.g. "SELECT formula FROM conjectures LIMIT 5"')
    query.add_argument("--catalog", type=Path, help="catalog root")
    query.add_argument("--format", choices=["table", "csv", "json", "parquet"], default="table")
    query.add_argument("--out", type=Path, help="write here instead of the terminal")
    query.set_defaults(handler=_query)

    report = commands.add_parser("report", help="a static HTML report of the catalog")
    report.add_argument("--catalog", type=Path, help="catalog root")
    report.add_argument("--out", type=Path, default=Path("report"), help="folder (./report)")
    report.set_defaults(handler=_report)

    docs = commands.add_parser("docs", help="generated documentation")
    docs_kinds = docs.add_subparsers(dest="kind", required=True)
    docs_kinds.add_parser("tables", help="the catalog table reference (Markdown)").set_defaults(
        handler=_docs_tables
    )

    catalog = commands.add_parser("catalog", help="check, compact or recheck the catalog")
    actions = catalog.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="verify every file against its schema and the runs")
    compact = actions.add_parser("compact", help="merge each partition's files into one")
    compact.add_argument(
        "--table",
        choices=[kind.value for kind, table in TABLES.items() if table.partition_by],
        action="append",
        help="partitioned table to compact (default: pcf and conjectures)",
    )
    migrate = actions.add_parser(
        "migrate", help="rewrite files of an older schema version in the current one"
    )
    recheck = actions.add_parser(
        "recheck", help="re-derive conjectures by a separate code path; exit 1 on a false one"
    )
    recheck.add_argument("--sample", type=int, help="recheck this many rows, drawn at random")
    recheck.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    recheck.add_argument(
        "--all",
        action="store_true",
        help="every row, numerical and sequence limits too (default: verified rows)",
    )
    families = actions.add_parser(
        "families",
        help="recompute the families of each space's PCF conjectures (after an upgrade of "
        "the formula library, or for a catalog written before families existed)",
    )
    families.add_argument(
        "--space", action="append", help="only this space (repeatable; default: every space)"
    )
    for sub, handler in (
        (check, _catalog_check),
        (compact, _catalog_compact),
        (migrate, _catalog_migrate),
        (recheck, _catalog_recheck),
        (families, _catalog_families),
    ):
        sub.add_argument("--catalog", type=Path, help="catalog root")
        sub.set_defaults(handler=handler)

    plot = commands.add_parser("plot", help="PNG pictures of clusters and convergence")
    kinds = plot.add_subparsers(dest="kind", required=True)
    planes = kinds.add_parser("clusters", help="each dynamics plane coloured by cluster")
    planes.add_argument("--space", help="pcf partition (default: the latest run's)")
    planes.add_argument("--catalog", type=Path, help="catalog root")
    planes.add_argument("--out", type=Path, default=Path("plots"), help="folder (./plots)")
    planes.set_defaults(handler=_plot_clusters)
    curve = kinds.add_parser("convergence", help="log error against n for one PCF")
    curve.add_argument("--a", required=True, help="a(n) ascending coefficients, e.g. 1,2")
    curve.add_argument("--b", required=True, help="b(n) ascending coefficients, e.g. 0,0,1")
    curve.add_argument("--depth", type=int, default=500, help="last n (default 500)")
    curve.add_argument("--out", type=Path, default=Path("plots/convergence.png"))
    curve.set_defaults(handler=_plot_convergence)
    return parser


def _plot_clusters(args: argparse.Namespace) -> int:
    from conjectura.catalog import queries
    from conjectura.flows import plots

    catalog = _existing_catalog(args.catalog)
    space = args.space or queries.latest_space(catalog)
    if space is None:
        raise BadInput(f"no runs in {catalog.root}; name a --space")
    clusters = queries.space_clusters(catalog, space)
    if clusters.is_empty():
        raise BadInput(f"no clusters for space {space} (run a spec with `dynamics:`)")
    points = queries.space_metrics(catalog, space, plots.PLANE_COLUMNS)
    for path in plots.cluster_planes(points, clusters, space, args.out):
        print(path)
    return EXIT_OK


def _plot_convergence(args: argparse.Namespace) -> int:
    from conjectura.flows import plots

    try:
        a = [int(x) for x in args.a.split(",")]
        b = [int(x) for x in args.b.split(",")]
    except ValueError:
        raise BadInput(
            f"--a/--b take integers separated by commas, got {args.a!r}, {args.b!r}"
        ) from None
    if not 2 <= args.depth <= 100_000:
        raise BadInput("--depth must be between 2 and 100000")
    try:
        print(plots.convergence(a, b, args.depth, args.out))
    except ValueError as err:
        raise BadInput(str(err)) from None
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    spec = validated_spec(args.spec, args.max_space)
    profile = load_profile(args.cluster)
    if args.interval is not None and args.interval < 1:
        raise BadInput("--interval must be at least 1 second")
    if args.cron is not None:
        from cronsim import CronSim, CronSimError

        try:
            CronSim(args.cron, datetime.now())
        except CronSimError as err:
            raise BadInput(f"--cron {args.cron!r} does not parse: {err}") from None
    if profile.kind == "address":
        try:
            dask_clusters.check_reachable(profile.address or "")
        except dask_clusters.UnreachableScheduler as err:
            raise BadInput(str(err)) from None
    catalog = Catalog.locate(args.catalog)
    name = args.name or spec.name

    from conjectura.flows.prefect_server import api_server

    with api_server(Path(".prefect")) as url:
        from conjectura.flows.scheduled import scheduled_search

        Console(soft_wrap=True).print(
            f"serving deployment scheduled-search/{name} on {url} "
            f"({'cron ' + args.cron if args.cron else f'every {args.interval}s'}), "
            f"catalog {catalog.root}, cluster {profile.name}; Ctrl-C stops it",
            highlight=False,
        )
        scheduled_search.serve(
            name=name,
            cron=args.cron,
            interval=args.interval,
            parameters={
                "spec_text": args.spec.read_text(),
                "catalog_root": str(catalog.root),
                "cluster": args.cluster,
            },
            print_starting_message=False,
        )
    return EXIT_OK


def _ingest(args: argparse.Namespace) -> int:
    from rich.markup import escape

    from conjectura.catalog.ingest import ingest_source, prepare

    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise BadInput(f"no such file: {', '.join(missing)}")
    # Every file is checked (text files: UTF-8 throughout) before any is committed, so a
    # bad file refuses the whole call (IngestError, exit 2) with nothing written.
    sources = prepare(args.files, None if args.format == "auto" else args.format)
    catalog = Catalog.locate(args.catalog)
    console, errors = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    problems = 0
    for source in sources:
        path = source.path
        report = ingest_source(catalog, source)
        for problem in report.problems:
            errors.print(f"[yellow]skipped[/] {escape(problem)}", highlight=False)
        problems += len(report.problems)
        console.print(
            f"{escape(str(path))}: {report.sequences:,} sequences, "
            f"{len(report.problems)} bad lines skipped",
            highlight=False,
        )
    return EXIT_OK if problems == 0 else EXIT_BAD_INPUT


def _query(args: argparse.Namespace) -> int:
    import duckdb

    from conjectura.catalog import api

    try:
        reader = api.open(args.catalog)
    except FileNotFoundError as err:
        raise BadInput(str(err)) from None
    try:
        frame = reader.sql(args.sql)
    except duckdb.Error as err:
        raise BadInput(f"query failed: {' '.join(str(err).split())}") from None
    if args.format == "parquet":
        if args.out is None:
            raise BadInput("--format parquet needs --out FILE")
        frame.write_parquet(args.out)
        return EXIT_OK
    if args.format == "table":
        table = RichTable(show_lines=False)
        for column in frame.columns:
            table.add_column(column, overflow="fold")
        for row in frame.iter_rows():
            table.add_row(*(_cell(column, v) for column, v in zip(frame.columns, row, strict=True)))
        Console(soft_wrap=True).print(table)
        Console(stderr=True).print(f"{frame.height} rows", highlight=False)
        return EXIT_OK
    text = frame.write_csv() if args.format == "csv" else frame.write_json()
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def _cell(column: str, value: object) -> str:
    """A query result cell as text; coefficient lists read as polynomials (2n+1)."""
    from conjectura.schemas.printing import polynomial_text

    if value is None:
        return ""
    if column.endswith("_coeffs") and isinstance(value, list):
        return polynomial_text(value)
    return str(value)


def _report(args: argparse.Namespace) -> int:
    from conjectura.catalog import api
    from conjectura.flows.report import build_report

    try:
        reader = api.open(args.catalog)
    except FileNotFoundError as err:
        raise BadInput(str(err)) from None
    pages = build_report(reader, args.out)
    conjecture_pages = sum(p.name.startswith("conjectures-") for p in pages)
    print(f"{pages[0]} ({conjecture_pages} conjecture pages, families.html)")
    return EXIT_OK


def _docs_tables(args: argparse.Namespace) -> int:
    from conjectura.schemas.reference import tables_markdown

    print(tables_markdown())
    return EXIT_OK


def _cluster_render(args: argparse.Namespace) -> int:
    print(dask_clusters.render(load_profile(args.profile)), end="")
    return EXIT_OK


def _cluster_list(args: argparse.Namespace) -> int:
    for name in available_profiles():
        profile = load_profile(name)
        print(f"{name:<12} {profile.kind}")
    return EXIT_OK


def _catalog_check(args: argparse.Namespace) -> int:
    from conjectura.catalog.maintenance import check

    catalog = _existing_catalog(args.catalog)
    problems = check(catalog)
    console = Console(soft_wrap=True)
    for problem in problems:
        console.print(f"[red]problem:[/] {problem}", highlight=False)
    if problems:
        console.print(f"{len(problems)} problem(s) in {catalog.root}", highlight=False)
        return EXIT_FAILURE
    console.print(
        f"catalog {catalog.root}: every file reads and matches its schema", highlight=False
    )
    return EXIT_OK


def _catalog_compact(args: argparse.Namespace) -> int:
    from conjectura.catalog.maintenance import compact

    catalog = _existing_catalog(args.catalog)
    catalog.ensure_version()
    console = Console(soft_wrap=True)
    for name in args.table or [TableKind.PCF, TableKind.CONJECTURES]:
        for done in compact(catalog, TABLES[name]):
            where = "/".join(f"{k}={v}" for k, v in done.partition.items())
            console.print(
                f"{name}/{where}: {done.files_before} files -> 1 ({done.rows:,} rows)",
                highlight=False,
            )
    return EXIT_OK


def _catalog_migrate(args: argparse.Namespace) -> int:
    from conjectura.catalog.maintenance import migrate

    catalog = _existing_catalog(args.catalog)
    report = migrate(catalog)
    Console(soft_wrap=True).print(
        f"catalog {catalog.root}: schema version {report.version_before} -> "
        f"{report.version_after}, {len(report.files_rewritten)} files rewritten",
        highlight=False,
    )
    return EXIT_OK


def _catalog_recheck(args: argparse.Namespace) -> int:
    import time

    from conjectura.catalog import api, queries
    from conjectura.flows.stages import recheck

    if args.sample is not None and args.sample < 1:
        raise BadInput("--sample must be at least 1")
    catalog = _existing_catalog(args.catalog)
    conjectures = api.CatalogReader(catalog).conjectures().collect()
    rows = recheck.select(conjectures, everything=args.all, sample=args.sample, seed=args.seed)
    ids = recheck.sequence_ids(rows)
    sequences = queries.sequences_by_id(catalog, ids) if ids else None
    started = time.perf_counter()
    results = recheck.recheck_frame(rows, sequences)
    elapsed = time.perf_counter() - started
    console = Console(soft_wrap=True)
    for result in results:
        if result.verdict is recheck.Verdict.FALSE:
            console.print(
                f"[red]false:[/] {result.kind} {result.conjecture_id} "
                f"{escape(result.formula)}: {escape(result.reason)}",
                highlight=False,
            )
    which = "all" if args.all else "verified"
    sampled = f", a sample of {len(results)} (seed {args.seed})" if args.sample else ""
    console.print(
        f"recheck of {which} conjectures in {catalog.root}{sampled}: "
        f"{recheck.summary(results)}; {elapsed:.1f} s",
        highlight=False,
    )
    false_certificates = _recheck_certificates(console, catalog)
    false_rows = any(r.verdict is recheck.Verdict.FALSE for r in results)
    return EXIT_FAILURE if false_rows or false_certificates else EXIT_OK


def _catalog_families(args: argparse.Namespace) -> int:
    from conjectura.catalog import queries
    from conjectura.flows.pcf import commit_families
    from conjectura.flows.runs import new_run_id
    from conjectura.kernels.constants import register_user_constants

    catalog = _existing_catalog(args.catalog)
    spaces = queries.pcf_conjecture_spaces(catalog)
    unknown = sorted(set(args.space or ()) - set(spaces))
    if unknown:
        raise BadInput(
            f"no PCF conjectures in space {', '.join(unknown)} of {catalog.root} "
            f"(spaces with some: {', '.join(spaces) or 'none'})"
        )
    register_user_constants(queries.user_constants(catalog))
    run_id = f"families-{new_run_id()}"
    for space in args.space or spaces:
        manifest = commit_families(catalog, space, run_id)
        print(
            f"{space}: {manifest['members']:,} PCF conjectures in {manifest['families']:,} families"
        )
    return EXIT_OK


def _recheck_certificates(console: Console, catalog: Catalog) -> int:
    """Every families row's certificate and limit map, re-derived with plain sympy;
    returns how many are false."""
    import time

    from conjectura.catalog import api
    from conjectura.flows.stages.recheck_families import recheck_certificate

    families = api.CatalogReader(catalog).families().collect()
    if families.is_empty():
        return 0
    started = time.perf_counter()
    results = [recheck_certificate(row) for row in families.iter_rows(named=True)]
    false = [r for r in results if not r.holds]
    for result in false:
        console.print(
            f"[red]false certificate:[/] {result.family_id} {result.conjecture_id}: "
            f"{escape(result.reason)}",
            highlight=False,
        )
    console.print(
        f"family certificates: {len(results) - len(false):,} hold, {len(false):,} false; "
        f"{time.perf_counter() - started:.1f} s",
        highlight=False,
    )
    return len(false)


def _existing_catalog(root: Path | None) -> Catalog:
    catalog = Catalog.locate(root)
    if not catalog.root.is_dir():
        raise BadInput(f"no catalog at {catalog.root}")
    return catalog


def validated_spec(path: Path | None, max_space: int) -> Spec:
    """Load a spec and check what the model alone cannot: its constants exist, each user
    constant's expression evaluates (once, at 30 digits: a pole or a domain error is named
    here, not in a worker mid-run), and ``deep: clusters`` has clusters to go by."""
    from conjectura.kernels.expressions import ExpressionError, evaluate
    from conjectura.schemas.spec import PcfSpec

    spec = load_spec(path, max_space=max_space)
    where = f"{path or 'default spec'}"
    user = getattr(spec, "constant_expressions", {})
    for name, text in user.items():
        try:
            evaluate(text, 30)
        except ExpressionError as err:
            raise BadInput(f"{where}: constants: {name}: {err}") from None
    for name in spec.constants:
        try:
            library.factors(name, user)
        except KeyError as err:
            raise BadInput(f"{where}: constants: {err.args[0]}") from None
    if isinstance(spec, CmfSpec):
        _check_field(spec, where)
    clustered = isinstance(spec, PcfSpec) and spec.dynamics and spec.dynamics.cluster
    if isinstance(spec, PcfSpec) and spec.identify.deep == "clusters" and not clustered:
        raise BadInput(f"{where}: identify.deep: clusters needs dynamics with cluster")
    return spec


def _check_field(spec: CmfSpec, where: str) -> None:
    """The field parses, its matrices are square and of one size, the vectors have one
    entry per axis, and it is conservative (exactly, every pair of axes)."""
    from conjectura.flows.stages.cmf import field_of
    from conjectura.kernels.cmf import FieldError, check_conservative

    try:
        field = field_of(spec)
        axes = len(field.axes)
        for vector in [spec.start, *(spec.trajectories or [])]:
            if len(vector) != axes:
                raise FieldError(
                    f"{vector} has {len(vector)} entries; field {field.name} has axes "
                    f"{list(field.axes)}"
                )
        check_conservative(field)
    except FieldError as err:
        raise BadInput(f"{where}: {err}") from None


def _run(args: argparse.Namespace) -> int:
    spec = validated_spec(args.spec, args.max_space)
    if args.workers is not None and args.workers < 1:
        raise BadInput("--workers must be at least 1")
    if args.max_in_flight < 1:
        raise BadInput("--max-in-flight must be at least 1")
    profile = load_profile(args.cluster)
    if args.workers:
        profile = profile.model_copy(update={"workers": args.workers, "adapt": None})
    catalog = Catalog.locate(args.catalog)
    console = Console(soft_wrap=True)
    family = family_of(spec)
    console.print(
        f"spec [bold]{spec.name}[/] ({spec.family}): {family.describe(spec)}, constants "
        f"{', '.join(spec.constants)} -> catalog {catalog.root}",
        highlight=False,
    )

    address = args.address or (profile.address if profile.kind == "address" else None)
    if address:
        try:
            dask_clusters.check_reachable(address)
        except dask_clusters.UnreachableScheduler as err:
            raise BadInput(str(err)) from None

    from conjectura.flows.prefect_server import api_server

    with api_server(Path(".prefect")):
        # Prefect reads its settings when first imported: only now is the API URL set.
        from conjectura.flows.runs import new_run_id

        search = family.load_flow()
        summary = search.with_options(task_runner=dask_clusters.task_runner(profile, args.address))(
            spec=spec,
            catalog_root=str(catalog.root),
            run_id=new_run_id(),
            show_progress=not args.no_progress,
            max_in_flight=args.max_in_flight,
        )
    console.print(family.summary(spec, summary), highlight=False)
    if isinstance(spec, CmfSpec):
        print_trajectories(console, catalog, spec)
        print_families(console, catalog, spec)
        return EXIT_OK
    print_breakdown(console, catalog, spec)
    if args.all or not print_families(console, catalog, spec):
        print_conjectures(console, catalog, spec)
    return EXIT_OK


def print_trajectories(console: Console, catalog: Catalog, spec: CmfSpec, most: int = 40) -> None:
    """The field's trajectories, verified first, then by digits per step."""
    from conjectura.catalog import queries
    from conjectura.schemas.printing import pcf_text

    frame = queries.cmf_trajectories(catalog, spec.field_name)
    title = f"trajectories of {spec.field_name} ({frame.height}; best {min(most, frame.height)})"
    table = RichTable(title=title, title_justify="left")
    for column, justify in (
        ("direction", "left"),
        ("status", "left"),
        ("δ FR", "right"),
        ("digits/step", "right"),
        ("digits", "right"),
        ("formula", "left"),
        ("equivalent PCF", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in frame.head(most).iter_rows(named=True):
        status = row["status"] or "-"
        style = {"verified": "green", "numerical": "yellow", "singular": "red"}.get(status, "")
        pcf = row["pcf_a_coeffs"]
        table.add_row(
            f"{row['trajectory']} @ {row['start']}",
            f"[{style}]{status}[/]" if style else status,
            "-" if row["delta_fr"] is None else f"{row['delta_fr']:.4f}",
            "-" if row["digits_per_step"] is None else f"{row['digits_per_step']:.3f}",
            "-" if row["digits"] is None else f"{row['digits']:.1f}",
            row["formula"] or row["reason"] or "",
            pcf_text(pcf, row["pcf_b_coeffs"]) if pcf is not None else "",
        )
    console.print(table)


def print_breakdown(console: Console, catalog: Catalog, spec: Spec) -> None:
    """One line: the space's conjectures by method and basis kind, verified of all."""
    from conjectura.catalog import queries

    counts: dict[tuple[str, str], list[int]] = {}
    for row in queries.conjecture_breakdown(catalog, spec.label).iter_rows(named=True):
        tally = counts.setdefault((row["method"], row["basis_kind"]), [0, 0])
        if row["status"] == "verified":
            tally[0] += row["conjectures"]
        tally[1] += row["conjectures"]
    if counts:
        parts = [f"{m}/{k} {v:,} of {n:,}" for (m, k), (v, n) in sorted(counts.items())]
        console.print("by method/basis (verified of all): " + ", ".join(parts), highlight=False)


def print_families(console: Console, catalog: Catalog, spec: Spec) -> bool:
    """One line per family of the spec's space, non-trivial new ones first; False when the
    space has no families (a family without them, or none found)."""
    from conjectura.catalog import queries
    from conjectura.schemas.printing import pcf_text

    frame = queries.families_overview(catalog, spec.label)
    if frame.is_empty():
        return False
    members = int(frame["members"].sum())
    novelty = dict(frame.group_by("novelty").len().iter_rows())
    trivial = int(frame["trivial"].is_not_null().sum())
    console.print(
        f"{members:,} PCF conjectures in {frame.height:,} families: "
        f"{novelty.get('new', 0):,} new, "
        f"{novelty.get('known-constant-new-pcf', 0):,} new PCF for a known constant, "
        f"{novelty.get('known', 0):,} known; {trivial:,} trivial "
        "(--all lists every conjecture)",
        highlight=False,
    )
    table = RichTable(title=f"families of {spec.name} ({frame.height})", title_justify="left")
    for column, justify in (
        ("members", "right"),
        ("representative", "left"),
        ("value", "left"),
        ("digits", "right"),
        ("δ", "right"),
        ("novelty", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in frame.iter_rows(named=True):
        novelty_text = row["novelty"] or "-"
        if row["known"]:
            novelty_text += f" ({row['known']})"
        if row["trivial"]:
            novelty_text += f", trivial: {row['trivial']}"
        style = "green" if row["status"] == "verified" else "yellow"
        subject = pcf_text(row["rep_a_coeffs"], row["rep_b_coeffs"])
        value = row["formula"].removeprefix(f"{subject} = ")  # the printer's own layout
        table.add_row(
            str(row["members"]),
            subject,
            f"[{style}]{value}[/] ({row['status']})",
            f"{row['digits']:.1f}",
            "-" if row["delta"] is None else f"{row['delta']:.3f}",
            novelty_text,
        )
    console.print(table)
    return True


def print_conjectures(console: Console, catalog: Catalog, spec: Spec) -> None:
    """The spec's conjectures, verified first, simplest PCFs first."""
    from conjectura.catalog import queries

    frame = queries.space_conjectures(catalog, spec.label)
    table = RichTable(title=f"conjectures of {spec.name} ({frame.height})", title_justify="left")
    table.add_column("formula", overflow="fold")
    table.add_column("digits", justify="right")
    table.add_column("depth", justify="right")
    table.add_column("status")
    table.add_column("detector")
    for row in frame.iter_rows(named=True):
        style = "green" if row["status"] == "verified" else "yellow"
        table.add_row(
            row["formula"],
            f"{row['digits']:.1f}",
            str(row["exact_depth"]),
            f"[{style}]{row['status']}[/]",
            row["detector"],
        )
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())
