"""Rebuilding a discrete network from a genotype, to train it from scratch."""

import keras
import numpy as np

from autonas.darts.fixed_cell import FixedCell
from autonas.darts.genotype import Genotype
from autonas.darts.supernet import cell_plan, stem_layers
from autonas.trials.runner import build_optimizer


def stack_cells(x, genotype, channels=16, layers=8, stem_multiplier=3, stem_strides=1, name="darts"):
    """Apply the stem and the cells of a derived architecture to a Keras tensor.

    Args:
        x: a 4-D Keras tensor (batch, H, W, C).
        genotype: a `Genotype`.
        channels: channels of the first cells (doubled at each reduction).
        layers: number of cells; reductions at 1/3 and 2/3 of the depth.
        stem_multiplier: stem channels = ``stem_multiplier * channels``.
        stem_strides: 2 halves the input once in the stem.
        name: prefix of the layer names.

    Returns:
        The feature map of the last cell.

    Example:
        >>> inp = keras.Input((8, 8, 1))
        >>> feats = stack_cells(inp, random_genotype(2, seed=0), channels=4, layers=3)
    """
    if not isinstance(genotype, Genotype):
        raise TypeError(f"`genotype` must be an autonas.darts.Genotype; received {type(genotype).__name__}.")
    if len(x.shape) != 4:
        raise ValueError(f"`x` must be a 4-D image tensor (batch, H, W, C); received shape {tuple(x.shape)}.")
    for layer in stem_layers(channels, stem_multiplier, stem_strides, affine=True):
        x = layer(x)
    s0 = s1 = x
    for i, (c, reduction, reduction_prev) in enumerate(cell_plan(layers, channels)):
        cell = FixedCell(c, genotype.reduce if reduction else genotype.normal, reduction=reduction,
                         reduction_prev=reduction_prev, name=f"{name}_cell_{i}")
        s0, s1 = s1, cell([s0, s1])
    return s1


def build_network(genotype, input_shape, num_classes, channels=16, layers=8, stem_multiplier=3, stem_strides=1,
                  normalization=None, dropout=0.0):
    """The discrete network of a genotype, ready to compile and train from scratch.

    Args:
        genotype: a `Genotype`.
        input_shape: shape of one image, ``(H, W)`` or ``(H, W, C)``.
        num_classes: number of classes (softmax outputs).
        channels: channels of the first cells.
        layers: number of cells.
        stem_multiplier: stem channels = ``stem_multiplier * channels``.
        stem_strides: 2 halves the input once in the stem.
        normalization: optional ``(mean, variance)`` per channel, baked into
            the model so it takes raw pixels.
        dropout: dropout rate before the classifier.

    Returns:
        An uncompiled functional `keras.Model` giving class probabilities.

    Example:
        >>> model = build_network(random_genotype(2, seed=0), (8, 8), 10, channels=4, layers=3)
        >>> model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    """
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"`num_classes` must be an integer >= 2; received {num_classes!r}.")
    input_shape = tuple(int(d) for d in input_shape)
    if len(input_shape) not in (2, 3):
        raise ValueError(f"`input_shape` must be (H, W) or (H, W, C); received {input_shape}.")
    inputs = keras.Input(input_shape, name="image")
    x = inputs
    if len(input_shape) == 2:
        x = keras.layers.Reshape(input_shape + (1,), name="image_channels")(x)
    if normalization is not None:
        mean, variance = (np.asarray(v, dtype="float32") for v in normalization)
        x = keras.layers.Normalization(axis=-1, mean=mean, variance=variance, name="normalization")(x)
    x = stack_cells(x, genotype, channels=channels, layers=layers, stem_multiplier=stem_multiplier,
                    stem_strides=stem_strides)
    x = keras.layers.GlobalAveragePooling2D()(x)
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="darts_network")


def train_network(model, x, y, epochs, batch_size=64, learning_rate=0.05, verbose=0):
    """Compile and train a derived network with the DARTS retraining recipe, briefly or in full.

    SGD with Nesterov momentum 0.9, a cosine learning rate from `learning_rate`
    to zero over the whole training, weight decay 3e-4, sparse categorical
    cross-entropy, accuracy as the metric. `DartsSearch.select` trains its
    candidates this way, and ``benchmarks/darts.py`` its random candidates and
    both retrainings, so that every network of a comparison learns alike.

    Args:
        model: a network from `build_network` (probabilities out).
        x: training images.
        y: integer labels.
        epochs: training epochs.
        batch_size: batch size (capped at the number of images).
        learning_rate: initial learning rate.
        verbose: Keras's `fit` verbosity.

    Returns:
        The trained `model` (compiled).

    Example:
        >>> train_network(build_network(genotype, (28, 28), 10), x, y, epochs=3)  # doctest: +SKIP
    """
    batch_size = min(int(batch_size), len(x))
    steps = max(1, epochs * (len(x) // batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(float(learning_rate), steps)
    model.compile(keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True, weight_decay=3e-4),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    build_optimizer(model, {"x": x, "y": y})  # as a trial's model: one trace of the train step
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose)
    return model
