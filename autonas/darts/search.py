"""`DartsSearch`: the bi-level DARTS search on a supernet, with anti-collapse measures.

One search iteration takes a validation batch and a training batch:

1. architecture step: the architecture parameters (alphas) descend the
   validation loss, Adam (lr 3e-4, betas 0.5/0.999, L2 weight decay 1e-3);
   the network weights are held fixed;
2. weight step: the network weights descend the training loss, SGD with
   momentum 0.9, cosine learning rate, L2 weight decay 3e-4 and global
   gradient clipping at 5; the alphas are held fixed.

The first-order approximation (the architecture gradient at the current
weights) is the default. ``order=2`` uses the unrolled weights
``w' = w - lr * (momentum * buf + grad + wd * w)`` and corrects the gradient
with a finite-difference Hessian-vector product, as in arXiv 1806.09055.

Against the collapse towards skip connections: DARTS- (an auxiliary skip on
every stride-1 mixed op, coefficient decayed linearly to zero), optional
beta-decay regularisation (``beta_decay * mean(logsumexp(alpha))`` added to the
architecture loss), early stopping once the derived genotype has not changed
for ``patience`` epochs, and a cap on skip connections in the derived normal
cell.

Everything is a pure function of tensors run through
`keras.Model.stateless_call`; only `autonas.darts.backend` knows how the
active backend differentiates and compiles.
"""

import logging
import math
import os
import time

import keras
import numpy as np
from keras import ops

from autonas.darts import backend as darts_backend
from autonas.darts.genotype import Genotype, derive_cell, derive_genotype, edge_list
from autonas.darts.network import train_network
from autonas.darts.ops import check_candidates
from autonas.darts.optim import adam_update, clip_by_global_norm, global_norm, sgd_update
from autonas.darts.supernet import Supernet
from autonas.utils.io import atomic_write_json
from autonas.utils.timeparse import parse_duration

logger = logging.getLogger("autonas")

ALPHAS_FILE = "alphas.json"
GENOTYPE_FILE = "genotype.json"


