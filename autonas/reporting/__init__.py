"""Reporting: search progress and the leaderboard."""

from autonas.reporting.leaderboard import leaderboard
from autonas.reporting.progress import SearchProgress, estimate_eta, format_seconds

__all__ = ["leaderboard", "SearchProgress", "estimate_eta", "format_seconds"]
