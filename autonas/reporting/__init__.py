"""Reporting: search progress, the leaderboard, the summary, plots and TensorBoard.

matplotlib (plots), tqdm (the live progress bar), pydot and Graphviz
(`plot_model`) are optional; each is imported only when used.
"""

from autonas.reporting.leaderboard import leaderboard, read_leaderboard
from autonas.reporting.mixin import ReportingMixin
from autonas.reporting.plots import pareto_front, plot_model, plot_pareto, plot_search
from autonas.reporting.progress import SearchProgress, estimate_eta, format_seconds
from autonas.reporting.records import trial_records
from autonas.reporting.summary import SearchSummary, search_summary
from autonas.reporting.tensorboard import TensorBoardLogger

__all__ = [
    "leaderboard", "read_leaderboard", "ReportingMixin", "pareto_front", "plot_model", "plot_pareto", "plot_search",
    "SearchProgress", "estimate_eta", "format_seconds", "trial_records", "SearchSummary",
    "search_summary", "TensorBoardLogger",
]
