"""The data layer: every accepted input form becomes validated per-input arrays once."""

from autonas.data.adapters import adapt_inputs, adapt_targets, check_lengths, split_validation, to_array
from autonas.data.targets import LabelEncoder

__all__ = ["adapt_inputs", "adapt_targets", "check_lengths", "split_validation", "to_array", "LabelEncoder"]
