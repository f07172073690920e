"""Choosing among cells after the search: DARTS-PT's perturbation scores and the selection step.

`CellChoice` holds the `DartsSearch` methods that pick the final cells from a trained
supernet and its history, by what the supernet needs (`autonas.darts.perturbation`)
or by training a few candidates briefly (`autonas.darts.selection`). It is a mixin:
it uses the search's ``trainer``, ``history``, settings, `prepare_data`,
`build_network` and `write_results`.
"""

import logging
import time

from autonas.darts import perturbation, selection
from autonas.darts.derivation import derived_genotypes

logger = logging.getLogger("autonas")


class CellChoice:
    """The methods of `DartsSearch` that choose among cells once the supernet is trained.

    Returns:
        (a mixin; see `DartsSearch`)

    Example:
        >>> search.fit(x, y, epochs=16)                                   # doctest: +SKIP
        >>> search.progressive_perturbation(x, y)                         # doctest: +SKIP
        >>> search.select(x, y, genotypes=[search.perturbation_genotype()])  # doctest: +SKIP
    """

    def derived_genotypes(self, max_parameter_free=(None,)):
        """The distinct genotypes derived at the end of the architecture epochs, the latest first.

        Args:
            max_parameter_free: caps to derive each epoch's cells with, in order. None
                is the genotype the search derived; an integer k re-derives both cells
                from that epoch's weights with at most k skip and pooling edges each
                (see `derive_cell`), e.g. ``(None, 2, 0)``.

        Returns:
            A list of distinct `Genotype`, empty before `fit`.

        Example:
            >>> [str(g) for g in search.derived_genotypes()[:2]]  # doctest: +SKIP
        """
        return derived_genotypes(self.history, self.supernet_config.candidates, self.selection_config.max_skip,
                                 max_parameter_free)

    # -- choosing among cells ---------------------------------------------------
    def perturbation_scores(self, x, y, validation_data=None, validation_split=0.5, max_images=2000,
                            batch_size=500):
        """How much the trained supernet needs each operation on each edge (DARTS-PT, no fine-tuning).

        See `autonas.darts.perturbation`. On the MNIST benchmark of ``benchmarks/darts.py``
        these scores favoured poolings and skips as much as the alphas did (see
        ``benchmarks/RESULTS.md``); `progressive_perturbation` fine-tunes between decisions.

        Args:
            x, y, validation_data, validation_split: the data given to `fit`.
            max_images: score on at most this many validation images (the first ones).
            batch_size: images per forward pass.

        Returns:
            ``{"normal": array, "reduce": array}``, each ``(edges, candidates)``: the
            increase of the validation cross-entropy when that operation is removed
            (``nan`` for ``none``). They are kept in ``perturbation_`` with the accuracy
            drops and the time taken; `perturbation_genotype` derives a genotype from them.

        Example:
            >>> scores = search.perturbation_scores(x, y)  # doctest: +SKIP
        """
        trainer = _classifier(self, "perturbation_scores", max_images=max_images, batch_size=batch_size)
        _searched(self, "perturbation_scores")
        data = self.prepare_data(x, y, validation_data, validation_split)
        self.perturbation_ = perturbation.perturbation_scores(trainer, self.supernet_config.candidates,
                                                              data.x_val[:max_images], data.y_val[:max_images],
                                                              batch_size)
        return _record_perturbation(self)

    def progressive_perturbation(self, x, y, validation_data=None, validation_split=0.5, max_images=500,
                                 batch_size=500, fine_tune_steps=16, fine_tune_learning_rate=0.01,
                                 train_batch_size=64):
        """DARTS-PT with fine-tuning: decide the edges one at a time on the trained supernet.

        See `autonas.darts.perturbation.progressive_perturbation` for the algorithm.
        The trained alphas are restored afterwards; the fine-tuned weights stay.

        Args:
            x, y, validation_data, validation_split: the data given to `fit`.
            max_images: score on at most this many validation images (the first ones).
            batch_size: images per scoring forward pass.
            fine_tune_steps: weight steps after each edge decision (0: none, which is
                `perturbation_scores` made progressive).
            fine_tune_learning_rate: SGD learning rate of those steps.
            train_batch_size: batch size of those steps.

        Returns:
            ``{"normal": array, "reduce": array}``, each ``(edges, candidates)``: per edge,
            the kept operation's column holds the loss increase when the whole edge is
            removed; the edge's other operations rank below it by their own scores
            (``-inf`` for ``none``). `perturbation_genotype` derives the genotype from
            them; ``perturbation_`` keeps them with the decisions and the time taken.

        Example:
            >>> search.fit(x, y, epochs=16)                                  # doctest: +SKIP
            >>> search.progressive_perturbation(x, y, fine_tune_steps=16)    # doctest: +SKIP
            >>> print(search.perturbation_genotype(max_parameter_free=2))    # doctest: +SKIP
        """
        trainer = _classifier(self, "progressive_perturbation", max_images=max_images, batch_size=batch_size,
                              train_batch_size=train_batch_size)
        if not isinstance(fine_tune_steps, int) or isinstance(fine_tune_steps, bool) or fine_tune_steps < 0:
            raise ValueError(f"`fine_tune_steps` must be a non-negative integer; received {fine_tune_steps!r}.")
        if not isinstance(fine_tune_learning_rate, (int, float)) or fine_tune_learning_rate <= 0:
            raise ValueError(
                f"`fine_tune_learning_rate` must be a positive number; received {fine_tune_learning_rate!r}.")
        candidates = self.supernet_config.candidates
        if "none" not in candidates:
            raise ValueError("`progressive_perturbation` removes whole edges through the `none` operation; "
                             f"it is not among the candidates {list(candidates)}.")
        _searched(self, "progressive_perturbation")
        data = self.prepare_data(x, y, validation_data, validation_split)
        self.perturbation_ = perturbation.progressive_perturbation(
            trainer, candidates, data, self.seed, max_images=max_images, batch_size=batch_size,
            fine_tune_steps=fine_tune_steps, fine_tune_learning_rate=fine_tune_learning_rate,
            train_batch_size=train_batch_size)
        return _record_perturbation(self)

    def perturbation_genotype(self, max_parameter_free=None):
        """The genotype the perturbation scores give: per node the two edges whose best
        operation the supernet needs most, each with that operation.

        Args:
            max_parameter_free: at most this many skip and pooling edges in each cell
                (None: only the search's `max_skip` in the normal cell).

        Returns:
            A `Genotype`.

        Example:
            >>> search.perturbation_scores(x, y)           # doctest: +SKIP
            >>> print(search.perturbation_genotype())      # doctest: +SKIP
        """
        if self.perturbation_ is None:
            raise RuntimeError("Call `perturbation_scores` before `perturbation_genotype`.")
        return perturbation.perturbation_genotype(self.perturbation_, self.supernet_config.candidates,
                                                  self.selection_config.max_skip, max_parameter_free)

    def select(self, x, y, validation_data=None, validation_split=0.5, candidates=4, epochs=3, batch_size=64,
               learning_rate=0.05, max_parameter_free=(None,), verbose=1, genotypes=None):
        """Pick among the search's derived genotypes by training each briefly from scratch.

        The selection step of the DARTS paper (see `autonas.darts.selection`): each
        candidate network, of the supernet's size, trains for `epochs` on the search's
        training split and is scored on its validation split.

        Args:
            x, y, validation_data, validation_split: the data given to `fit`.
            candidates: how many of the latest distinct genotypes to try (at least 1).
            epochs: training epochs of each candidate.
            batch_size: batch size of that training.
            learning_rate: initial learning rate of that training.
            max_parameter_free: caps each epoch's cells are derived with (see
                `derived_genotypes`); ``(None, 2, 0)`` also tries the latest cells
                with fewer skips and poolings, for searches that drift towards them.
            verbose: 0 silent, 1 one log line per candidate.
            genotypes: genotypes to put first in the pool (e.g. `perturbation_genotype`'s);
                the derived ones fill it up to `candidates`, duplicates dropped.

        Returns:
            The best `Genotype`; it also becomes ``self.genotype`` and ``genotype.json``
            records every candidate's score in ``"selection"``.

        Example:
            >>> search.fit(x, y, epochs=20)  # doctest: +SKIP
            >>> genotype = search.select(x, y, candidates=4, epochs=3)  # doctest: +SKIP
        """
        if self.task != "classification":
            raise ValueError("`select` trains classifiers; it is not available for task='regression'.")
        selection.check_selection(candidates, epochs, batch_size, learning_rate)
        pool = selection.selection_pool(genotypes, self.derived_genotypes(max_parameter_free), candidates)
        if not pool:
            raise RuntimeError("Nothing derived yet: call `fit` before `select`.")
        # `build_network` bakes the search's normalisation in: the images stay as given
        data = self.prepare_data(x, y, validation_data, validation_split, standardise=False)
        start = time.time()
        best, self.selection_ = selection.train_candidates(
            pool, lambda genotype: self.build_network(genotype=genotype), data, epochs, batch_size, learning_rate,
            seed=self.seed, verbose=verbose)
        self.genotype = pool[best]
        self.selection_time_ = time.time() - start
        self.write_results()
        if verbose:
            logger.info("DARTS selection kept candidate %d of %d in %.1fs:\n%s", best + 1, len(pool),
                        self.selection_time_, self.genotype)
        return self.genotype


def built_trainer(search):
    """The search's `BilevelTrainer`, or a RuntimeError before `build`."""
    if search.trainer is None:
        raise RuntimeError("Call `build(input_shape, num_classes)` or `fit(...)` before taking steps.")
    return search.trainer


def _classifier(search, method, **counts):
    """The trainer of a built classifier search, after checking `method`'s counts (ValueError)."""
    trainer = built_trainer(search)
    if search.task != "classification":
        raise ValueError(f"`{method}` scores classifiers; not available for task='regression'.")
    perturbation.check_counts(**counts)
    return trainer


def _searched(search, method):
    if not search.history:
        raise RuntimeError(f"Nothing searched yet: call `fit` before `{method}`.")


def _record_perturbation(search):
    """Write the perturbation scores to ``genotype.json`` (once a genotype exists); return a copy."""
    if search.genotype is not None:
        search.write_results()
    return {kind: value.copy() for kind, value in search.perturbation_["loss_increase"].items()}
