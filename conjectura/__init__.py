"""conjectura: machine-assisted discovery of formulas from integer sequences."""

__version__ = "0.1.0"
