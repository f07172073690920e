"""The supernet's bi-level training: weight steps and architecture steps in alternation.

One search iteration takes a validation batch and a training batch:

1. architecture step: the architecture parameters (alphas) descend the
   validation loss, Adam (`ArchConfig`: lr 3e-4, betas 0.5/0.999, L2 weight
   decay 1e-3 by default); the network weights are held fixed;
2. weight step: the network weights descend the training loss, SGD with
   momentum (`WeightConfig`: 0.9, cosine learning rate, L2 weight decay 3e-4 and
   global gradient clipping at 5 by default); the alphas are held fixed.

The first-order approximation (the architecture gradient at the current
weights) is the default. ``order=2`` uses the unrolled weights
``w' = w - lr * (momentum * buf + grad + wd * w)`` and corrects the gradient
with a finite-difference Hessian-vector product, as in arXiv 1806.09055.

Against the collapse towards skip connections: DARTS- (an auxiliary skip on
every stride-1 mixed op, coefficient decayed linearly to zero) and beta-decay
regularisation (``beta_decay * mean(logsumexp(alpha))`` added to the
architecture loss).

Everything is a pure function of tensors run through
`keras.Model.stateless_call`; only `autonas.darts.backend` knows how the
active backend differentiates and compiles.
"""

import math

import keras
import numpy as np
from keras import ops

from autonas.darts import backend as darts_backend
from autonas.darts.optim import adam_update, clip_by_global_norm, global_norm, sgd_update


def make_steps(net, weight_config, arch_config, task, jit_compile=False, run_eagerly=False):
    """The weight step, the architecture step and the evaluation of a supernet, as pure functions.

    Args:
        net: a built `Supernet`.
        weight_config: a `WeightConfig`.
        arch_config: an `ArchConfig`.
        task: ``"classification"`` (cross-entropy) or ``"regression"`` (squared error).
        jit_compile: compile with XLA on TensorFlow.
        run_eagerly: return the functions uncompiled.

    Returns:
        ``{"weight": f, "arch": f, "evaluate": f}`` (see `BilevelTrainer` for their arguments).

    Example:
        >>> steps = make_steps(net, WeightConfig(), ArchConfig(), "classification")  # doctest: +SKIP
    """
    arch_ids = {id(v) for v in net.arch_variables}
    is_arch = [id(v) in arch_ids for v in net.trainable_variables]
    use_aux = arch_config.aux_skip > 0
    momentum, wd, clip = weight_config.momentum, weight_config.weight_decay, weight_config.grad_clip
    beta_1, beta_2 = arch_config.betas
    regression = task == "regression"

    def merge(w, a):
        wi, ai = iter(w), iter(a)
        return [next(ai) if flag else next(wi) for flag in is_arch]

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
        return adam_update(a, list(grads), m, v, t, arch_config.learning_rate, beta_1, beta_2,
                           weight_decay=arch_config.weight_decay)

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

    steps = {"weight": weight_step, "arch": arch_step_first if arch_config.order == 1 else arch_step_second,
             "evaluate": evaluate}
    if run_eagerly:
        return steps
    return {name: darts_backend.compile_function(f, jit_compile=jit_compile) for name, f in steps.items()}