class DartsSearch:
    """Differentiable architecture search over DARTS cells.

    Args:
        num_classes: number of classes (or of regression targets); inferred
            from `y` when None.
        channels: channels of the supernet's first cells.
        layers: number of supernet cells (reductions at 1/3 and 2/3).
        nodes: intermediate nodes per cell.
        candidates: operation names per edge; the DARTS set when None.
        stem_multiplier: stem channels = ``stem_multiplier * channels``.
        stem_strides: 2 halves large images once in the stem.
        order: 1 (first order, default) or 2 (unrolled, second order).
        learning_rate: initial weight learning rate (cosine-annealed).
        learning_rate_min: final weight learning rate.
        momentum: SGD momentum of the weights.
        weight_decay: L2 coefficient of the weights.
        grad_clip: global-norm clipping of the weight gradients.
        arch_learning_rate: Adam learning rate of the alphas.
        arch_betas: Adam ``(beta_1, beta_2)`` of the alphas.
        arch_weight_decay: L2 coefficient of the alphas.
        aux_skip: initial coefficient of the DARTS- auxiliary skip, decayed
            linearly to zero over `epochs`; 0 or None disables it.
        beta_decay: weight of the beta-decay regulariser; 0 disables it.
        max_skip: cap on ``skip_connect`` edges in the derived normal cell
            (None: no cap).
        max_parameter_free: cap on skip and pooling edges together in the
            derived normal cell (None: no cap); see `derive_cell`.
        patience: stop once the derived genotype has been the same for this
            many consecutive epochs (None: never stop early).
        warmup_epochs: epochs of weight steps only before alphas move.
        normalize: standardise pixels with the training statistics.
        directory: where to write ``alphas.json``, ``genotype.json`` and the
            plots; nothing is written when None.
        plot: draw the alpha evolution and both cells (needs matplotlib).
        seed: seed of batch order and initialisation.
        task: ``"classification"`` (cross-entropy, labels of any kind) or
            ``"regression"`` (mean squared error on standardised targets).
        jit_compile: compile the steps with XLA on TensorFlow.
        run_eagerly: run the steps op by op without compiling them (no
            tracing cost: useful for tiny networks, tests and debugging).

    Returns:
        A search object; `fit` runs it and returns the derived `Genotype`.

    Example:
        >>> from sklearn.datasets import load_digits
        >>> x, y = load_digits(return_X_y=True)
        >>> search = DartsSearch(channels=4, layers=3, nodes=2, seed=0)
        >>> genotype = search.fit(x.reshape(-1, 8, 8), y, epochs=2)  # doctest: +SKIP
        >>> print(genotype)  # doctest: +SKIP
    """

    def __init__(self, num_classes=None, channels=16, layers=8, nodes=4, candidates=None, stem_multiplier=3,
                 stem_strides=1, order=1, learning_rate=0.025, learning_rate_min=0.001, momentum=0.9,
                 weight_decay=3e-4, grad_clip=5.0, arch_learning_rate=3e-4, arch_betas=(0.5, 0.999),
                 arch_weight_decay=1e-3, aux_skip=1.0, beta_decay=0.0, max_skip=2, max_parameter_free=None, patience=3,
                 warmup_epochs=0,
                 normalize=True, directory=None, plot=True, seed=None, task="classification", jit_compile=False,
                 run_eagerly=False):
        if task not in ("classification", "regression"):
            raise ValueError(f"`task` must be 'classification' or 'regression'; received {task!r}.")
        if order not in (1, 2):
            raise ValueError(f"`order` must be 1 (first order) or 2 (second order); received {order!r}.")
        for name, value in (("learning_rate", learning_rate), ("arch_learning_rate", arch_learning_rate),
                            ("grad_clip", grad_clip)):
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"`{name}` must be a positive number; received {value!r}.")
        for name, value in (("aux_skip", aux_skip), ("beta_decay", beta_decay), ("weight_decay", weight_decay),
                            ("arch_weight_decay", arch_weight_decay), ("learning_rate_min", learning_rate_min)):
            if value is not None and (not isinstance(value, (int, float)) or value < 0):
                raise ValueError(f"`{name}` must be a non-negative number; received {value!r}.")
        if max_parameter_free is not None and (isinstance(max_parameter_free, bool)
                                               or not isinstance(max_parameter_free, int) or max_parameter_free < 0):
            raise ValueError(
                f"`max_parameter_free` must be a non-negative integer or None; received {max_parameter_free!r}.")
        if patience is not None and (not isinstance(patience, int) or patience < 1):
            raise ValueError(f"`patience` must be a positive integer or None; received {patience!r}.")
        if not isinstance(warmup_epochs, int) or warmup_epochs < 0:
            raise ValueError(f"`warmup_epochs` must be a non-negative integer; received {warmup_epochs!r}.")
        if len(tuple(arch_betas)) != 2:
            raise ValueError(f"`arch_betas` must be a pair (beta_1, beta_2); received {arch_betas!r}.")
        self.num_classes = num_classes
        self.channels = channels
        self.layers = layers
        self.nodes = nodes
        self.candidates = check_candidates(candidates)
        if max_skip is not None and "skip_connect" not in self.candidates:
            max_skip = None
        self.stem_multiplier = stem_multiplier
        self.stem_strides = stem_strides
        self.order = order
        self.learning_rate = float(learning_rate)
        self.learning_rate_min = float(learning_rate_min)
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.grad_clip = float(grad_clip)
        self.arch_learning_rate = float(arch_learning_rate)
        self.arch_betas = tuple(float(b) for b in arch_betas)
        self.arch_weight_decay = float(arch_weight_decay)
        self.aux_skip = float(aux_skip or 0.0)
        self.beta_decay = float(beta_decay or 0.0)
        self.max_skip = max_skip
        self.max_parameter_free = max_parameter_free
        self.patience = patience
        self.warmup_epochs = warmup_epochs
        self.normalize = normalize
        self.directory = os.fspath(directory) if directory is not None else None
        self.plot = plot
        self.seed = seed
        self.task = task
        self.metric_name = "accuracy" if task == "classification" else "mae"
        self.jit_compile = jit_compile
        self.run_eagerly = run_eagerly

        self.supernet = None
        self.genotype = None
        self.history = []
        self.classes_ = None
        self.normalization_ = None
        self.input_shape_ = None
        self.search_time_ = None
        self.stopped_early_ = False
        self._state = None
        self._steps = None
        self.selection_ = None
        self.selection_time_ = None
        self.perturbation_ = None
        self._drawn_split_seed = None

    # -- building -------------------------------------------------------------
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
        self.supernet = Supernet(self.num_classes, channels=self.channels, layers=self.layers, nodes=self.nodes,
                                 candidates=self.candidates, stem_multiplier=self.stem_multiplier,
                                 stem_strides=self.stem_strides, seed=self.seed)
        self.supernet.build((None,) + input_shape)
        self._load_state()
        self._steps = self._make_steps()
        return self.supernet

    def _load_state(self):
        net = self.supernet
        # plain tensors (not variables), so compiled steps see the same types on every call
        weights = [ops.copy(v) for v in net.weight_variables]
        arch = [ops.copy(v) for v in net.arch_variables]
        self._state = {
            "w": weights,
            "a": arch,
            "nt": [ops.copy(v) for v in net.non_trainable_variables],
            "buf": [ops.zeros_like(w) for w in weights],
            "m": [ops.zeros_like(a) for a in arch],
            "v": [ops.zeros_like(a) for a in arch],
            "t": ops.zeros((), dtype="float32"),
        }

    def _sync(self):
        """Write the search state back into the supernet's variables."""
        net = self.supernet
        for var, value in zip(net.weight_variables, self._state["w"]):
            var.assign(value)
        for var, value in zip(net.arch_variables, self._state["a"]):
            var.assign(value)
        for var, value in zip(net.non_trainable_variables, self._state["nt"]):
            var.assign(value)

    def _make_steps(self):
        net = self.supernet
        arch_ids = {id(v) for v in net.arch_variables}
        is_arch = [id(v) in arch_ids for v in net.trainable_variables]
        use_aux = self.aux_skip > 0
        momentum, wd, clip = self.momentum, self.weight_decay, self.grad_clip
        beta_1, beta_2 = self.arch_betas

        def merge(w, a):
            wi, ai = iter(w), iter(a)
            return [next(ai) if flag else next(wi) for flag in is_arch]

        regression = self.task == "regression"

        def forward(w, a, nt, x, y, aux):
            out, new_nt = net.stateless_call(merge(w, a), nt, x, training=True, aux_coef=aux if use_aux else None)
            if regression:
                loss = ops.mean(ops.square(out - y))
                metric = ops.mean(ops.abs(out - y))
            else:
                loss = ops.mean(keras.losses.sparse_categorical_crossentropy(y, out, from_logits=True))
                metric = ops.mean(ops.cast(ops.equal(ops.argmax(out, axis=-1), ops.cast(y, "int32")), "float32"))
            return loss, metric, new_nt

        def loss_w(w, a, nt, x, y, aux):
            loss, accuracy, new_nt = forward(w, a, nt, x, y, aux)
            return loss, (accuracy, new_nt)

        def loss_a(a, w, nt, x, y, aux, beta_weight):
            loss, accuracy, _ = forward(w, a, nt, x, y, aux)
            reg = sum(ops.mean(ops.logsumexp(alpha, axis=-1)) for alpha in a)
            return loss + beta_weight * reg, (loss, accuracy)

        def loss_wa(params, nt, x, y, aux, beta_weight):
            w, a = params
            total, aux_out = loss_a(a, w, nt, x, y, aux, beta_weight)
            return total, aux_out

        grad_w = darts_backend.value_and_grad(loss_w)
        grad_a = darts_backend.value_and_grad(loss_a)
        grad_wa = darts_backend.value_and_grad(loss_wa)

        def weight_step(w, a, nt, buf, x, y, lr, aux):
            loss, (accuracy, new_nt), grads = grad_w(w, a, nt, x, y, aux)
            grads, norm = clip_by_global_norm(list(grads), clip)
            new_w, new_buf = sgd_update(w, grads, buf, lr, momentum=momentum, weight_decay=wd)
            return new_w, new_nt, new_buf, loss, accuracy

        def adam(a, grads, m, v, t):
            return adam_update(a, list(grads), m, v, t, self.arch_learning_rate, beta_1, beta_2,
                               weight_decay=self.arch_weight_decay)

        def arch_step_first(w, a, nt, m, v, t, x_val, y_val, aux, beta_weight):
            _, (loss, accuracy), grads = grad_a(a, w, nt, x_val, y_val, aux, beta_weight)
            new_a, m, v, t = adam(a, grads, m, v, t)
            return new_a, m, v, t, loss, accuracy

        def arch_step_second(w, a, nt, buf, m, v, t, x_val, y_val, x_train, y_train, lr, aux, beta_weight):
            # unrolled weights: one virtual SGD step on the training batch
            _, _, gw = grad_w(w, a, nt, x_train, y_train, aux)
            unrolled = [p - lr * (momentum * b + g + wd * p) for p, b, g in zip(w, buf, gw)]
            _, (loss, accuracy), (gw_val, ga_val) = grad_wa((unrolled, a), nt, x_val, y_val, aux, beta_weight)
            eps = 0.01 / (global_norm(list(gw_val)) + 1e-12)
            w_plus = [p + eps * g for p, g in zip(w, gw_val)]
            w_minus = [p - eps * g for p, g in zip(w, gw_val)]
            zero = ops.zeros((), "float32")
            _, _, ga_plus = grad_a(a, w_plus, nt, x_train, y_train, aux, zero)
            _, _, ga_minus = grad_a(a, w_minus, nt, x_train, y_train, aux, zero)
            grads = [g - lr * (gp - gm) / (2.0 * eps) for g, gp, gm in zip(ga_val, ga_plus, ga_minus)]
            new_a, m, v, t = adam(a, grads, m, v, t)
            return new_a, m, v, t, loss, accuracy

        def evaluate(w, a, nt, x, y):
            # batch statistics (training mode, state discarded): a perturbed supernet's
            # activations no longer match the moving averages of the full mixture
            loss, metric, _ = forward(w, a, nt, x, y, ops.zeros((), "float32"))
            return loss, metric

        arch_step = arch_step_first if self.order == 1 else arch_step_second
        if self.run_eagerly:
            return {"weight": weight_step, "arch": arch_step, "evaluate": evaluate}
        compile_ = darts_backend.compile_function
        return {
            "weight": compile_(weight_step, jit_compile=self.jit_compile),
            "arch": compile_(arch_step, jit_compile=self.jit_compile),
            "evaluate": compile_(evaluate, jit_compile=self.jit_compile),
        }

    # -- single steps ---------------------------------------------------------
    def _weight_step(self, x, y, lr, aux):
        s = self._state
        s["w"], s["nt"], s["buf"], loss, accuracy = self._steps["weight"](s["w"], s["a"], s["nt"], s["buf"], x, y,
                                                                          lr, aux)
        s["w"], s["nt"], s["buf"] = list(s["w"]), list(s["nt"]), list(s["buf"])
        return loss, accuracy

    def _arch_step(self, x_val, y_val, x_train, y_train, lr, aux, beta_weight):
        s = self._state
        if self.order == 1:
            out = self._steps["arch"](s["w"], s["a"], s["nt"], s["m"], s["v"], s["t"], x_val, y_val, aux,
                                      beta_weight)
        else:
            out = self._steps["arch"](s["w"], s["a"], s["nt"], s["buf"], s["m"], s["v"], s["t"], x_val, y_val,
                                      x_train, y_train, lr, aux, beta_weight)
        new_a, m, v, t, loss, accuracy = out
        s["a"], s["m"], s["v"], s["t"] = list(new_a), list(m), list(v), t
        return loss, accuracy

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
        self._require_built()
        loss, accuracy = self._weight_step(*self._batch(x, y), *self._scalars(0, 1))
        self._sync()
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
        self._require_built()
        if self.order == 2 and x_train is None:
            raise ValueError("`x_train` and `y_train` are required for a second-order architecture step.")
        lr, aux = self._scalars(0, 1)
        train = self._batch(x_train, y_train) if x_train is not None else (None, None)
        loss, accuracy = self._arch_step(*self._batch(x_val, y_val), *train, lr, aux,
                                         ops.convert_to_tensor(np.float32(self.beta_decay)))
        self._sync()
        return float(loss), float(accuracy)

    def _require_built(self):
        if self.supernet is None:
            raise RuntimeError("Call `build(input_shape, num_classes)` or `fit(...)` before taking steps.")

    def _batch(self, x, y):
        y_dtype = "float32" if self.task == "regression" else "int32"
        return ops.convert_to_tensor(np.asarray(x, dtype="float32")), ops.convert_to_tensor(
            np.asarray(y, dtype=y_dtype))

    def _scalars(self, epoch, epochs):
        lr = self.learning_rate_min + 0.5 * (self.learning_rate - self.learning_rate_min) * (
            1.0 + math.cos(math.pi * epoch / max(epochs, 1)))
        aux = self.aux_skip * (1.0 - epoch / max(epochs, 1))
        return ops.convert_to_tensor(np.float32(lr)), ops.convert_to_tensor(np.float32(aux))

    # -- weights --------------------------------------------------------------
    def op_weights(self):
        """The current softmax weights of the architecture parameters.

        Returns:
            ``{"normal": array, "reduce": array}``, each ``(edges, candidates)``.

        Example:
            >>> search.op_weights()["normal"].sum(axis=1)  # doctest: +SKIP
            array([1., 1., ...])
        """
        self._require_built()
        normal, reduce = (keras.ops.convert_to_numpy(ops.softmax(a, axis=-1)) for a in self._state["a"])
        return {"normal": normal.astype("float64"), "reduce": reduce.astype("float64")}

    def derive(self):
        """The genotype the current architecture parameters give.

        Returns:
            A `Genotype` (with the skip cap of `max_skip` applied).

        Example:
            >>> print(search.derive())  # doctest: +SKIP
        """
        weights = self.op_weights()
        return derive_genotype(weights["normal"], weights["reduce"], self.candidates, max_skip=self.max_skip,
                               max_parameter_free=self.max_parameter_free)

    # -- the search -----------------------------------------------------------
    def fit(self, x, y, epochs=50, batch_size=64, validation_data=None, validation_split=0.5, max_time=None,
            verbose=1):
        """Run the search and derive the genotype.

        Args:
            x: images, ``(N, H, W)`` or ``(N, H, W, C)``, any numeric dtype.
            y: labels, ``(N,)``, any hashable values (encoded internally).
            epochs: maximum number of search epochs.
            batch_size: batch size of both steps.
            validation_data: ``(x_val, y_val)`` for the architecture steps;
                when None, `validation_split` of `x` is held out.
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
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(f"`epochs` must be a positive integer; received {epochs!r}.")
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive integer; received {batch_size!r}.")
        budget = parse_duration(max_time)
        x_train, y_train, x_val, y_val = self._prepare_data(x, y, validation_data, validation_split)
        batch_size = min(batch_size, len(x_train), len(x_val))
        self.build(x_train.shape[1:], len(self.classes_) if self.classes_ is not None else y_train.shape[1])
        rng = np.random.default_rng(self.seed)
        steps = len(x_train) // batch_size
        val_batches = len(x_val) // batch_size
        start = time.time()
        self.history, self.stopped_early_ = [], False
        stable, previous = 0, None
        for epoch in range(epochs):
            epoch_start = time.time()
            lr, aux = self._scalars(epoch, epochs)
            beta_weight = ops.convert_to_tensor(np.float32(self.beta_decay))
            search_arch = epoch >= self.warmup_epochs
            train_order = rng.permutation(len(x_train))
            val_order = rng.permutation(len(x_val))
            metric = self.metric_name
            sums = {"train_loss": 0.0, f"train_{metric}": 0.0, "val_loss": 0.0, f"val_{metric}": 0.0}
            done, out_of_time = 0, False
            for step in range(steps):
                idx = train_order[step * batch_size:(step + 1) * batch_size]
                xb, yb = self._batch(x_train[idx], y_train[idx])
                if search_arch:
                    vstep = step % val_batches
                    vidx = val_order[vstep * batch_size:(vstep + 1) * batch_size]
                    vl, va = self._arch_step(*self._batch(x_val[vidx], y_val[vidx]), xb, yb, lr, aux, beta_weight)
                    sums["val_loss"] += vl
                    sums[f"val_{metric}"] += va
                tl, ta = self._weight_step(xb, yb, lr, aux)
                sums["train_loss"] += tl
                sums[f"train_{metric}"] += ta
                done += 1
                if budget is not None and time.time() - start > budget:
                    out_of_time = True
                    break
            record = {k: float(v) / done for k, v in sums.items()}
            if not search_arch:
                record["val_loss"] = record[f"val_{metric}"] = None
            weights = self.op_weights()
            genotype = self.derive()
            record.update(epoch=epoch + 1, steps=done, learning_rate=float(lr),
                          aux_coef=float(aux) if self.aux_skip else 0.0, seconds=time.time() - epoch_start,
                          normal=weights["normal"].tolist(), reduce=weights["reduce"].tolist(),
                          genotype=genotype.to_dict())
            self.history.append(record)
            self.genotype = genotype
            if search_arch:
                stable = stable + 1 if genotype == previous else 0
                previous = genotype
            self._write_progress()
            if verbose:
                logger.info("DARTS epoch %d/%d: train loss %.4f %s %.4f, val loss %s %s %s, %.1fs, skips in "
                            "normal cell %d", epoch + 1, epochs, record["train_loss"], metric,
                            record[f"train_{metric}"], _fmt(record["val_loss"]), metric,
                            _fmt(record[f"val_{metric}"]), record["seconds"], genotype.count("skip_connect"))
            if out_of_time:
                logger.info("DARTS search stopped: max_time of %.0fs reached.", budget)
                break
            if self.patience is not None and stable >= self.patience:
                self.stopped_early_ = True
                logger.info("DARTS search stopped early: the derived genotype has not changed for %d epochs.",
                            self.patience)
                break
        self._sync()
        self.search_time_ = time.time() - start
        self._write_results()
        if verbose:
            logger.info("DARTS search finished in %.1fs; derived genotype:\n%s", self.search_time_, self.genotype)
        return self.genotype

    def derived_genotypes(self, max_parameter_free=(None,)):
        """The distinct genotypes derived at the end of the architecture epochs, the latest first.

        Args:
            max_parameter_free: caps to derive each epoch's cells with, in order. None
                is the genotype the search derived (its own `max_skip` and
                `max_parameter_free`); an integer k re-derives both cells from that
                epoch's weights with at most k skip and pooling edges each (see
                `derive_cell`), e.g. ``(None, 2, 0)``.

        Returns:
            A list of distinct `Genotype`, empty before `fit`.

        Example:
            >>> [str(g) for g in search.derived_genotypes()[:2]]  # doctest: +SKIP
        """
        caps = tuple(max_parameter_free)
        for cap in caps:
            if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 0):
                raise ValueError("`max_parameter_free` must hold non-negative integers or None; received "
                                 f"{max_parameter_free!r}.")
        # weight-only warm-up epochs (no validation loss) derive from alphas that never moved
        searched = [r for r in self.history if r.get("val_loss") is not None] or self.history[-1:]
        found = []
        for record in reversed(searched):
            for cap in caps:
                if cap is None:
                    genotype = Genotype.from_dict(record["genotype"])
                else:
                    genotype = Genotype(
                        normal=derive_cell(record["normal"], self.candidates, max_skip=self.max_skip,
                                           max_parameter_free=cap),
                        reduce=derive_cell(record["reduce"], self.candidates, max_parameter_free=cap))
                if genotype not in found:
                    found.append(genotype)
        return found

    def perturbation_scores(self, x, y, validation_data=None, validation_split=0.5, max_images=2000,
                            batch_size=500):
        """How much the trained supernet needs each operation on each edge (DARTS-PT, without fine-tuning).

        Perturbation-based selection (Wang et al., "Rethinking Architecture Selection in
        Differentiable NAS", arXiv 2108.04392): the strength of an operation is what the
        supernet loses when that operation alone is removed from its edge, not its alpha.
        The paper finds that alphas overrate skip connections and that these scores do not.
        Each operation is removed by setting its alpha to -1e9 (the edge's other weights
        renormalise) and the supernet is scored on the validation split with batch
        statistics. The paper also fine-tunes the supernet after each edge's decision; this
        does not (`progressive_perturbation` does). On the MNIST benchmark of ``benchmarks/darts.py`` these scores favoured
        poolings and skips as much as the alphas did (see ``benchmarks/RESULTS.md``).

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
        self._require_built()
        if self.task != "classification":
            raise ValueError("`perturbation_scores` scores classifiers; not available for task='regression'.")
        for name, value in (("max_images", max_images), ("batch_size", batch_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer; received {value!r}.")
        if not self.history:
            raise RuntimeError("Nothing searched yet: call `fit` before `perturbation_scores`.")
        _, _, x_val, y_val = self._prepare_data(x, y, validation_data, validation_split)
        x_val, y_val = x_val[:max_images], y_val[:max_images]
        score = self._supernet_scorer(x_val, y_val, batch_size)
        state = self._state
        start = time.time()
        base_loss, base_accuracy = score(state["a"])
        alphas = [keras.ops.convert_to_numpy(a) for a in state["a"]]
        losses, drops = {}, {}
        for k, kind in enumerate(("normal", "reduce")):
            losses[kind] = np.full(alphas[k].shape, np.nan)
            drops[kind] = np.full(alphas[k].shape, np.nan)
            for edge in range(alphas[k].shape[0]):
                for op, name in enumerate(self.candidates):
                    if name == "none":
                        continue
                    masked = alphas[k].copy()
                    masked[edge, op] = -1e9
                    arch = list(state["a"])
                    arch[k] = ops.convert_to_tensor(masked)
                    loss, accuracy = score(arch)
                    losses[kind][edge, op] = loss - base_loss
                    drops[kind][edge, op] = base_accuracy - accuracy
        self.perturbation_ = {
            "base_loss": base_loss, "base_accuracy": base_accuracy, "images": int(len(x_val)),
            "loss_increase": losses, "accuracy_drop": drops, "seconds": time.time() - start,
        }
        if self.genotype is not None:
            self._write_results()
        logger.info("DARTS perturbation scores: %d supernet evaluations on %d images in %.1fs",
                    1 + sum(int(np.isfinite(v).sum()) for v in losses.values()), len(x_val),
                    self.perturbation_["seconds"])
        return {kind: value.copy() for kind, value in losses.items()}

    def progressive_perturbation(self, x, y, validation_data=None, validation_split=0.5, max_images=500,
                                 batch_size=500, fine_tune_steps=16, fine_tune_learning_rate=0.01,
                                 train_batch_size=64):
        """DARTS-PT with fine-tuning: decide the edges one at a time on the trained supernet.

        Perturbation-based selection as in Wang et al. (arXiv 2108.04392), progressive:
        the edges of both cells are visited in a seeded random order; on each, every
        non-``none`` operation is removed in turn (alpha -1e9) and the one whose removal
        raises the validation cross-entropy most is kept; the edge is discretised to it
        (its softmax becomes one-hot) and the supernet's weights are fine-tuned for
        `fine_tune_steps` SGD steps on the training split before the next edge, so that
        the remaining decisions see a supernet that has adapted to the earlier ones.
        Then the topology: on the discretised supernet each edge is removed in turn
        (only ``none`` left on it) and each node keeps the two edges whose removal costs
        most. The trained alphas are restored afterwards; the fine-tuned weights stay.

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
        self._require_built()
        if self.task != "classification":
            raise ValueError("`progressive_perturbation` scores classifiers; not available for task='regression'.")
        for name, value in (("max_images", max_images), ("batch_size", batch_size),
                            ("train_batch_size", train_batch_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer; received {value!r}.")
        if not isinstance(fine_tune_steps, int) or isinstance(fine_tune_steps, bool) or fine_tune_steps < 0:
            raise ValueError(f"`fine_tune_steps` must be a non-negative integer; received {fine_tune_steps!r}.")
        if not isinstance(fine_tune_learning_rate, (int, float)) or fine_tune_learning_rate <= 0:
            raise ValueError(
                f"`fine_tune_learning_rate` must be a positive number; received {fine_tune_learning_rate!r}.")
        if "none" not in self.candidates:
            raise ValueError("`progressive_perturbation` removes whole edges through the `none` operation; "
                             f"it is not among the candidates {list(self.candidates)}.")
        if not self.history:
            raise RuntimeError("Nothing searched yet: call `fit` before `progressive_perturbation`.")
        x_train, y_train, x_val, y_val = self._prepare_data(x, y, validation_data, validation_split)
        x_val, y_val = x_val[:max_images], y_val[:max_images]
        scorer = self._supernet_scorer(x_val, y_val, batch_size)
        state = self._state
        none = self.candidates.index("none")

        def score(alphas):
            return scorer([ops.convert_to_tensor(a.astype("float32")) for a in alphas])

        start = time.time()
        trained = list(state["a"])
        alphas = [keras.ops.convert_to_numpy(a).astype("float64") for a in trained]
        rng = np.random.default_rng(self.seed)
        edges = [(k, e) for k in range(2) for e in range(alphas[k].shape[0])]
        order = [edges[i] for i in rng.permutation(len(edges))]
        op_scores = [np.full(a.shape, -np.inf) for a in alphas]
        lr, no_aux = ops.convert_to_tensor(np.float32(fine_tune_learning_rate)), ops.zeros((), "float32")
        steps_per_pass = max(1, len(x_train) // train_batch_size)
        train_order, cursor, evaluations = rng.permutation(len(x_train)), 0, 0
        decisions = []
        for k, edge in order:
            base_loss, _ = score(alphas)
            for op in range(len(self.candidates)):
                if op == none:
                    continue
                masked = [a.copy() for a in alphas]
                masked[k][edge, op] = -1e9
                op_scores[k][edge, op] = score(masked)[0] - base_loss
                evaluations += 1
            chosen = int(np.argmax(op_scores[k][edge]))
            alphas[k][edge] = -1e9
            alphas[k][edge, chosen] = 0.0
            decisions.append({"cell": ("normal", "reduce")[k], "edge": int(edge), "op": self.candidates[chosen]})
            if fine_tune_steps:
                state["a"] = [ops.convert_to_tensor(a.astype("float32")) for a in alphas]
                for _ in range(fine_tune_steps):
                    if cursor >= steps_per_pass:
                        train_order, cursor = rng.permutation(len(x_train)), 0
                    idx = train_order[cursor * train_batch_size:(cursor + 1) * train_batch_size]
                    cursor += 1
                    self._weight_step(*self._batch(x_train[idx], y_train[idx]), lr, no_aux)
        # topology: the cost of removing each (now single-operation) edge
        base_loss, base_accuracy = score(alphas)
        weights = {}
        for k, kind in enumerate(("normal", "reduce")):
            cell = np.full(alphas[k].shape, -np.inf)
            for edge in range(alphas[k].shape[0]):
                removed = [a.copy() for a in alphas]
                removed[k][edge] = -1e9
                removed[k][edge, none] = 0.0
                cost = score(removed)[0] - base_loss
                evaluations += 1
                ranked = np.argsort(-op_scores[k][edge])  # the kept operation first
                for rank, op in enumerate(ranked):
                    if op != none:
                        cell[edge, op] = cost - 1e-6 * rank
            weights[kind] = cell
        state["a"] = trained
        self._sync()
        self.perturbation_ = {
            "progressive": True, "fine_tune_steps": fine_tune_steps, "base_loss": base_loss,
            "base_accuracy": base_accuracy, "images": int(len(x_val)), "decisions": decisions,
            "loss_increase": weights, "accuracy_drop": {kind: np.full(w.shape, np.nan) for kind, w in weights.items()},
            "seconds": time.time() - start,
        }
        if self.genotype is not None:
            self._write_results()
        logger.info("DARTS progressive perturbation: %d edge decisions, %d supernet evaluations, %d fine-tuning "
                    "steps each, %.1fs", len(decisions), evaluations, fine_tune_steps, self.perturbation_["seconds"])
        return {kind: value.copy() for kind, value in weights.items()}

    def _supernet_scorer(self, x_val, y_val, batch_size):
        """A function of the alphas (a list of tensors) giving the supernet's ``(loss, accuracy)``
        on these images, with the current weights and batch statistics."""
        batches = [self._batch(x_val[i:i + batch_size], y_val[i:i + batch_size])
                   for i in range(0, len(x_val), batch_size)]
        sizes = np.array([len(b[1]) for b in batches], dtype=np.float64)
        state, evaluate = self._state, self._steps["evaluate"]

        def score(arch):
            results = np.array([[float(v) for v in evaluate(state["w"], arch, state["nt"], xb, yb)]
                                for xb, yb in batches])
            return tuple(sizes @ results / sizes.sum())  # (loss, accuracy) over all images

        return score

    def perturbation_genotype(self, max_parameter_free=None):
        """The genotype `perturbation_scores` gives: per node the two edges whose best
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
        cells = {}
        for kind in ("normal", "reduce"):
            weights = np.nan_to_num(self.perturbation_["loss_increase"][kind], nan=-np.inf)
            cells[kind] = derive_cell(weights, self.candidates,
                                      max_skip=self.max_skip if kind == "normal" else None,
                                      max_parameter_free=max_parameter_free)
        return Genotype(**cells)

    def select(self, x, y, validation_data=None, validation_split=0.5, candidates=4, epochs=3, batch_size=64,
               learning_rate=0.05, max_parameter_free=(None,), verbose=1, genotypes=None):
        """Pick among the search's derived genotypes by training each briefly from scratch.

        The selection step of the DARTS paper (arXiv 1806.09055, section 3.2), which trains
        several derived cells for a short while and keeps the best on held-out data. Here the
        candidates are the distinct genotypes the search derived at the end of its
        architecture epochs (`derived_genotypes`), the latest first; each network, of the
        supernet's size, trains for `epochs` (SGD, Nesterov momentum 0.9, cosine learning
        rate, weight decay 3e-4) on the search's training split and is scored on its
        validation split.

        Args:
            x, y, validation_data, validation_split: the data given to `fit`.
            candidates: how many of the latest distinct genotypes to try (at least 1).
            max_parameter_free: caps each epoch's cells are derived with (see
                `derived_genotypes`); ``(None, 2, 0)`` also tries the latest cells
                with fewer skips and poolings, for searches that drift towards them.
            epochs: training epochs of each candidate.
            batch_size: batch size of that training.
            learning_rate: initial learning rate of that training.
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
        for name, value in (("candidates", candidates), ("epochs", epochs), ("batch_size", batch_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer; received {value!r}.")
        if not isinstance(learning_rate, (int, float)) or learning_rate <= 0:
            raise ValueError(f"`learning_rate` must be a positive number; received {learning_rate!r}.")
        pool = self._selection_pool(genotypes, max_parameter_free, candidates)
        if not pool:
            raise RuntimeError("Nothing derived yet: call `fit` before `select`.")
        # `build_network` bakes the search's normalisation in: the images stay as given
        x_train, y_train, x_val, y_val = self._prepare_data(x, y, validation_data, validation_split,
                                                            standardise=False)
        start = time.time()
        scores = []
        for genotype in pool:
            began = time.time()
            keras.backend.clear_session()
            if self.seed is not None:
                keras.utils.set_random_seed(self.seed)
            model = train_network(self.build_network(genotype=genotype), x_train, y_train, epochs, batch_size,
                                  learning_rate)
            score = float(model.evaluate(x_val, y_val, batch_size=256, verbose=0, return_dict=True)["accuracy"])
            scores.append({"genotype": genotype.to_dict(), "val_accuracy": score, "seconds": time.time() - began})
            if verbose:
                logger.info("DARTS selection: candidate %d/%d, val accuracy %.4f, %.1fs", len(scores), len(pool),
                            score, scores[-1]["seconds"])
        keras.backend.clear_session()
        best = int(np.argmax([s["val_accuracy"] for s in scores]))  # ties: the latest derived genotype
        self.genotype = pool[best]
        self.selection_ = scores
        self.selection_time_ = time.time() - start
        self._write_results()
        if verbose:
            logger.info("DARTS selection kept candidate %d of %d in %.1fs:\n%s", best + 1, len(pool),
                        self.selection_time_, self.genotype)
        return self.genotype

    def _selection_pool(self, genotypes, max_parameter_free, candidates):
        """The genotypes `select` trains: the given ones, then the derived ones, distinct, at most `candidates`."""
        pool = []
        for genotype in list(genotypes or []) + self.derived_genotypes(max_parameter_free):
            if not isinstance(genotype, Genotype):
                raise ValueError(f"`genotypes` must hold Genotype objects; received {type(genotype).__name__}.")
            if genotype not in pool:
                pool.append(genotype)
        return pool[:candidates]

    def _split_seed(self):
        """Seed of the train/validation split: `seed`, else one drawn once, so `select` sees `fit`'s split."""
        if self.seed is not None:
            return self.seed
        if self._drawn_split_seed is None:
            self._drawn_split_seed = int(np.random.SeedSequence().entropy % (2 ** 32))
        return self._drawn_split_seed

    def _prepare_data(self, x, y, validation_data, validation_split, standardise=True):
        x = self._check_images(x, "x")
        y = np.asarray(y)
        if self.task == "regression":
            return self._prepare_regression(x, y, validation_data, validation_split)
        if y.ndim != 1 or len(y) != len(x):
            raise ValueError(f"`y` must be 1-D with one label per image ({len(x)}); received shape {y.shape}.")
        self.classes_ = np.unique(y)
        if self.num_classes is not None and len(self.classes_) > self.num_classes:
            raise ValueError(f"`num_classes` is {self.num_classes} but `y` has {len(self.classes_)} classes.")
        if len(self.classes_) < 2:
            raise ValueError(f"`y` must contain at least two classes; received {self.classes_.tolist()}.")
        if self.num_classes is not None and len(self.classes_) < self.num_classes:
            logger.warning("`y` has %d of the %d classes.", len(self.classes_), self.num_classes)
        y = np.searchsorted(self.classes_, y).astype("int32")
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("`validation_data` must be a pair (x_val, y_val); received "
                                 f"{type(validation_data).__name__}.")
            x_val = self._check_images(validation_data[0], "validation_data[0]")
            y_raw = np.asarray(validation_data[1])
            unknown = np.setdiff1d(y_raw, self.classes_)
            if len(unknown):
                raise ValueError(f"`validation_data` has labels not in `y`: {unknown[:10].tolist()}.")
            y_val = np.searchsorted(self.classes_, y_raw).astype("int32")
            x_train, y_train = x, y
        else:
            if not 0 < validation_split < 1:
                raise ValueError(f"`validation_split` must be in (0, 1); received {validation_split!r}.")
            order = np.random.default_rng(self._split_seed()).permutation(len(x))
            cut = int(round(len(x) * (1 - validation_split)))
            if cut < 1 or cut >= len(x):
                raise ValueError(f"`validation_split`={validation_split} leaves an empty split of {len(x)} images.")
            x_train, y_train = x[order[:cut]], y[order[:cut]]
            x_val, y_val = x[order[cut:]], y[order[cut:]]
        if not standardise:
            return x_train, y_train, x_val, y_val
        return self._standardise(x_train, y_train, x_val, y_val)

    def _prepare_regression(self, x, y, validation_data, validation_split):
        if y.dtype.kind not in "biuf" or len(y) != len(x) or y.ndim not in (1, 2):
            raise ValueError(f"`y` must hold numeric targets, one row per image ({len(x)}); received dtype "
                             f"{y.dtype} and shape {y.shape}.")
        y = y.reshape(len(y), -1).astype("float32")
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("`validation_data` must be a pair (x_val, y_val); received "
                                 f"{type(validation_data).__name__}.")
            x_train, y_train = x, y
            x_val = self._check_images(validation_data[0], "validation_data[0]")
            y_val = np.asarray(validation_data[1], dtype="float32").reshape(len(x_val), -1)
        else:
            if not 0 < validation_split < 1:
                raise ValueError(f"`validation_split` must be in (0, 1); received {validation_split!r}.")
            order = np.random.default_rng(self._split_seed()).permutation(len(x))
            cut = int(round(len(x) * (1 - validation_split)))
            if cut < 1 or cut >= len(x):
                raise ValueError(f"`validation_split`={validation_split} leaves an empty split of {len(x)} images.")
            x_train, y_train, x_val, y_val = x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]
        self.classes_ = None
        # the search only ranks architectures: targets are standardised for a well-scaled loss
        mean, std = y_train.mean(axis=0), np.maximum(y_train.std(axis=0), 1e-6)
        y_train, y_val = (y_train - mean) / std, (y_val - mean) / std
        return self._standardise(x_train, y_train.astype("float32"), x_val, y_val.astype("float32"))

    def _standardise(self, x_train, y_train, x_val, y_val):
        if x_val.shape[1:] != x_train.shape[1:]:
            raise ValueError(f"`validation_data` images have shape {x_val.shape[1:]}; expected {x_train.shape[1:]}.")
        if self.normalize:
            axes = (0, 1, 2)
            mean = x_train.mean(axis=axes, dtype=np.float64)
            variance = np.maximum(x_train.var(axis=axes, dtype=np.float64), 1e-12)
            self.normalization_ = (mean.astype("float32"), variance.astype("float32"))
            scale = 1.0 / np.sqrt(variance)
            x_train = ((x_train - mean) * scale).astype("float32")
            x_val = ((x_val - mean) * scale).astype("float32")
        return x_train, y_train, x_val, y_val

    @staticmethod
    def _check_images(x, arg_name):
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise TypeError(f"`{arg_name}` must hold numeric images; received dtype {x.dtype}.")
        if x.ndim == 3:
            x = x[..., None]
        if x.ndim != 4:
            raise ValueError(f"`{arg_name}` must have shape (N, H, W) or (N, H, W, C); received shape {x.shape}.")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"`{arg_name}` contains NaN or infinite values.")
        return x.astype("float32")

    # -- reporting ------------------------------------------------------------
    def _alphas_document(self):
        return {
            "candidates": list(self.candidates),
            "nodes": self.nodes,
            "edges": [[node + 2, src] for node, src in edge_list(self.nodes)],
            "epochs": self.history,
        }

    def _write_progress(self):
        if self.directory is None:
            return
        atomic_write_json(os.path.join(self.directory, ALPHAS_FILE), self._alphas_document())

    def _perturbation_document(self):
        if self.perturbation_ is None:
            return None

        def rows(array):  # JSON has no NaN or infinity: the `none` column is null
            return [[float(v) if np.isfinite(v) else None for v in row] for row in array]

        record = self.perturbation_
        return {key: ({kind: rows(v) for kind, v in record[key].items()}
                      if key in ("loss_increase", "accuracy_drop") else record[key]) for key in record}

    def _write_results(self):
        if self.directory is None:
            return
        atomic_write_json(os.path.join(self.directory, GENOTYPE_FILE), {
            "genotype": self.genotype.to_dict(),
            "candidates": list(self.candidates),
            "search_time": self.search_time_,
            "epochs_run": len(self.history),
            "stopped_early": self.stopped_early_,
            "selection": self.selection_,
            "perturbation": self._perturbation_document(),
            "config": self.get_config(),
        })
        if self.plot:
            from autonas.darts import report

            try:
                report.plot_alpha_history(self._alphas_document(), os.path.join(self.directory, "alphas.png"))
                for kind in ("normal", "reduce"):
                    report.plot_cell(self.genotype, kind, os.path.join(self.directory, f"{kind}_cell.png"))
            except ImportError:
                logger.info("matplotlib is not installed; skipping the DARTS plots (pip install matplotlib).")

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
        shape = self.input_shape_
        return build_network(genotype, shape, self.num_classes, channels=channels or self.channels,
                             layers=layers or self.layers, stem_multiplier=stem_multiplier or self.stem_multiplier,
                             stem_strides=self.stem_strides, normalization=self.normalization_, dropout=dropout)

    def get_config(self):
        """The constructor arguments (JSON-serialisable).

        Returns:
            A dict.

        Example:
            >>> DartsSearch(**DartsSearch(channels=4).get_config()).channels
            4
        """
        return {
            "num_classes": self.num_classes, "channels": self.channels, "layers": self.layers, "nodes": self.nodes,
            "candidates": list(self.candidates), "stem_multiplier": self.stem_multiplier,
            "stem_strides": self.stem_strides, "order": self.order, "learning_rate": self.learning_rate,
            "learning_rate_min": self.learning_rate_min, "momentum": self.momentum,
            "weight_decay": self.weight_decay, "grad_clip": self.grad_clip,
            "arch_learning_rate": self.arch_learning_rate, "arch_betas": list(self.arch_betas),
            "arch_weight_decay": self.arch_weight_decay, "aux_skip": self.aux_skip, "beta_decay": self.beta_decay,
            "max_skip": self.max_skip, "max_parameter_free": self.max_parameter_free, "patience": self.patience, "warmup_epochs": self.warmup_epochs,
            "normalize": self.normalize, "directory": self.directory, "plot": self.plot, "seed": self.seed,
            "task": self.task,
            "jit_compile": self.jit_compile, "run_eagerly": self.run_eagerly,
        }


def _fmt(value):
    return "-" if value is None else f"{value:.4f}"


def load_genotype(path):
    """Read the genotype a search wrote (``genotype.json``) or a bare genotype JSON file.

    Args:
        path: a ``genotype.json`` file or the search directory holding one.

    Returns:
        A `Genotype`.

    Example:
        >>> genotype = load_genotype("runs/darts")  # doctest: +SKIP
    """
    from autonas.utils.io import read_json

    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, GENOTYPE_FILE)
    data = read_json(path, what="genotype file")
    return Genotype.from_dict(data.get("genotype", data) if isinstance(data, dict) else data)
