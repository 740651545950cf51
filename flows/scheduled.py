"""The flow `conjectura serve` and infra/prefect.yaml deploy: any family's search, with
the spec as text (or the packaged default spec) and a cluster profile by name."""

from __future__ import annotations

from prefect import flow

from conjectura.flows.dask_clusters import task_runner
from conjectura.flows.registry import family_of
from conjectura.flows.runs import new_run_id
from conjectura.schemas.profile import load_profile
from conjectura.schemas.spec import default_spec_text, parse_spec


@flow(name="scheduled-search", log_prints=False)
def scheduled_search(
    catalog_root: str, spec_text: str | None = None, cluster: str = "local"
) -> dict:
    """Parse the spec (None: the packaged default spec), pick the cluster, run the search.

    Each run resumes into the same catalog, so it only adds what is new."""
    if spec_text is None:
        spec = parse_spec(default_spec_text(), source="default spec")
    else:
        spec = parse_spec(spec_text, source="deployment spec")
    search = family_of(spec).load_flow()
    return search.with_options(task_runner=task_runner(load_profile(cluster)))(
        spec=spec, catalog_root=catalog_root, run_id=new_run_id(), show_progress=False
    )
