"""Forecasting: `ForecastBlock` (the searched space of forecasters) and `ForecastHead`.

The block reads a standardised history window ``(batch, window, channels)``
and returns the forecast of the target channels ``(batch, horizon,
targets)``, on the same standardised scale; the head names it, owns the loss
and the targets' statistics. The space follows the long-horizon forecasting
literature, where small linear models match or beat heavy Transformers and
the look-back must be tuned:

- ``lookback``: how many of the window's last rows the model reads;
- ``normalization``: per-window normalisation: ``"last"`` (NLinear: subtract
  the last value), ``"revin"`` (RevIN: the window's mean and std), ``"none"``;
  undone on the forecast. ``"none"`` is not searched (`SEARCHED_NORMALIZATIONS`):
  a model of the raw window bets that the series keeps the levels of its
  training rows, and one validation period cannot tell whether it does (on
  ETTh1, dev splits carved from the training rows, with the forecast origin at
  rows 4,320 and 5,760, score closed-form maps of the raw window 1-25% worse
  than the NLinear map in 7 of 8 comparisons at horizons 96 and 336 (the 8th
  0.4% better), while the protocol's validation rows score them up to 7.4%
  better: benchmarks/forecast_origins.py);
- ``family``: ``"linear"`` (NLinear, or DLinear with ``decomposition``: a
  25-step moving-average trend and the remainder, each mapped linearly),
  ``"mlp"``, ``"conv"`` (a dilated causal 1-D convolution stack, TCN-style),
  ``"rnn"`` (LSTM or GRU), ``"transformer"`` (PatchTST-style: patches of
  each channel, self-attention over patches). The non-linear families add
  their output to a linear map of the window, so each starts as a linear model;
- ``channel_independent``: one map shared by every channel (DLinear,
  PatchTST) or one mixing all channels;
- ``closed_form``: the NLinear map fitted in closed form (ridge regression,
  `autonas.data.linear_fit`), frozen or fine-tuned, or trained from scratch;
- ``calendar`` (only when the input carries calendar covariates, see
  `autonas.layers.calendar`): a forecast correction per future row and
  target, a linear function of the calendar features of the window's last
  row (its hour of day, day of week, day of year: the future rows' positions
  follow from it), added to what the family forecasts.
"""

import keras

from autonas.blocks.base import Block, boolean, choice, conditional
from autonas.layers.forecasting import (GivenMap, MovingAverage, Patches, SelectChannels, UnfoldChannels,
                                        WindowDenormalization, WindowNormalization)
from autonas.blocks.heads import Head
from autonas.layers.calendar import SplitCovariates

FAMILIES = ("linear", "mlp", "conv", "rnn", "transformer")
#: per-window normalisations searched when the block's `normalization` is None ("none" only when set).
SEARCHED_NORMALIZATIONS = ("last", "revin")
#: look-backs searched when the block's `lookback` is None (those that fit the window).
LOOKBACKS = (96, 192, 336, 512, 720)


def lookback_options(window, options=LOOKBACKS):
    """The searched look-backs that fit a window of `window` rows (the window itself when none does).

    Args:
        window: the model input's rows.
        options: candidate look-backs.

    Returns:
        A sorted list of ints.

    Example:
        >>> lookback_options(400)
        [96, 192, 336]
    """
    fit = sorted(v for v in options if v <= window)
    return fit or [int(window)]


