"""The table reference, generated from the schemas (docs/tables.md is this text)."""

from __future__ import annotations

import pyarrow as pa

from conjectura.schemas import printing
from conjectura.schemas.tables import (
    OLDEST_READABLE_VERSION,
    SCHEMA_HISTORY,
    SCHEMA_VERSION,
    TABLES,
)


def _type(type_: pa.DataType) -> str:
    if pa.types.is_list(type_):
        return f"list<{_type(type_.value_type)}>"
    if pa.types.is_timestamp(type_):
        return f"timestamp[{type_.unit}, {type_.tz}]"
    return str(type_)


def _conventions() -> list[str]:
    """How a conjecture's basis and relation read, with one example printed by the printer."""
    a, b = [1, 2], [0, 0, 1]
    basis, relation = ["1", "pi", "L", "L*pi"], [4, 0, 0, -1]
    return [
        "## Conventions",
        "",
        "A PCF is a(0) + b(1)/(a(1) + b(2)/(a(2) + ...)); polynomials are ascending "
        "coefficient lists (`[1, 2]` is "
        f"`{printing.polynomial_text(a)}`). A conjecture's `relation` r and `basis` B mean "
        "sum r[i]·B[i] = 0, with `L` the subject's value: "
        f"`{printing.pcf_text(a, b)}` with basis `{basis}` and relation `{relation}` reads "
        f"`{printing.formula_text(printing.pcf_text(a, b), basis, relation)}` "
        f"(`{printing.relation_text(basis, relation)}`).",
        "",
        "A family (table `families`) relates a member PCF to its representative by a "
        "certificate: a rational matrix U(n), a rational function c(n) and a shift k with "
        "M_member(n)·U(n+1) = c(n)·U(n)·M_rep(n+k) exactly, M(n) = [[0, b(n)], [1, a(n)]]. "
        "The limits are then related by the Möbius map T = A_member·U(1)·(M_rep(1)···"
        "M_rep(k))^-1·A_rep^-1 with A = [[1, a(0)], [0, 1]] (column `limit_map`): "
        "L_member = (t11·L_rep + t12)/(t21·L_rep + t22). Worked example: "
        f"`{printing.pcf_text([3, 2], [1, 2, 1])}` is "
        f"`{printing.pcf_text(a, b)}` shifted by one, certificate "
        '`{"U": [["1", "0"], ["0", "1"]], "c": "1", "shift": 1}`: '
        "U = I, c = 1 and M_member(n) = M_rep(n+1); T = A_member·(M_rep(1))^-1·A_rep^-1 = "
        "[[0, 1], [1, -1]] (up to a factor), so L_member = 1/(L_rep - 1) = 1/(4/pi - 1) "
        "= pi/(4 - pi). The mirror PCF(-a, b) has U = diag(1, -1), c = -1, k = 0 and "
        "T = [[1, 0], [0, -1]]: L_member = -L_rep.",
        "",
    ]


def tables_markdown() -> str:
    lines = [
        "# Catalog tables",
        "",
        f"Generated from `schemas/tables.py` (schema version {SCHEMA_VERSION}) by",
        "`conjectura docs tables`; a test fails if this file and the code drift apart.",
        "",
    ]
    lines += _conventions()
    for table in TABLES.values():
        lines += [f"## `{table.name}`", "", table.description, ""]
        if table.partition_by:
            lines += [
                "Hive partitions (directory names, columns when read with "
                "`hive_partitioning`): " + ", ".join(f"`{p}`" for p in table.partition_by),
                "",
            ]
        lines += ["| column | type | null | meaning |", "|---|---|---|---|"]
        for column in table.partition_by:
            lines.append(f"| `{column}` | string (partition) | no | see above |")
        for field in table.schema:
            meaning = (field.metadata or {}).get(b"meaning", b"").decode().replace("|", "\\|")
            lines.append(
                f"| `{field.name}` | {_type(field.type)} | "
                f"{'yes' if field.nullable else 'no'} | {meaning} |"
            )
        lines.append("")
    lines += [
        "## Schema versions",
        "",
        "Every file is stamped with the version that wrote it, `catalog.json` with the newest.",
        f"Catalogs of version {OLDEST_READABLE_VERSION} or later read as they are (columns "
        "added since are null)",
        "and `conjectura catalog migrate` rewrites their older files; older ones are refused.",
        "",
        "| version | additive | change |",
        "|---|---|---|",
    ]
    for step in SCHEMA_HISTORY:
        added = [f"`{t}.{c}`" for t, cs in step.new_columns.items() for c in cs]
        added += [f"table `{t}`" for t in step.new_tables]
        change = step.summary + (f" (adds {', '.join(added)})" if added else "")
        lines.append(f"| {step.version} | {'yes' if step.additive else 'no'} | {change} |")
    lines.append("")
    return "\n".join(lines)
