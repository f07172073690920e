"""`DartsTuner`: ``tuner="darts"`` inside `AutoModel` and the image tasks.

Before any trial, it runs a `DartsSearch` on the training images of the graph's
`DartsBlock` (a smaller proxy supernet, DARTS-style), derives the genotype,
and hands its hyperparameter values to the `DartsOracle`. From there on it is
the ordinary autonas `Tuner`: the derived discrete network is trained from
scratch as a trial, refitted and exported like any other. The supernet's
per-epoch architecture weights, the genotype and the plots are written under
``<project dir>/darts/``. A resumed project whose oracle already holds the
derived cells does not search again.
"""

import logging
import os
import time

import numpy as np

from autonas.darts.block import DartsBlock, genotype_to_hp_values
from autonas.darts.config import ArchConfig, SelectionConfig, SupernetConfig
from autonas.darts.search import DartsSearch
from autonas.graph.nodes import ImageInput
from autonas.tuner import Tuner

logger = logging.getLogger("autonas")

DEFAULT_SEARCH_EPOCHS = 20


def find_darts_block(graph):
    """The single `DartsBlock` of a graph, fed directly by an image input.

    Args:
        graph: an autonas `Graph`.

    Returns:
        ``(block, image_input_node)``.

    Example:
        >>> block, node = find_darts_block(auto_model.graph)  # doctest: +SKIP
    """
    blocks = [b for b in getattr(graph, "blocks", []) if isinstance(b, DartsBlock)]
    if len(blocks) != 1:
        raise ValueError(
            f"tuner='darts' needs a graph with exactly one DartsBlock; found {len(blocks)}. Use an image task "
            "(ImageClassifier(tuner='darts')) or put autonas.DartsBlock() after an ImageInput."
        )
    block = blocks[0]
    node = block.inputs[0]
    if not isinstance(node, ImageInput):
        raise ValueError(
            f"tuner='darts' searches the DartsBlock on raw images, so the block must take an ImageInput "
            f"directly; {block.name!r} takes the output of {type(node.in_blocks[0]).__name__ if node.in_blocks else node}."
        )
    if block.genotype is not None:
        raise ValueError(f"DartsBlock {block.name!r} has a pinned `genotype`: there is no cell left for "
                         "tuner='darts' to search. Leave `genotype` unset.")
    return block, node


