"""The stages room: what each stage of a search computes, as pure functions.

Data in (Polars frames, spec settings, constant expansions), rows out: no catalog, no
Prefect, no Dask. The family modules in :mod:`conjectura.flows` read a stage's inputs from
the catalog, call it on a worker and commit what it returns.
"""
