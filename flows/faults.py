"""Fault injection through configuration, for tests of retries and exactly-once commits.

``CONJECTURA_FAULTS`` holds comma-separated ``stage:shard_index:when`` entries, e.g.
``screen:1:after_commit``: the screen task of shard 1 fails once, on its first attempt,
right after committing its file. ``stage`` is screen, identify or cmf; ``when`` is
before_commit or after_commit (cmf: between_commits, after its conjectures and before its
trajectories). Unset (the normal case), nothing happens.
"""

from __future__ import annotations

import os

from conjectura.flows.plan import Shard

ENV_VAR = "CONJECTURA_FAULTS"


class InjectedFault(RuntimeError):
    pass


def inject(stage: str, shard: Shard | int, when: str) -> None:
    index = shard if isinstance(shard, int) else shard.index
    wanted = os.environ.get(ENV_VAR, "")
    if not wanted or f"{stage}:{index}:{when}" not in wanted.split(","):
        return
    from prefect.runtime import task_run

    if task_run.run_count <= 1:
        raise InjectedFault(f"injected fault: {stage} of shard {index} {when}, attempt 1")
