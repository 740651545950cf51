"""Cluster-led discovery end to end: metrics, clusters, a formula the lookup missed, plots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mpmath
import polars as pl
import pytest

from conjectura.schemas.spec import parse_spec

pytestmark = pytest.mark.integration

# a(n) = a1·n + a0, b(n) = -2n² + b1·n + b0: the Ramanujan-Machine π family lives here
# (4/(3π-8), π/(π-4), 2/(π+2), ...), beside 1/ln 2. The lookup may use coefficients up to
# 2 only; the cluster search goes to 1000.
SPEC = """
name: pi-family
family: pcf
a: [[-4, 4], [-3, 3]]
b: [[-2, 2], [-4, 4], -2]
depth: 1000
constants: [pi, log2]
identify: {mobius_bound: 2, algebraic_degree: 0, deep: clusters}
dynamics: {depth: 1000}
shard_size: 600
"""


@pytest.fixture(scope="module")
def discovered(prefect_api, tmp_path_factory):
    from conjectura.flows.dask_clusters import dask_task_runner
    from conjectura.flows.pcf import pcf_search
    from conjectura.flows.runs import new_run_id

    root = tmp_path_factory.mktemp("catalog")
    spec = parse_spec(SPEC, source="pi-family")
    pcf_search.with_options(task_runner=dask_task_runner(workers=2))(
        spec=spec, catalog_root=str(root), run_id=new_run_id(), show_progress=False
    )
    read = lambda t: pl.read_parquet(str(root / t / "**/*.parquet"), hive_partitioning=True)  # noqa: E731
    return spec, root, read("pcf"), read("conjectures"), read("clusters")


def test_every_converging_pcf_has_metrics_or_a_reason(discovered) -> None:
    _, _, pcf, _, _ = discovered
    converged = pcf.filter(pl.col("status") == "converged")
    assert converged.height > 500
    has = converged.filter(
        pl.col("delta_fr").is_not_null() | pl.col("metrics_reason").is_not_null()
    )
    assert has.height == converged.height
    assert (
        pcf.filter(pl.col("status") != "converged")["delta_fr"].null_count()
        == pcf.filter(pl.col("status") != "converged").height
    )


def test_the_pi_family_is_one_labelled_cluster(discovered) -> None:
    _, _, _, conjectures, clusters = discovered
    by_lookup = set(
        conjectures.filter(
            (pl.col("detector") == "mobius") & (pl.col("basis").list.get(1) == "pi")
        )["pcf_id"]
    )
    assert len(by_lookup) >= 5
    homes = clusters.filter(pl.col("label") == "pi")
    assert any(by_lookup <= set(members) for members in homes["members"])


def test_cluster_led_discovery_finds_what_the_lookup_could_not(discovered) -> None:
    _, _, _, conjectures, _ = discovered
    found = conjectures.filter(pl.col("detector") == "cluster")
    assert found.height >= 1
    lookup_subjects = set(conjectures.filter(pl.col("detector") == "mobius")["subject"])
    assert not lookup_subjects & set(found["subject"])
    target = found.filter(pl.col("subject") == "PCF(3n+3, -2n^2+n)")  # = 4/(3π - 8)
    assert target.height == 1 and target["status"][0] == "verified"
    for row in found.iter_rows(named=True):
        assert max(abs(r) for r in row["relation"]) > 2  # beyond the lookup's bound
        assert row["status"] == "verified" and row["digits"] >= 100
        # re-check the relation with mpmath's own constant and a deep backward evaluation
        with mpmath.workdps(80):
            L = _pcf_value(row["a_coeffs"], row["b_coeffs"], 1500)
            c = {"pi": mpmath.pi, "log2": mpmath.log(2)}[row["basis"][1]]
            r0, r1, r2, r3 = row["relation"]
            assert abs(r0 + r1 * c + r2 * L + r3 * L * c) < mpmath.mpf(10) ** -50


def test_the_deep_search_of_cluster_members_follows_discovery(discovered) -> None:
    """``deep: clusters``: the members PSLQ left go to the deep search in the same chunk,
    so no PCF is stated twice, and no PCF outside a labelled cluster is searched."""
    spec, _, _, conjectures, clusters = discovered
    assert spec.identify.deep == "clusters"
    assert conjectures["pcf_id"].n_unique() == conjectures.height
    labelled = {
        member
        for members in clusters.filter(pl.col("label").is_not_null())["members"]
        for member in members
    }
    assert set(conjectures.filter(pl.col("detector") == "deep")["pcf_id"]) <= labelled


def test_clusters_above_the_size_cap_are_searched_on_a_sample(discovered) -> None:
    from conjectura.catalog.store import Catalog
    from conjectura.flows.pcf import candidate_chunks

    spec, root, _, _, clusters = discovered
    catalog = Catalog(root)
    labelled = clusters.filter(pl.col("label").is_not_null())
    smallest = int(labelled["size"].min())
    whole = [c for chunk in candidate_chunks(spec, catalog) for c in chunk]
    assert whole  # the default cap keeps the π cluster whole

    def capped(sample: int) -> list[tuple[int, str]]:
        cluster = spec.dynamics.cluster.model_copy(
            update={"discovery_max_size": smallest - 1, "discovery_sample": sample}
        )
        changed = spec.model_copy(
            update={"dynamics": spec.dynamics.model_copy(update={"cluster": cluster})}
        )
        assert changed.label == spec.label
        return [c for chunk in candidate_chunks(changed, catalog) for c in chunk]

    assert capped(0) == []
    one = capped(1)  # at most one member per labelled cluster, from the whole list
    assert 1 <= len(one) <= labelled.height and set(one) <= set(whole)


def test_plots_are_written_from_the_cli(discovered, tmp_path: Path) -> None:
    spec, root, _, _, _ = discovered
    cli = [sys.executable, "-m", "conjectura.flows.cli", "plot"]
    planes = subprocess.run(
        [*cli, "clusters", "--catalog", str(root), "--space", spec.label, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert planes.returncode == 0, planes.stderr
    pictures = sorted(tmp_path.glob("clusters-*.png"))
    assert len(pictures) == 4 and all(p.read_bytes()[:4] == b"\x89PNG" for p in pictures)
    curve = subprocess.run(
        [*cli, "convergence", "--a", "3,3", "--b", "0,1,-2", "--out", str(tmp_path / "c.png")],
        capture_output=True,
        text=True,
    )
    assert curve.returncode == 0 and (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def _pcf_value(a: list[int], b: list[int], depth: int) -> mpmath.mpf:
    """Backward evaluation a(0) + b(1)/(a(1) + ... b(N)/a(N)), independent of conjectura."""
    value = lambda poly, n: sum(c * n**k for k, c in enumerate(poly))  # noqa: E731
    tail = mpmath.mpf(value(a, depth))
    for k in range(depth, 0, -1):
        tail = value(a, k - 1) + value(b, k) / tail
    return tail
