"""The bench scripts are run by path (`python bench/x.py`), which puts bench/ first on sys.path: a
script named like a standard-library module (a `signal.py`) would be imported in its place by every
other script, and they would all fail at start-up."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_no_bench_script_shadows_a_standard_library_module():
    scripts = {path.stem for path in BENCH.glob("*.py")}
    assert {"exposure", "latency", "signal_replay"} <= scripts
    assert sorted(scripts & set(sys.stdlib_module_names)) == []
