"""The install step's warm-up calls every numba kernel (and so fills numba's cache)."""

from __future__ import annotations

from conjectura.kernels.warmup import compile_kernels


def test_every_kernel_is_called_once() -> None:
    seconds = compile_kernels()
    assert set(seconds) == {"screen", "exact walk leaves", "hdbscan", "berlekamp-massey"}
    assert all(value >= 0 for value in seconds.values())
