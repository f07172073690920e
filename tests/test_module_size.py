"""Every module of autonas stays under 450 lines: one idea per module (the project's target is ~400).

A module past the limit is a signal to split it into cohesive modules, keeping its public
names importable from where they were (re-exported).
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "autonas"
MAX_LINES = 450
#: modules over the limit whose split is under way, with the issue that tracks it (none)
PENDING = {}


def module_lengths(root=ROOT):
    """``{path relative to root: number of lines}`` for every module under `root`."""
    return {p.relative_to(root).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
            for p in sorted(root.rglob("*.py"))}


def test_every_module_is_under_the_line_limit():
    lengths = module_lengths()
    assert len(lengths) > 50  # the walk found the package
    oversized = {name: n for name, n in lengths.items() if n > MAX_LINES and name not in PENDING}
    assert not oversized, (
        f"modules over {MAX_LINES} lines (split them into cohesive modules, re-exporting their public names): "
        + ", ".join(f"autonas/{name} ({n} lines)" for name, n in sorted(oversized.items()))
    )

