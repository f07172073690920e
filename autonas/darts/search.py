"""`DartsSearch`: the DARTS search on a supernet, from data to a genotype, in one object.

It puts together the parts, each a module: `autonas.darts.config` (the settings, in four
groups), `autonas.darts.inputs` (data checked, encoded and split),
`autonas.darts.bilevel` (the supernet's bi-level training), `autonas.darts.derivation`
(genotypes from the alphas, early stopping), `autonas.darts.choosing` (DARTS-PT and the
selection step) and `autonas.darts.report` (``alphas.json``, ``genotype.json``, pictures).
"""

import dataclasses
import logging
import os
import time

import keras
import numpy as np

from autonas.darts import backend as darts_backend
from autonas.darts import config as settings
from autonas.darts import inputs, perturbation, report
from autonas.darts.bilevel import BilevelTrainer
from autonas.darts.choosing import CellChoice, built_trainer
from autonas.darts.derivation import StableGenotype, derive_genotype
from autonas.darts.report import load_genotype  # noqa: F401 (public here since the first release)
from autonas.darts.supernet import Supernet
from autonas.utils.timeparse import parse_duration

logger = logging.getLogger("autonas")


class DartsSearch(CellChoice):
    """Differentiable architecture search over DARTS cells.

    Args:
        num_classes: number of classes (or of regression targets); inferred
            from `y` when None.
        supernet_config: a `SupernetConfig` (channels, layers, nodes, candidates, stem).
        weight_config: a `WeightConfig` (the weights' SGD).
        arch_config: an `ArchConfig` (the alphas' Adam, first or second order,
            DARTS- auxiliary skip, beta-decay, warm-up epochs).
        selection_config: a `SelectionConfig` (skip and parameter-free caps of
            the derived cells, patience of the early stop).
        normalize: standardise pixels with the training statistics.
        directory: where to write ``alphas.json``, ``genotype.json`` and the
            plots; nothing is written when None.
        plot: draw the alpha evolution and both cells (needs matplotlib).
        seed: seed of the split, batch order and initialisation.
        task: ``"classification"`` (cross-entropy, labels of any kind) or
            ``"regression"`` (mean squared error on standardised targets).
        jit_compile: compile the steps with XLA on TensorFlow.
        run_eagerly: run the steps op by op without compiling them (no
            tracing cost: useful for tiny networks, tests and debugging).
        **flat: a field of the groups as a flat keyword argument, as in earlier
            releases (``channels=8``, ``arch_learning_rate=3e-3``, ...; see
            `autonas.darts.config.FLAT_ARGUMENTS`), on top of its group; also
            an attribute (``search.channels``; setting it replaces the field).

    Returns:
        A search object; `fit` runs it and returns the derived `Genotype`.

    Example:
        >>> from sklearn.datasets import load_digits
        >>> x, y = load_digits(return_X_y=True)
        >>> from autonas.darts.config import SupernetConfig
        >>> search = DartsSearch(supernet_config=SupernetConfig(channels=4, layers=3, nodes=2), seed=0)
        >>> DartsSearch(channels=4, layers=3, nodes=2, seed=0).get_config() == search.get_config()  # flat, as before
        True
        >>> genotype = search.fit(x.reshape(-1, 8, 8), y, epochs=2)  # doctest: +SKIP
        >>> print(genotype)  # doctest: +SKIP
    """

    def __init__(self, num_classes=None, supernet_config=None, weight_config=None, arch_config=None,
                 selection_config=None, *, normalize=True, directory=None, plot=True, seed=None,
                 task="classification", jit_compile=False, run_eagerly=False, **flat):
        if task not in ("classification", "regression"):
            raise ValueError(f"`task` must be 'classification' or 'regression'; received {task!r}.")
        groups = settings.resolve_groups({"supernet_config": supernet_config, "weight_config": weight_config,
                                          "arch_config": arch_config, "selection_config": selection_config}, flat)
        self.supernet_config = groups["supernet_config"]
        self.weight_config = groups["weight_config"]
        self.arch_config = groups["arch_config"]
        self.selection_config = groups["selection_config"]
        self.num_classes = num_classes
        self.normalize = normalize
        self.directory = os.fspath(directory) if directory is not None else None
        self.plot = plot
        self.seed = seed
        self.task = task
        self.metric_name = "accuracy" if task == "classification" else "mae"
        self.jit_compile = jit_compile
        self.run_eagerly = run_eagerly
        #: the `BilevelTrainer` (supernet, search state, compiled steps) once built
        self.trainer = None
        self.supernet = None
        self.genotype = None
        self.history = []
        self.classes_ = None
        self.normalization_ = None
        self.input_shape_ = None
        self.search_time_ = None
        self.stopped_early_ = False
        self.selection_ = None
        self.selection_time_ = None
        self.perturbation_ = None
        #: seed of the train/validation split: `seed`, else drawn once, so `select` sees `fit`'s split
        self.split_seed = seed if seed is not None else int(np.random.SeedSequence().entropy % (2 ** 32))

    def __getattr__(self, name):
        """The flat settings of earlier releases (``search.channels``), read from their group."""
        group, field = settings.FLAT_ARGUMENTS.get(name, (None, None))
        if group in self.__dict__:
            return getattr(self.__dict__[group], field)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name, value):
        if name in settings.FLAT_ARGUMENTS:  # as in earlier releases: replaces (and checks) the group's field
            group, field = settings.FLAT_ARGUMENTS[name]
            name, value = group, dataclasses.replace(getattr(self, group), **{field: value})
        super().__setattr__(name, value)

    # -- building and single steps --------------------------------------------
    def build(self, input_shape, num_classes=None):
        """Create the supernet and the search state for images of `input_shape`.

        `fit` calls this; call it yourself to take single steps.

        Args:
            input_shape: ``(H, W, C)`` of one (standardised) image.
            num_classes: number of classes (defaults to the constructor's).

        Returns:
            The `Supernet`.

        Example:
            >>> search = DartsSearch(num_classes=10, channels=4, layers=3, nodes=2)
            >>> net = search.build((8, 8, 1))
        """
        darts_backend.check_backend()
        num_classes = num_classes or self.num_classes
        if num_classes is None:
            raise ValueError("`num_classes` must be given to build the supernet before it has seen labels.")
        input_shape = tuple(int(d) for d in input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"`input_shape` must be (H, W, C); received {input_shape}.")
        self.num_classes = int(num_classes)
        self.input_shape_ = input_shape
        if self.seed is not None:
            keras.utils.set_random_seed(self.seed)
        net = self.supernet_config
        self.supernet = Supernet(self.num_classes, channels=net.channels, layers=net.layers, nodes=net.nodes,
                                 candidates=net.candidates, stem_multiplier=net.stem_multiplier,
                                 stem_strides=net.stem_strides, seed=self.seed)
        self.supernet.build((None,) + input_shape)
        self.trainer = BilevelTrainer(self.supernet, self.weight_config, self.arch_config, self.task,
                                      jit_compile=self.jit_compile, run_eagerly=self.run_eagerly)
        return self.supernet

    def weight_step(self, x, y):
        """Take one weight step (SGD) on a batch; the alphas stay fixed.

        Uses the learning rate and auxiliary-skip coefficient of the first
        epoch. `x` is fed to the supernet as given (already standardised).

        Args:
            x: a batch of images ``(B, H, W, C)``.
            y: integer labels ``(B,)`` (regression: targets ``(B, outputs)``).

        Returns:
            ``(loss, metric)`` on the batch, as floats, before the step (the
            metric is accuracy, or mean absolute error for regression).

        Example:
            >>> search.build((8, 8, 1), num_classes=10)        # doctest: +SKIP
            >>> search.weight_step(x[:32], y[:32])             # doctest: +SKIP
        """
        trainer = built_trainer(self)
        loss, accuracy = trainer.weight_step(*trainer.batch(x, y), *trainer.schedule(0, 1))
        trainer.sync()
        return float(loss), float(accuracy)

    def architecture_step(self, x_val, y_val, x_train=None, y_train=None):
        """Take one architecture step (Adam) on a validation batch; weights stay fixed.

        Args:
            x_val: a validation batch of images.
            y_val: its integer labels.
            x_train: a training batch, needed only with ``order=2``.
            y_train: its labels.

        Returns:
            ``(loss, metric)`` on the validation batch, as floats, before the step.

        Example:
            >>> search.architecture_step(x[32:64], y[32:64])   # doctest: +SKIP
        """
        trainer = built_trainer(self)
        if self.arch_config.order == 2 and x_train is None:
            raise ValueError("`x_train` and `y_train` are required for a second-order architecture step.")
        lr, aux = trainer.schedule(0, 1)
        train = trainer.batch(x_train, y_train) if x_train is not None else (None, None)
        loss, accuracy = trainer.arch_step(*trainer.batch(x_val, y_val), *train, lr, aux, trainer.beta_weight())
        trainer.sync()
        return float(loss), float(accuracy)

    def op_weights(self):
        """The current softmax weights of the architecture parameters.

        Returns:
            ``{"normal": array, "reduce": array}``, each ``(edges, candidates)``.

        Example:
            >>> search.op_weights()["normal"].sum(axis=1)  # doctest: +SKIP
            array([1., 1., ...])
        """
        return built_trainer(self).op_weights()

    def derive(self):
        """The genotype the current architecture parameters give.

        Returns:
            A `Genotype` (with the caps of `selection_config` applied).

        Example:
            >>> print(search.derive())  # doctest: +SKIP
        """
        weights = self.op_weights()
        return derive_genotype(weights["normal"], weights["reduce"], self.supernet_config.candidates,
                               max_skip=self.selection_config.max_skip,
                               max_parameter_free=self.selection_config.max_parameter_free)

    # -- the search -----------------------------------------------------------
    def fit(self, x, y, epochs=50, batch_size=64, validation_data=None, validation_split=0.5, max_time=None,
            verbose=1):
        """Run the search and derive the genotype.

        Each epoch alternates architecture and weight steps (`autonas.darts.bilevel`),
        then derives the genotype; the search stops early once it has not changed for
        ``patience`` architecture epochs.

        Args:
            x: images, ``(N, H, W)`` or ``(N, H, W, C)``, any numeric dtype.
            y: labels, ``(N,)``, any hashable values (encoded internally).
            epochs: maximum number of search epochs.
            batch_size: batch size of both steps.
            validation_data: ``(x_val, y_val)`` for the architecture steps;
                when None, `validation_split` of `x` is held out (a seeded
                permutation, see `autonas.darts.inputs`).
            validation_split: fraction of `x` used for the architecture steps
                (DARTS uses half).
            max_time: wall-clock budget (seconds or a string like ``"10m"``);
                the search stops after the step that exceeds it.
            verbose: 0 silent, 1 one log line per epoch (logger ``"autonas"``).

        Returns:
            The derived `Genotype` (also in ``self.genotype``).

        Example:
            >>> genotype = DartsSearch(channels=4, layers=3, nodes=2).fit(x, y, epochs=2)  # doctest: +SKIP
        """
        perturbation.check_counts(epochs=epochs, batch_size=batch_size)
        budget = parse_duration(max_time)
        data = self.prepare_data(x, y, validation_data, validation_split)
        batch_size = min(batch_size, len(data.x_train), len(data.x_val))
        self.build(data.x_train.shape[1:],
                   len(self.classes_) if self.classes_ is not None else data.y_train.shape[1])
        trainer, stability = self.trainer, StableGenotype(self.selection_config.patience)
        rng = np.random.default_rng(self.seed)
        start = time.time()
        self.history, self.stopped_early_ = [], False
        for epoch in range(epochs):
            epoch_start = time.time()
            search_arch = epoch >= self.arch_config.warmup_epochs
            record, done, out_of_time = trainer.run_epoch(
                data, batch_size, epoch, epochs, rng, search_arch,
                lambda: budget is not None and time.time() - start > budget)
            lr, aux = trainer.schedule(epoch, epochs)
            weights = self.op_weights()
            genotype = self.derive()
            record.update(epoch=epoch + 1, steps=done, learning_rate=float(lr),
                          aux_coef=float(aux) if self.arch_config.aux_skip else 0.0,
                          seconds=time.time() - epoch_start, normal=weights["normal"].tolist(),
                          reduce=weights["reduce"].tolist(), genotype=genotype.to_dict())
            self.history.append(record)
            self.genotype = genotype
            stable = search_arch and stability.update(genotype)
            report.write_progress(self.directory, _alphas(self))
            if verbose:
                _log_epoch(record, epochs, self.metric_name, genotype)
            if out_of_time:
                logger.info("DARTS search stopped: max_time of %.0fs reached.", budget)
                break
            if stable:
                self.stopped_early_ = True
                logger.info("DARTS search stopped early: the derived genotype has not changed for %d epochs.",
                            stability.patience)
                break
        trainer.sync()
        self.search_time_ = time.time() - start
        self.write_results()
        if verbose:
            logger.info("DARTS search finished in %.1fs; derived genotype:\n%s", self.search_time_, self.genotype)
        return self.genotype

    def prepare_data(self, x, y, validation_data=None, validation_split=0.5, standardise=True):
        """The search's data: checked, encoded, split with the search's split seed, standardised.

        Args:
            x, y, validation_data, validation_split: as in `fit`.
            standardise: False keeps the pixels as given (for networks that
                standardise themselves, as `build_network`'s do).

        Returns:
            A `autonas.darts.inputs.SearchData`; ``classes_`` (and, standardised,
            ``normalization_``) are set from it.

        Example:
            >>> data = search.prepare_data(x, y)  # doctest: +SKIP
        """
        data = inputs.prepare(x, y, self.task, validation_split, self.split_seed, validation_data=validation_data,
                              num_classes=self.num_classes, normalize=self.normalize, standardise=standardise)
        self.classes_ = data.classes
        if standardise and data.normalization is not None:
            self.normalization_ = data.normalization
        return data

    # -- results ---------------------------------------------------------------
    def write_results(self):
        """Write ``genotype.json`` (and the pictures with `plot`) to `directory`, if any.

        Returns:
            None.

        Example:
            >>> search.write_results()  # doctest: +SKIP
        """
        if self.directory is not None:
            report.write_results(self.directory, report.results_document(self), _alphas(self), self.plot)

    def build_network(self, channels=None, layers=None, stem_multiplier=None, dropout=0.0, genotype=None):
        """The discrete network of the derived genotype, taking raw images.

        Args:
            channels: channels of the first cells (default: the search's).
            layers: number of cells (default: the search's).
            stem_multiplier: default: the search's.
            dropout: dropout before the classifier.
            genotype: another genotype to build instead of the derived one.

        Returns:
            An uncompiled `keras.Model` with the search's normalisation baked
            in; its outputs are the probabilities of ``self.classes_``.

        Example:
            >>> model = search.build_network(channels=16, layers=8)  # doctest: +SKIP
        """
        from autonas.darts.network import build_network

        if self.task != "classification":
            raise ValueError("`build_network` builds classifiers; for regression put a DartsBlock(genotype=...) "
                             "in a graph with a RegressionHead.")
        genotype = genotype or self.genotype
        if genotype is None:
            raise RuntimeError("Nothing derived yet: call `fit` first or pass `genotype`.")
        net = self.supernet_config
        return build_network(genotype, self.input_shape_, self.num_classes, channels=channels or net.channels,
                             layers=layers or net.layers, stem_multiplier=stem_multiplier or net.stem_multiplier,
                             stem_strides=net.stem_strides, normalization=self.normalization_, dropout=dropout)

    def get_config(self):
        """The constructor arguments, flat (JSON-serialisable).

        Returns:
            A dict.

        Example:
            >>> DartsSearch(**DartsSearch(channels=4).get_config()).channels
            4
        """
        groups = {name: getattr(self, name) for name in settings.GROUPS}
        return {"num_classes": self.num_classes, **settings.flat_settings(groups), "normalize": self.normalize,
                "directory": self.directory, "plot": self.plot, "seed": self.seed, "task": self.task,
                "jit_compile": self.jit_compile, "run_eagerly": self.run_eagerly}


def _alphas(search):
    return report.alphas_document(search.supernet_config.candidates, search.supernet_config.nodes, search.history)


def _fmt(value):
    return "-" if value is None else f"{value:.4f}"


def _log_epoch(record, epochs, metric, genotype):
    logger.info("DARTS epoch %d/%d: train loss %.4f %s %.4f, val loss %s %s %s, %.1fs, skips in normal cell %d",
                record["epoch"], epochs, record["train_loss"], metric, record[f"train_{metric}"],
                _fmt(record["val_loss"]), metric, _fmt(record[f"val_{metric}"]), record["seconds"],
                genotype.count("skip_connect"))