class DartsTuner(Tuner):
    """The autonas `Tuner` preceded by a DARTS supernet search.

    Args:
        oracle: a `DartsOracle` (holds the search settings).
        hypermodel: an autonas `Graph` with exactly one `DartsBlock` fed by an
            `ImageInput`.
        **kwargs: see `autonas.Tuner`.

    Returns:
        A tuner; `search` derives the cells, then runs the trials.

    Example:
        >>> tuner = DartsTuner(DartsOracle(objective="val_accuracy"), graph,
        ...                    directory="runs", project_name="darts")          # doctest: +SKIP
        >>> tuner.search(train=(x, y), validation=(xv, yv), epochs=10)        # doctest: +SKIP
    """

    def __init__(self, oracle, hypermodel, **kwargs):
        if getattr(oracle, "tuner_class", None) is not DartsTuner:  # the DartsOracle names this class
            raise TypeError(f"`oracle` of DartsTuner must be a DartsOracle; received {type(oracle).__name__}.")
        self.darts_block, self.darts_input = find_darts_block(hypermodel)
        heads = getattr(hypermodel, "heads", [])
        if oracle.objective.name == "default_objective" and len(heads) == 1:
            # a DartsOracle made by the user (tuner=DartsOracle(...)) scores trials like the head
            import keras_tuner

            name = heads[0].default_objective
            oracle.objective = keras_tuner.Objective(name, "max" if "acc" in name else "min")
        super().__init__(oracle, hypermodel, **kwargs)
        self.darts_search = None

    def search(self, train, validation, epochs=None, batch_size=32, callbacks=None, verbose=1,
               class_weight=None, sample_weight=None, deadline=None, reserve=None):
        """Search the cells with DARTS (unless already done), then run the trials.

        Args:
            train: ``(x, y)`` in Keras form; the supernet uses its images and
                labels (split in halves for weights and architecture).
            validation: ``(x, y)``; scores the trials, never seen by the supernet.
            epochs: epochs per trial (and of the supernet search unless the
                oracle sets them).
            batch_size, callbacks, verbose, class_weight, sample_weight, deadline, reserve:
                as in `autonas.Tuner.search` (the supernet search ends before
                `deadline` less what `reserve` keeps for the refit).
        """
        from autonas import distribute

        if distribute.role() == "worker":
            pass  # the chief searched the cells; a worker trains the trials it hands out
        elif self.oracle.pinned is None:
            kept = float(reserve()) if (reserve is not None and deadline is not None) else 0.0
            self.derive_cells(train, epochs, batch_size, verbose, None if deadline is None else deadline - kept)
        else:
            logger.info("DARTS cells already derived in %s; training the derived network.", self.project_dir)
        super().search(train, validation, epochs=epochs, batch_size=batch_size, callbacks=callbacks,
                       verbose=verbose, class_weight=class_weight, sample_weight=sample_weight, deadline=deadline,
                       reserve=reserve)

    def search_data(self, train):
        """The images, targets and task of the supernet search, from the training data of the graph.

        Args:
            train: ``(x, y)`` in Keras form (dicts keyed by input and head names allowed).

        Returns:
            ``(images, targets, task)``: integer labels and ``"classification"`` for a
            single-label classification head, float targets and ``"regression"`` otherwise.

        Example:
            >>> x, y, task = tuner.search_data((x_train, y_train))  # doctest: +SKIP
        """
        x, y = train
        if isinstance(x, dict):
            x = x[self.darts_input.name]
        heads = getattr(self.hypermodel, "heads", [])
        if len(heads) != 1:
            raise ValueError(f"tuner='darts' needs a graph with one head; found {len(heads)}.")
        if isinstance(y, dict):
            y = y[heads[0].name]
        y = np.asarray(y)
        encoder = getattr(heads[0], "encoder", None)
        if encoder is None:
            return np.asarray(x), y.astype("float32"), "regression"
        if encoder.multi_label:
            raise ValueError("tuner='darts' searches single-label classifiers; this head is multi-label.")
        if y.ndim == 2 and y.shape[1] > 1:
            y = np.argmax(y, axis=1)
        return np.asarray(x), y.reshape(len(y)).astype("int64"), "classification"

    def derive_cells(self, train, epochs, batch_size, verbose=1, deadline=None):
        """Run the supernet search (a smaller proxy of the block, DARTS-style) and pin the derived cells.

        Args:
            train: ``(x, y)`` the trials train on (the search splits it in halves).
            epochs: the trials' epochs (the search's unless the oracle sets them).
            batch_size: the trials' batch size (idem).
            verbose: log the search's epochs.
            deadline: ``time.time()`` by which the whole search must end; the
                supernet search gets the oracle's ``time_fraction`` of what is left.

        Returns:
            The derived `Genotype` (its hyperparameter values go to the oracle, saved).

        Example:
            >>> tuner.derive_cells((x, y), epochs=10, batch_size=64)  # doctest: +SKIP
        """
        config = dict(self.oracle.search_config)
        x, y, task = self.search_data(train)
        block = self.darts_block
        if config["max_examples"] and len(x) > config["max_examples"]:
            keep = np.random.default_rng(self.seed or 0).permutation(len(x))[:config["max_examples"]]
            x, y = x[keep], y[keep]
        max_time = None
        if deadline is not None:
            max_time = max(1.0, (deadline - time.time()) * config["time_fraction"])
        image_shape = x.shape[1:] if x.ndim == 4 else x.shape[1:] + (1,)
        search_epochs = config["epochs"] or epochs or DEFAULT_SEARCH_EPOCHS
        warmup = config.get("warmup_epochs")
        warmup = search_epochs // 3 if warmup is None else min(warmup, search_epochs - 1)
        search = DartsSearch(
            supernet_config=SupernetConfig(
                channels=config["channels"], layers=config["layers"], nodes=block.nodes, candidates=block.candidates,
                stem_multiplier=block.stem_multiplier, stem_strides=block.resolve_stem_strides(image_shape)),
            arch_config=ArchConfig(order=config["order"], learning_rate=config.get("arch_learning_rate", 3e-4),
                                   aux_skip=config["aux_skip"], beta_decay=config["beta_decay"],
                                   warmup_epochs=warmup),
            selection_config=SelectionConfig(max_skip=config["max_skip"],
                                             max_parameter_free=config.get("max_parameter_free"),
                                             patience=config["patience"]),
            task=task, directory=os.path.join(self.project_dir, "darts"), seed=self.seed,
        )
        logger.info("DARTS: searching the cells of %r on %d images (supernet: %d cells, %d channels).",
                    block.name, len(x), config["layers"], config["channels"])
        genotype = search.fit(x, y, epochs=search_epochs,
                              batch_size=config["batch_size"] or batch_size, max_time=max_time,
                              verbose=1 if verbose else 0)
        self.darts_search = search
        values = genotype_to_hp_values(genotype, prefix=f"{block.name}/")
        self.oracle.set_derived(values, genotype.to_dict())
        self.oracle.save()
        logger.info("DARTS derived cells in %.1fs:\n%s", search.search_time_, genotype)
        return genotype
