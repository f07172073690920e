"""Reporting: search progress and the leaderboard."""

from autonas.reporting.leaderboard import leaderboard
from autonas.reporting.progress import SearchProgress, format_seconds

__all__ = ["leaderboard", "SearchProgress", "format_seconds"]