class BilevelTrainer:
    """A supernet with its search state: weights, alphas, optimiser slots and the compiled steps.

    The state lives in plain tensors (``state``: ``"w"`` weights, ``"a"`` alphas,
    ``"nt"`` batch-norm statistics, ``"buf"`` SGD momentum, ``"m"``/``"v"``/``"t"``
    Adam slots), so compiled steps see the same types on every call; `sync` writes it
    back into the supernet's variables.

    Args:
        supernet: a built `Supernet`.
        weight_config: a `WeightConfig`.
        arch_config: an `ArchConfig`.
        task: ``"classification"`` or ``"regression"``.
        jit_compile: compile the steps with XLA on TensorFlow.
        run_eagerly: run the steps uncompiled.

    Returns:
        A trainer.

    Example:
        >>> trainer = BilevelTrainer(net, WeightConfig(), ArchConfig(), "classification")  # doctest: +SKIP
        >>> loss, accuracy = trainer.weight_step(*trainer.batch(x, y), *trainer.schedule(0, 1))  # doctest: +SKIP
    """

    def __init__(self, supernet, weight_config, arch_config, task, jit_compile=False, run_eagerly=False):
        self.supernet = supernet
        self.weight_config = weight_config
        self.arch_config = arch_config
        self.task = task
        weights = [ops.copy(v) for v in supernet.weight_variables]
        arch = [ops.copy(v) for v in supernet.arch_variables]
        self.state = {
            "w": weights,
            "a": arch,
            "nt": [ops.copy(v) for v in supernet.non_trainable_variables],
            "buf": [ops.zeros_like(w) for w in weights],
            "m": [ops.zeros_like(a) for a in arch],
            "v": [ops.zeros_like(a) for a in arch],
            "t": ops.zeros((), dtype="float32"),
        }
        self.steps = make_steps(supernet, weight_config, arch_config, task, jit_compile, run_eagerly)

    def sync(self):
        """Write the search state back into the supernet's variables.

        Returns:
            None.

        Example:
            >>> trainer.sync()  # doctest: +SKIP
        """
        net, s = self.supernet, self.state
        for variables, values in ((net.weight_variables, s["w"]), (net.arch_variables, s["a"]),
                                  (net.non_trainable_variables, s["nt"])):
            for var, value in zip(variables, values):
                var.assign(value)

    def batch(self, x, y):
        """A batch as tensors: float32 images, int32 labels (float32 regression targets).

        Args:
            x: images.
            y: labels or targets.

        Returns:
            ``(x, y)`` tensors.

        Example:
            >>> xb, yb = trainer.batch(x[:32], y[:32])  # doctest: +SKIP
        """
        y_dtype = "float32" if self.task == "regression" else "int32"
        return ops.convert_to_tensor(np.asarray(x, dtype="float32")), ops.convert_to_tensor(
            np.asarray(y, dtype=y_dtype))

    def schedule(self, epoch, epochs):
        """The weight learning rate (cosine) and the auxiliary-skip coefficient (linear decay) of an epoch.

        Args:
            epoch: the epoch, from 0.
            epochs: the number of epochs.

        Returns:
            ``(learning_rate, aux_coef)`` as scalar float32 tensors.

        Example:
            >>> lr, aux = trainer.schedule(0, 10)  # doctest: +SKIP
        """
        wc = self.weight_config
        lr = wc.learning_rate_min + 0.5 * (wc.learning_rate - wc.learning_rate_min) * (
            1.0 + math.cos(math.pi * epoch / max(epochs, 1)))
        aux = self.arch_config.aux_skip * (1.0 - epoch / max(epochs, 1))
        return ops.convert_to_tensor(np.float32(lr)), ops.convert_to_tensor(np.float32(aux))

    def beta_weight(self):
        """The beta-decay weight as a scalar tensor.

        Returns:
            A float32 tensor.

        Example:
            >>> float(trainer.beta_weight())  # doctest: +SKIP
            0.0
        """
        return ops.convert_to_tensor(np.float32(self.arch_config.beta_decay))

    def weight_step(self, x, y, lr, aux):
        """One SGD step of the weights on a batch of tensors; the alphas stay.

        Args:
            x, y: a training batch (tensors, see `batch`).
            lr, aux: the learning rate and auxiliary-skip coefficient (see `schedule`).

        Returns:
            ``(loss, metric)`` tensors on the batch, before the step.

        Example:
            >>> trainer.weight_step(xb, yb, lr, aux)  # doctest: +SKIP
        """
        s = self.state
        new_w, new_nt, new_buf, loss, accuracy = self.steps["weight"](s["w"], s["a"], s["nt"], s["buf"], x, y,
                                                                      lr, aux)
        s["w"], s["nt"], s["buf"] = list(new_w), list(new_nt), list(new_buf)
        return loss, accuracy

    def arch_step(self, x_val, y_val, x_train, y_train, lr, aux, beta_weight):
        """One Adam step of the alphas on a validation batch; the weights stay.

        Args:
            x_val, y_val: a validation batch (tensors).
            x_train, y_train: a training batch (used by the second order only).
            lr, aux: as in `weight_step`.
            beta_weight: the beta-decay weight (see `beta_weight`).

        Returns:
            ``(loss, metric)`` tensors on the validation batch, before the step.

        Example:
            >>> trainer.arch_step(xv, yv, xb, yb, lr, aux, trainer.beta_weight())  # doctest: +SKIP
        """
        s = self.state
        if self.arch_config.order == 1:
            out = self.steps["arch"](s["w"], s["a"], s["nt"], s["m"], s["v"], s["t"], x_val, y_val, aux,
                                     beta_weight)
        else:
            out = self.steps["arch"](s["w"], s["a"], s["nt"], s["buf"], s["m"], s["v"], s["t"], x_val, y_val,
                                     x_train, y_train, lr, aux, beta_weight)
        new_a, m, v, t, loss, accuracy = out
        s["a"], s["m"], s["v"], s["t"] = list(new_a), list(m), list(v), t
        return loss, accuracy

    def run_epoch(self, data, batch_size, epoch, epochs, rng, search_arch, out_of_time):
        """One epoch: an architecture step (unless warming up) and a weight step per training batch.

        Args:
            data: a `autonas.darts.inputs.SearchData` (standardised).
            batch_size: images per step.
            epoch, epochs: the epoch (from 0) and their number (for `schedule`).
            rng: a `numpy.random.Generator` drawing the batch orders.
            search_arch: False for a weight-only warm-up epoch.
            out_of_time: a function called after each step; True stops the epoch.

        Returns:
            ``(means, steps, stopped)``: the mean ``train_loss``, ``train_<metric>``,
            ``val_loss`` and ``val_<metric>`` over the steps taken, their number, and
            whether `out_of_time` stopped the epoch.

        Example:
            >>> means, steps, stopped = trainer.run_epoch(data, 64, 0, 10, rng, True, lambda: False)  # doctest: +SKIP
        """
        x_train, y_train, x_val, y_val = data.x_train, data.y_train, data.x_val, data.y_val
        lr, aux = self.schedule(epoch, epochs)
        beta_weight = self.beta_weight()
        steps, val_batches = len(x_train) // batch_size, len(x_val) // batch_size
        train_order = rng.permutation(len(x_train))
        val_order = rng.permutation(len(x_val))
        metric = "accuracy" if self.task == "classification" else "mae"
        sums = {"train_loss": 0.0, f"train_{metric}": 0.0, "val_loss": 0.0, f"val_{metric}": 0.0}
        done, stopped = 0, False
        for step in range(steps):
            idx = train_order[step * batch_size:(step + 1) * batch_size]
            xb, yb = self.batch(x_train[idx], y_train[idx])
            if search_arch:
                vstep = step % val_batches
                vidx = val_order[vstep * batch_size:(vstep + 1) * batch_size]
                vl, va = self.arch_step(*self.batch(x_val[vidx], y_val[vidx]), xb, yb, lr, aux, beta_weight)
                sums["val_loss"] += vl
                sums[f"val_{metric}"] += va
            tl, ta = self.weight_step(xb, yb, lr, aux)
            sums["train_loss"] += tl
            sums[f"train_{metric}"] += ta
            done += 1
            if out_of_time():
                stopped = True
                break
        means = {k: float(v) / done for k, v in sums.items()}
        if not search_arch:
            means["val_loss"] = means[f"val_{metric}"] = None
        return means, done, stopped

    def op_weights(self):
        """The current softmax weights of the architecture parameters.

        Returns:
            ``{"normal": array, "reduce": array}``, each ``(edges, candidates)``, float64.

        Example:
            >>> trainer.op_weights()["normal"].sum(axis=1)  # doctest: +SKIP
        """
        normal, reduce = (keras.ops.convert_to_numpy(ops.softmax(a, axis=-1)) for a in self.state["a"])
        return {"normal": normal.astype("float64"), "reduce": reduce.astype("float64")}

    def scorer(self, x_val, y_val, batch_size):
        """A function of the alphas (a list of tensors) giving the supernet's ``(loss, accuracy)``
        on these images, with the current weights and batch statistics.

        Args:
            x_val, y_val: standardised images and encoded labels.
            batch_size: images per forward pass.

        Returns:
            A function ``score(alphas) -> (loss, accuracy)`` (floats, means over all images).

        Example:
            >>> score = trainer.scorer(x_val, y_val, 500)  # doctest: +SKIP
            >>> loss, accuracy = score(trainer.state["a"])  # doctest: +SKIP
        """
        batches = [self.batch(x_val[i:i + batch_size], y_val[i:i + batch_size])
                   for i in range(0, len(x_val), batch_size)]
        sizes = np.array([len(b[1]) for b in batches], dtype=np.float64)
        state, evaluate = self.state, self.steps["evaluate"]

        def score(arch):
            results = np.array([[float(v) for v in evaluate(state["w"], arch, state["nt"], xb, yb)]
                                for xb, yb in batches])
            return tuple(sizes @ results / sizes.sum())  # (loss, accuracy) over all images

        return score