class ForecastBlock(Block):
    """The searched space of forecasting models over a `TimeSeriesInput`.

    Feed it to a `ForecastHead`; it reads the horizon and the target channels from it.

    Args:
        lookback: history rows read (at most the input's window); searched
            over `LOOKBACKS` that fit when None.
        family: ``"linear"``, ``"mlp"``, ``"conv"``, ``"rnn"`` or
            ``"transformer"``; searched when None.
        normalization: ``"last"``, ``"revin"`` or ``"none"``; searched among
            `SEARCHED_NORMALIZATIONS` when None.
        channel_independent: one map shared by all channels; searched when None.
        decomposition: DLinear's trend / remainder split of the linear map; searched when None.
        closed_form: the channel-independent NLinear map (``normalization="last"``)
            starts from the closed-form ridge solution of the input's training
            windows (`autonas.data.linear_fit`, set on the input as
            ``linear_solutions``) and stays ``"frozen"`` (the non-linear
            families learn what it leaves), is ``"tuned"`` from it, or starts
            at random (``"none"``); searched when None.
        calendar: add the calendar correction (when the input carries calendar
            covariates: `TimeSeriesForecaster(covariates="calendar")`);
            searched when None.
        families: the families searched when `family` is None (default all).
        lookbacks: the look-backs searched when `lookback` is None.
        name: block name.

    Returns:
        (when called on a node) a ``"tensor"`` node: the standardised forecast.

    Example:
        >>> inp = autonas.TimeSeriesInput()                                          # doctest: +SKIP
        >>> out = autonas.ForecastHead(horizon=24)(ForecastBlock(family="linear")(inp))  # doctest: +SKIP
    """

    input_kinds = ("series",)

    def __init__(self, lookback=None, family=None, normalization=None, channel_independent=None,
                 decomposition=None, closed_form=None, calendar=None, families=None, lookbacks=None, name=None):
        super().__init__(name=name)
        if family is not None and not hasattr(family, "get_config") and family not in FAMILIES:
            raise ValueError(f"`family` must be one of {FAMILIES} or None; received {family!r}.")
        if families is not None and (not families or any(f not in FAMILIES for f in families)):
            raise ValueError(f"`families` must be a non-empty list of {FAMILIES}; received {families!r}.")
        if lookback is not None and not hasattr(lookback, "get_config") and (
                isinstance(lookback, bool) or not isinstance(lookback, int) or lookback < 1):
            raise ValueError(f"`lookback` must be a positive integer or None; received {lookback!r}.")
        self.lookback = lookback
        self.family = family
        self.normalization = normalization
        self.channel_independent = channel_independent
        self.decomposition = decomposition
        self.closed_form = closed_form
        self.calendar = calendar
        self.families = list(families) if families is not None else None
        self.lookbacks = [int(v) for v in lookbacks] if lookbacks is not None else None

    def output_kind(self, nodes):
        return "tensor"

    def _head(self):
        heads = [b for b in self.outputs[0].out_blocks if isinstance(b, ForecastHead)] if self.outputs else []
        if not heads:
            raise ValueError(f"ForecastBlock {self.name!r} must feed a ForecastHead (it reads the horizon there).")
        return heads[0]

    def build(self, hp, inputs):
        head = self._head()
        window, channels = int(inputs.shape[1]), int(inputs.shape[2])
        covariates = int(getattr(self.inputs[0], "covariate_count", 0) or 0)
        calendar = None
        if covariates:  # the input's last columns are calendar features, not channels
            inputs, calendar = SplitCovariates(covariates)(inputs)
            channels -= covariates
        targets = head.target_index if head.target_index is not None else list(range(channels))
        horizon = head.horizon
        options = lookback_options(window, self.lookbacks or LOOKBACKS)
        lookback = self.param(hp, "lookback", self.lookback, choice(options, default=max(options)))
        lookback = min(int(lookback), window)
        families = self.families or list(FAMILIES)
        family = self.param(hp, "family", self.family, choice(families, default=families[0]))
        mode = self.param(hp, "normalization", self.normalization, choice(list(SEARCHED_NORMALIZATIONS)))
        independent = self.param(hp, "channel_independent", self.channel_independent, boolean(True))
        x = inputs
        if lookback < window:
            x = keras.layers.Cropping1D((window - lookback, 0))(x)
        context = x
        x = WindowNormalization(mode)(x)
        decomposition = self.param(hp, "decomposition", self.decomposition, boolean(False))
        closed_form = self.param(hp, "closed_form", self.closed_form, choice(["frozen", "tuned", "none"]))
        solutions = getattr(self.inputs[0], "linear_solutions", None) or {}
        solution = None
        if closed_form != "none" and independent and mode == "last" and not decomposition:
            solution = solutions.get(lookback)
        out = linear_map(x, horizon, targets, independent, decomposition, solution,
                         trainable=closed_form != "frozen")
        searched = self.family is None
        if family == "mlp":
            with conditional(hp, searched, "family", ["mlp"]):
                out = keras.layers.Add()([out, self._mlp(hp, x, horizon, targets, independent)])
        elif family == "conv":
            with conditional(hp, searched, "family", ["conv"]):
                out = keras.layers.Add()([out, self._conv(hp, x, horizon, targets)])
        elif family == "rnn":
            with conditional(hp, searched, "family", ["rnn"]):
                out = keras.layers.Add()([out, self._rnn(hp, x, horizon, targets)])
        elif family == "transformer":
            with conditional(hp, searched, "family", ["transformer"]):
                out = keras.layers.Add()([out, self._transformer(hp, x, horizon, targets, channels, lookback)])
        if calendar is not None and self.param(hp, "calendar", self.calendar, boolean(False)):
            y = keras.layers.Dense(horizon * len(targets), kernel_initializer="zeros")(calendar)
            out = keras.layers.Add()([out, keras.layers.Reshape((horizon, len(targets)))(y)])
        return WindowDenormalization(mode, targets)([out, context])

    # every family's hyperparameters have names of their own: KerasTuner keys values by name, so two
    # families sharing a name (say ``layers``) would lose or swap each other's value when a trial is promoted
    def _mlp(self, hp, x, horizon, targets, independent):
        units = hp.Choice("mlp_units", [64, 128, 256, 512], default=256)
        layers = hp.Choice("mlp_layers", [1, 2], default=1)
        dropout = hp.Choice("mlp_dropout", [0.0, 0.1, 0.3], default=0.1)
        if independent:
            y = keras.layers.Permute((2, 1))(x)  # (batch, channels, steps)
        else:
            y = keras.layers.Flatten()(x)
        for _ in range(layers):
            y = keras.layers.Dense(units, activation="gelu")(y)
            if dropout:
                y = keras.layers.Dropout(dropout)(y)
        if independent:
            y = keras.layers.Dense(horizon, kernel_initializer="zeros")(y)
            return SelectChannels(targets)(keras.layers.Permute((2, 1))(y))
        y = keras.layers.Dense(horizon * len(targets), kernel_initializer="zeros")(y)
        return keras.layers.Reshape((horizon, len(targets)))(y)

    def _conv(self, hp, x, horizon, targets):
        filters = hp.Choice("filters", [16, 32, 64], default=32)
        depth = hp.Choice("depth", [2, 4, 6], default=4)
        y = keras.layers.Conv1D(filters, 1)(x)
        for i in range(depth):
            z = keras.layers.Conv1D(filters, 3, padding="causal", dilation_rate=2 ** i, activation="gelu")(y)
            y = keras.layers.Add()([y, z])
        y = keras.layers.Flatten()(keras.layers.AveragePooling1D(8, padding="same")(y))
        y = keras.layers.Dense(horizon * len(targets), kernel_initializer="zeros")(y)
        return keras.layers.Reshape((horizon, len(targets)))(y)

    def _rnn(self, hp, x, horizon, targets):
        cell = hp.Choice("cell", ["gru", "lstm"], default="gru")
        units = hp.Choice("rnn_units", [32, 64, 128], default=64)
        layer = keras.layers.GRU if cell == "gru" else keras.layers.LSTM
        y = layer(units)(x)
        y = keras.layers.Dense(horizon * len(targets), kernel_initializer="zeros")(y)
        return keras.layers.Reshape((horizon, len(targets)))(y)

    def _transformer(self, hp, x, horizon, targets, channels, lookback):
        patch = hp.Choice("patch_length", [8, 16], default=16)
        if lookback % patch:
            patch = next((p for p in (16, 12, 8, 6, 4, 3, 2, 1) if lookback % p == 0))
        dim = hp.Choice("model_dim", [32, 64, 128], default=64)
        heads = hp.Choice("num_heads", [2, 4], default=4)
        layers = hp.Choice("transformer_layers", [1, 2, 3], default=2)
        dropout = hp.Choice("transformer_dropout", [0.0, 0.1, 0.2], default=0.1)
        from autonas.layers.position_embedding import PositionEmbedding

        y = keras.layers.Dense(dim)(Patches(patch)(x))  # (batch * channels, patches, dim)
        y = PositionEmbedding()(y)
        for _ in range(layers):
            a = keras.layers.MultiHeadAttention(heads, dim // heads, dropout=dropout)(y, y)
            y = keras.layers.LayerNormalization()(keras.layers.Add()([y, a]))
            f = keras.layers.Dense(dim * 2, activation="gelu")(y)
            f = keras.layers.Dense(dim)(keras.layers.Dropout(dropout)(f) if dropout else f)
            y = keras.layers.LayerNormalization()(keras.layers.Add()([y, f]))
        y = keras.layers.Flatten()(y)
        if dropout:
            y = keras.layers.Dropout(dropout)(y)
        y = keras.layers.Dense(horizon, kernel_initializer="zeros")(y)  # (batch * channels, horizon)
        return SelectChannels(targets)(UnfoldChannels(channels)(y))

    def get_config(self):
        config = super().get_config()
        config.update(lookback=self.lookback, family=self.family, normalization=self.normalization,
                      channel_independent=self.channel_independent, decomposition=self.decomposition,
                      closed_form=self.closed_form, calendar=self.calendar, families=self.families,
                      lookbacks=self.lookbacks)
        return config


def linear_map(x, horizon, targets, independent, decomposition=False, solution=None, trainable=True):
    """The linear forecast of a normalised window: NLinear, or DLinear with `decomposition`.

    With a closed-form `solution` (see `autonas.data.linear_fit`), the
    channel-independent map starts from it: frozen (``trainable=False``:
    the ridge regression itself, and the non-linear families learn what it
    leaves) or fine-tuned.

    Args:
        x: the window ``(batch, steps, channels)``.
        horizon: rows forecast.
        targets: target channel indices.
        independent: one map of the steps shared by every channel; otherwise
            every (step, channel) maps to every (row, target).
        decomposition: map the 25-step moving-average trend and the remainder separately.
        solution: ``{"kernel": (steps, horizon), "bias": (horizon,)}`` or None.
        trainable: whether a map started from `solution` trains.

    Returns:
        A ``(batch, horizon, targets)`` tensor.
    """
    parts = [x]
    if decomposition:
        trend = MovingAverage(25)(x)
        parts = [trend, keras.layers.Subtract()([x, trend])]
    outs = []
    for part in parts:
        if independent:
            frozen = solution is not None and not trainable
            dense = GivenMap(horizon) if frozen else keras.layers.Dense(horizon)
            y = dense(keras.layers.Permute((2, 1))(part))
            if frozen:  # kept when a checkpoint of the search's solution is loaded into it (see GivenMap)
                dense.give(solution["kernel"], solution["bias"])
            elif solution is not None:
                dense.set_weights([solution["kernel"], solution["bias"]])
            outs.append(SelectChannels(targets)(keras.layers.Permute((2, 1))(y)))
        else:
            y = keras.layers.Dense(horizon * len(targets))(keras.layers.Flatten()(part))
            outs.append(keras.layers.Reshape((horizon, len(targets)))(y))
    return outs[0] if len(outs) == 1 else keras.layers.Add()(outs)


class ForecastHead(Head):
    """Forecast output: the next `horizon` rows of the target channels, standardised.

    The model's output is on the training rows' standardised scale (the loss
    weighs every channel alike, as forecasting benchmarks score);
    `TimeSeriesForecaster` rescales it to the targets' units for `predict`
    and in the exported model. Fed by a `ForecastBlock`, the head only names
    its output; fed by another block, it maps the features to the forecast
    with a dense layer.

    Args:
        horizon: rows forecast (a positive integer).
        targets: the target channel names (all channels when None).
        loss: Keras loss (default mean squared error).
        metrics: Keras metrics (default mean absolute error).
        name: block name and Keras output name (default ``"forecast_head"``).

    Example:
        >>> out = ForecastHead(horizon=96, targets=["OT"])(ForecastBlock()(inp))  # doctest: +SKIP
    """

    input_kinds = ("tensor", "sequence", "series")
    head_kind = "forecast"

    def __init__(self, horizon=1, targets=None, loss="mean_squared_error", metrics=None, name=None):
        super().__init__(loss=loss, metrics=metrics, name=name)
        if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
            raise ValueError(f"`horizon` must be a positive integer; received {horizon!r}.")
        self.horizon = int(horizon)
        self.targets = [targets] if isinstance(targets, str) else (list(targets) if targets is not None else None)
        self.target_index = None
        self.target_mean = None
        self.target_scale = None

    def fit_targets(self, y, arg_name="y"):
        """Learn the targets' per-channel mean and std from the training rows ``(rows, targets)``."""
        import numpy as np

        y = np.asarray(y, dtype="float64")
        std = y.std(axis=0)
        self.target_mean = [float(v) for v in y.mean(axis=0)]
        self.target_scale = [float(v) if v > 1e-6 else 1.0 for v in std]
        if self.target_index is None:
            self.target_index = list(range(y.shape[1]))
        return None

    def encode(self, y, arg_name="y"):
        """Raw target rows to the standardised scale."""
        import numpy as np

        return ((np.asarray(y, dtype="float64") - self.target_mean) / self.target_scale).astype("float32")

    def decode(self, predictions):
        """Standardised forecasts to the targets' units."""
        import numpy as np

        return np.asarray(predictions, dtype="float64") * self.target_scale + self.target_mean

    def build(self, hp, inputs):
        count = len(self.target_index or [0])
        if tuple(inputs.shape[1:]) == (self.horizon, count):
            return keras.layers.Activation("linear", dtype="float32", name=self.name)(inputs)
        x = self._flatten(inputs)
        x = keras.layers.Dense(self.horizon * count)(x)
        return keras.layers.Reshape((self.horizon, count), dtype="float32", name=self.name)(x)

    def get_loss(self):
        return self.loss or "mean_squared_error"

    def get_metrics(self):
        return list(self.metrics) if self.metrics is not None else ["mean_absolute_error"]

    @property
    def default_objective(self):
        return "val_loss"

    def get_config(self):
        config = super().get_config()
        config.update(horizon=self.horizon, targets=self.targets)
        return config
