"""`BenchmarkResult`: the outcome of one table search."""

import math
from dataclasses import dataclass, field


@dataclass
class BenchmarkResult:
    """The outcome of one table search.

    Attributes:
        best_config: the configuration with the best observed (mean) score.
        best_observed: its observed score (mean over its measurements).
        best_report: its reported metric (the table's ground truth).
        history: observed objective per evaluation, in order (``nan`` for failed ones).
        incumbent_report: after each evaluation, the reported metric of the
            configuration that would be returned then (``nan`` before any success).
        configs: the trial values of each evaluation, in order.
        proposal_seconds: the oracle's own wall-clock time for each proposal.
        proposal_cpu_seconds: the same in CPU time of the searching thread (what
            the oracle costs, whatever else the machine is doing).
        n_evaluations: evaluations run (fewer than the budget when the strategy stopped).
        optimum: the best reported metric in the table.

    Example:
        >>> result = bench.run(tuner="bayesian", max_trials=50, seed=1)  # doctest: +SKIP
        >>> result.best_report, result.regret                             # doctest: +SKIP
    """

    best_config: dict
    best_observed: float
    best_report: float
    history: list
    incumbent_report: list
    configs: list
    proposal_seconds: list = field(default_factory=list)
    proposal_cpu_seconds: list = field(default_factory=list)
    n_evaluations: int = 0
    optimum: float = math.nan

    @property
    def regret(self):
        """Distance of `best_report` from the table's optimum (non-negative).

        Returns:
            A float.

        Example:
            >>> result.regret  # doctest: +SKIP
            0.047
        """
        return abs(self.optimum - self.best_report)

    @property
    def mean_proposal_seconds(self):
        """Mean oracle wall-clock time per proposal.

        Returns:
            Seconds, a float.

        Example:
            >>> result.mean_proposal_seconds  # doctest: +SKIP
        """
        return float(np.mean(self.proposal_seconds)) if self.proposal_seconds else 0.0
