"""`ReportingMixin`: leaderboard, summary and plots on a fitted `AutoModel`."""

import os

__all__ = ["ReportingMixin"]


class ReportingMixin:
    """Adds `leaderboard`, `summary`, `plot_search`, `plot_pareto` and `plot_model` to `AutoModel`.

    Reads the attributes `AutoModel.fit` sets: ``tuner_``, ``model_``,
    ``search_time_``, ``refit_info_`` and ``ensemble_``.

    Example:
        >>> clf = autonas.ImageClassifier(max_trials=5)   # doctest: +SKIP
        >>> clf.fit(x, y, epochs=3)                       # doctest: +SKIP
        >>> print(clf.summary())                          # doctest: +SKIP
        >>> clf.plot_search("search.png")                 # doctest: +SKIP
    """

    def _require_search(self, method):
        if getattr(self, "tuner_", None) is None:
            raise RuntimeError(f"Call `fit` before `{method}`: no search has run yet.")
        return self.tuner_

    def leaderboard(self):
        """One row per trial: id, status, score, its weight in the final model, size, fidelity, hyperparameters.

        ``final_weight`` is the trial's weight in the final model (its refit's
        and its search checkpoint's together; 0 for trials left out). ``fidelity`` says whether the trial
        trained at full fidelity or was a proxy (a data subset or fewer
        epochs); see `autonas.reporting.leaderboard.leaderboard`.

        Returns:
            A `pandas.DataFrame`, best first.
        """
        from autonas.reporting.leaderboard import leaderboard

        if self.tuner_ is None:
            raise RuntimeError("Call `fit` before `leaderboard`: no search has run yet.")
        board = leaderboard(self.tuner_)
        weights = {}
        for m in (self.ensemble_ or {}).get("members", []):  # a trial may enter twice: refit and checkpoint
            weights[m["trial_id"]] = weights.get(m["trial_id"], 0.0) + m["weight"]
        board.insert(6, "final_weight", board["trial_id"].map(weights).fillna(0.0).astype(float))
        return board

    def summary(self, print_fn=None):
        """The best trial, its hyperparameters, parameter count and the search time.

        Args:
            print_fn: optional callable (``print``, ``logger.info``, ...) given
                the readable report; nothing is printed when None.

        Returns:
            A `autonas.reporting.SearchSummary`: a dict (``best_trial_id``,
            ``best_score``, ``hyperparameters``, ``params``, ``search_time``,
            ``trials``, ...) whose `str` is the readable report.

        Example:
            >>> clf.summary()["best_score"]   # doctest: +SKIP
            0.9652
            >>> clf.summary(print_fn=print)   # doctest: +SKIP
        """
        from autonas.reporting.summary import search_summary

        tuner = self._require_search("summary")
        summary = search_summary(tuner, search_time=getattr(self, "search_time_", None),
                                 refit_info=getattr(self, "refit_info_", None),
                                 model=getattr(self, "model_", None),
                                 ensemble=getattr(self, "ensemble_", None))
        if print_fn is not None:
            if not callable(print_fn):
                raise TypeError(f"`print_fn` must be callable (e.g. print); received {type(print_fn).__name__}.")
            print_fn(str(summary))
        return summary

    def plot_search(self, path=None):
        """Plot every trial's score and the best score so far against time.

        Args:
            path: optional PNG file to save the figure to.

        Returns:
            The `matplotlib.figure.Figure`.

        Example:
            >>> clf.plot_search("search.png")  # doctest: +SKIP
        """
        from autonas.reporting.plots import plot_search

        return plot_search(self._require_search("plot_search"), path)

    def plot_pareto(self, path=None):
        """Plot score against parameter count for every trial, the Pareto front highlighted.

        Args:
            path: optional PNG file to save the figure to.

        Returns:
            The `matplotlib.figure.Figure`.

        Example:
            >>> clf.plot_pareto("pareto.png")  # doctest: +SKIP
        """
        from autonas.reporting.plots import plot_pareto

        return plot_pareto(self._require_search("plot_pareto"), path)

    def plot_model(self, path=None, show_shapes=True, **kwargs):
        """Draw the architecture of the refitted model as a PNG (needs pydot and Graphviz).

        Args:
            path: the PNG file; ``model.png`` in the project directory when None.
            show_shapes: show the layers' output shapes.
            **kwargs: passed to `keras.utils.plot_model`.

        Returns:
            The path written.

        Raises:
            ImportError: naming what to install when pydot or Graphviz is missing.

        Example:
            >>> clf.plot_model("model.png")  # doctest: +SKIP
        """
        from autonas.reporting.plots import plot_model

        tuner = self._require_search("plot_model")
        if getattr(self, "model_", None) is None:
            raise RuntimeError("Call `fit` before `plot_model`: there is no refitted model yet.")
        if path is None:
            path = os.path.join(tuner.project_dir, "model.png")
        return plot_model(self.model_, path, show_shapes=show_shapes, **kwargs)
