"""An offline, deterministic simulator of Parallel's Task API and OAuth key-vending provider.

Run it with ``python -m parallel_sim``; see ``parallel_sim/README.md`` for every knob.
"""

__version__ = "0.1.0"
