"""The data of a DARTS search: images checked, labels encoded, one train/validation split.

The split is a seeded permutation cut in two (the first part trains the weights, the
rest, in permuted order, the architecture parameters), as `DartsSearch` has always
drawn it. It is not `autonas.data.split_validation` (stratified, the validation part
sorted): that split puts other images in each half for the same seed, so every seeded
search would derive other cells than before (``benchmarks/darts_split.py`` measures it:
the same quality on average, other cells on every seed). Targets of a regression are
standardised with the training statistics (the search only ranks architectures),
pixels with the training mean and variance per channel.
"""

import dataclasses
import logging

import numpy as np


logger = logging.getLogger("autonas")


@dataclasses.dataclass(frozen=True)
class SearchData:
    """The arrays a search trains on, and what it learned from them.

    Args:
        x_train, y_train: the images and encoded targets the weights train on.
        x_val, y_val: those the architecture parameters train on.
        classes: the sorted original labels (None for regression).
        normalization: ``(mean, variance)`` per channel when the pixels were
            standardised, else None.

    Returns:
        A frozen record.

    Example:
        >>> data = prepare(x, y, task="classification", validation_split=0.5, seed=0)  # doctest: +SKIP
        >>> data.x_train.shape  # doctest: +SKIP
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    classes: np.ndarray = None
    normalization: tuple = None


def check_images(x, arg_name):
    """Images as float32 ``(N, H, W, C)``, or a clear error.

    Args:
        x: numeric images, ``(N, H, W)`` or ``(N, H, W, C)``.
        arg_name: the argument name used in error messages.

    Returns:
        A float32 array ``(N, H, W, C)``.

    Example:
        >>> check_images(np.zeros((2, 8, 8)), "x").shape
        (2, 8, 8, 1)
    """
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


def _validation_pair(validation_data):
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ValueError("`validation_data` must be a pair (x_val, y_val); received "
                         f"{type(validation_data).__name__}.")
    return check_images(validation_data[0], "validation_data[0]"), np.asarray(validation_data[1])


def _split(x, y, validation_split, seed):
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be in (0, 1); received {validation_split!r}.")
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(round(len(x) * (1 - validation_split)))
    if cut < 1 or cut >= len(x):
        raise ValueError(f"`validation_split`={validation_split} leaves an empty split of {len(x)} images.")
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


def _encode_labels(y, n, num_classes):
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"`y` must be 1-D with one label per image ({n}); received shape {y.shape}.")
    classes = np.unique(y)
    if num_classes is not None and len(classes) > num_classes:
        raise ValueError(f"`num_classes` is {num_classes} but `y` has {len(classes)} classes.")
    if len(classes) < 2:
        raise ValueError(f"`y` must contain at least two classes; received {classes.tolist()}.")
    if num_classes is not None and len(classes) < num_classes:
        logger.warning("`y` has %d of the %d classes.", len(classes), num_classes)
    return classes, np.searchsorted(classes, y).astype("int32")


def prepare(x, y, task, validation_split, seed, validation_data=None, num_classes=None, normalize=True,
            standardise=True):
    """Check, encode and split the data of a search.

    Args:
        x: images, ``(N, H, W)`` or ``(N, H, W, C)``.
        y: labels ``(N,)`` (classification) or numeric targets ``(N,)``/``(N, k)``.
        task: ``"classification"`` or ``"regression"``.
        validation_split: fraction of `x` held out when `validation_data` is None.
        seed: seed of the split.
        validation_data: ``(x_val, y_val)``, or None to split `x`.
        num_classes: the number of classes expected (None: any).
        normalize: standardise the pixels with the training statistics.
        standardise: False returns the images as given (pixels and targets
            unstandardised), for training networks that standardise themselves.

    Returns:
        A `SearchData`.

    Example:
        >>> data = prepare(x, y, "classification", 0.5, seed=0)  # doctest: +SKIP
    """
    x = check_images(x, "x")
    y = np.asarray(y)
    if task == "regression":
        return _prepare_regression(x, y, validation_split, seed, validation_data, normalize)
    classes, y = _encode_labels(y, len(x), num_classes)
    if validation_data is not None:
        x_val, y_raw = _validation_pair(validation_data)
        unknown = np.setdiff1d(y_raw, classes)
        if len(unknown):
            raise ValueError(f"`validation_data` has labels not in `y`: {unknown[:10].tolist()}.")
        x_train, y_train, y_val = x, y, np.searchsorted(classes, y_raw).astype("int32")
    else:
        x_train, y_train, x_val, y_val = _split(x, y, validation_split, seed)
    if not standardise:
        return SearchData(x_train, y_train, x_val, y_val, classes)
    return _standardised(x_train, y_train, x_val, y_val, classes, normalize)


def _prepare_regression(x, y, validation_split, seed, validation_data, normalize):
    if y.dtype.kind not in "biuf" or len(y) != len(x) or y.ndim not in (1, 2):
        raise ValueError(f"`y` must hold numeric targets, one row per image ({len(x)}); received dtype "
                         f"{y.dtype} and shape {y.shape}.")
    y = y.reshape(len(y), -1).astype("float32")
    if validation_data is not None:
        x_val, y_val = _validation_pair(validation_data)
        x_train, y_train, y_val = x, y, y_val.astype("float32").reshape(len(x_val), -1)
    else:
        x_train, y_train, x_val, y_val = _split(x, y, validation_split, seed)
    # the search only ranks architectures: targets are standardised for a well-scaled loss
    mean, std = y_train.mean(axis=0), np.maximum(y_train.std(axis=0), 1e-6)
    y_train, y_val = (y_train - mean) / std, (y_val - mean) / std
    return _standardised(x_train, y_train.astype("float32"), x_val, y_val.astype("float32"), None, normalize)


def _standardised(x_train, y_train, x_val, y_val, classes, normalize):
    if x_val.shape[1:] != x_train.shape[1:]:
        raise ValueError(f"`validation_data` images have shape {x_val.shape[1:]}; expected {x_train.shape[1:]}.")
    normalization = None
    if normalize:
        axes = (0, 1, 2)
        mean = x_train.mean(axis=axes, dtype=np.float64)
        variance = np.maximum(x_train.var(axis=axes, dtype=np.float64), 1e-12)
        normalization = (mean.astype("float32"), variance.astype("float32"))
        scale = 1.0 / np.sqrt(variance)
        x_train = ((x_train - mean) * scale).astype("float32")
        x_val = ((x_val - mean) * scale).astype("float32")
    return SearchData(x_train, y_train, x_val, y_val, classes, normalization)


def standardise(data, normalize=True):
    """`data` (as `prepare(..., standardise=False)` returns it) with the pixels standardised.

    Args:
        data: a `SearchData` of classification data.
        normalize: standardise the pixels.

    Returns:
        A `SearchData`, `normalization` set when `normalize`.

    Example:
        >>> standardise(prepare(x, y, "classification", 0.5, 0, standardise=False))  # doctest: +SKIP
    """
    return _standardised(data.x_train, data.y_train, data.x_val, data.y_val, data.classes, normalize)
