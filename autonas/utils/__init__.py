"""Small helpers shared across autonas: atomic JSON state, durations, names."""

from autonas.utils.io import atomic_write_json, read_json
from autonas.utils.naming import to_snake_case
from autonas.utils.timeparse import parse_duration

__all__ = ["atomic_write_json", "read_json", "to_snake_case", "parse_duration"]
