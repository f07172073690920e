"""Columns of structured data: type inference, missing values, conversion.

A structured input is handled column by column. `infer_columns` decides each
column's type (``"numerical"``, ``"categorical"`` or ``"text"``) and the form
of its model input; `to_records` turns a DataFrame (or a 2-D array, or a dict
of columns) into a numpy record array with one field per column holding the
exact values the model takes (float64 with NaN for missing numbers, strings
with ``""`` for missing text). What the encoding layers learn from the
training split (means, vocabularies) is computed by the blocks that use it
(`autonas.data.statistics.column_statistics`).

The exported model has one Keras input per column, named `ColumnInfo.input_name`
(the column name, with characters other than letters, digits and ``_``
replaced by ``_``): numbers as float32 (NaN for missing), strings as string
tensors (``""`` for missing).
"""

import dataclasses
import logging
import numbers
import re

import numpy as np

logger = logging.getLogger("autonas")

NUMERICAL, CATEGORICAL, TEXT = "numerical", "categorical", "text"
COLUMN_TYPES = (NUMERICAL, CATEGORICAL, TEXT)
#: an integer-valued numeric column with at most this many distinct values (and
#: at most 5% of the rows) is categorical.
MAX_NUMERIC_CATEGORIES = 10
#: a string column is text when its values average at least this many words ...
TEXT_MIN_WORDS = 2.5
#: ... and at least this fraction of its non-missing values are distinct.
TEXT_MIN_UNIQUE_RATIO = 0.3


@dataclasses.dataclass
class ColumnInfo:
    """What the model knows about one column.

    Args:
        name: the column name as given by the user.
        input_name: the Keras input name (sanitised ``name``).
        type: ``"numerical"``, ``"categorical"`` or ``"text"``.
        dtype: the model input dtype, ``"float32"`` or ``"string"``.

    Returns:
        A record of those fields (see `get_config` for a dict).

    Example:
        >>> ColumnInfo("Age", "Age", "numerical", "float32").type
        'numerical'
    """

    name: str
    input_name: str
    type: str
    dtype: str

    def get_config(self):
        """Returns the JSON-serialisable fields."""
        return dataclasses.asdict(self)


def to_frame(x, column_names=None, arg_name="x"):
    """A `pandas.DataFrame` from a DataFrame, a dict of columns, a record array or a 2-D array.

    Args:
        x: the structured data.
        column_names: names for the columns of a 2-D array (default
            ``column_0``, ``column_1``, ...); ignored for named inputs.
        arg_name: the argument name for error messages.

    Returns:
        A DataFrame (a shallow copy when `x` already is one).

    Example:
        >>> to_frame(np.zeros((2, 3))).columns.tolist()
        ['column_0', 'column_1', 'column_2']
    """
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        frame = x.copy(deep=False)
        frame.columns = [str(c) for c in frame.columns]
    elif isinstance(x, pd.Series):
        frame = x.to_frame(name=str(x.name) if x.name is not None else "column_0")
    elif isinstance(x, dict):
        frame = pd.DataFrame({str(k): _column_values(v, f"{arg_name}[{k!r}]") for k, v in x.items()})
    elif isinstance(x, np.ndarray) and x.dtype.names:
        frame = pd.DataFrame({name: x[name] for name in x.dtype.names})
    else:
        arr = np.asarray(x, dtype=object) if isinstance(x, (list, tuple)) else np.asarray(x)
        if arr.ndim != 2:
            raise ValueError(
                f"`{arg_name}` for structured data must be a DataFrame, a CSV path, a dict of columns or a "
                f"2-D array; received an array of shape {arr.shape}."
            )
        if column_names is not None and len(column_names) != arr.shape[1]:
            raise ValueError(
                f"`{arg_name}` has {arr.shape[1]} columns but `column_names` lists {len(column_names)}: "
                f"{list(column_names)}."
            )
        names = list(column_names) if column_names is not None else [f"column_{i}" for i in range(arr.shape[1])]
        frame = pd.DataFrame({str(n): arr[:, i] for i, n in enumerate(names)})
    if frame.shape[1] == 0:
        raise ValueError(f"`{arg_name}` has no columns.")
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise ValueError(f"`{arg_name}` has duplicated column names {duplicated}; column names must be unique.")
    return frame


def _column_values(values, arg_name):
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"`{arg_name}` must be a 1-D column of values; received shape {arr.shape}.")
    return arr


def infer_columns(frame, column_types=None, arg_name="x"):
    """Decide the type and the model input of every column.

    Numeric columns are ``"numerical"``, except integer-valued ones with few
    distinct values (at most 10 and at most 5% of the rows) and booleans,
    which are ``"categorical"``. String columns are ``"text"`` when their
    values average 2.5 words or more and at least 30% are distinct, else
    ``"categorical"``. Missing values (None, NaN) are allowed anywhere.

    Args:
        frame: a `pandas.DataFrame` (see `to_frame`).
        column_types: optional ``{column: type}`` overriding the inference.
        arg_name: the argument name for error messages.

    Returns:
        A list of `ColumnInfo`, in column order.

    Raises:
        TypeError: a column mixes value types (e.g. strings and numbers).
        ValueError: a column is entirely missing, or `column_types` names an
            unknown column or type.

    Example:
        >>> import pandas as pd
        >>> [c.type for c in infer_columns(pd.DataFrame({"a": [1.5, 2.0], "b": ["x", "y"]}))]
        ['numerical', 'categorical']
    """
    column_types = dict(column_types or {})
    unknown = [c for c in column_types if c not in frame.columns]
    if unknown:
        raise ValueError(
            f"`column_types` names column(s) {unknown} that `{arg_name}` does not have; its columns are "
            f"{list(frame.columns)}."
        )
    bad = {c: t for c, t in column_types.items() if t not in COLUMN_TYPES}
    if bad:
        raise ValueError(f"`column_types` values must be one of {COLUMN_TYPES}; received {bad}.")
    infos, taken = [], set()
    for name in frame.columns:
        kind, values = _value_kind(frame[name], name, arg_name)
        column_type = column_types.get(name) or _infer_type(kind, values, len(frame))
        if kind == "number" and column_type == TEXT:
            raise ValueError(f"`column_types[{name!r}]` is 'text' but column {name!r} of `{arg_name}` holds numbers.")
        if kind == "number" and column_type == CATEGORICAL and not _integer_valued(values):
            raise ValueError(
                f"`column_types[{name!r}]` is 'categorical' but column {name!r} of `{arg_name}` holds non-integer "
                "numbers; use 'numerical', or pass the categories as strings."
            )
        if kind == "string" and column_type == NUMERICAL:
            raise ValueError(
                f"`column_types[{name!r}]` is 'numerical' but column {name!r} of `{arg_name}` holds strings "
                f"such as {values[:3].tolist()}."
            )
        dtype = "float32" if kind == "number" else "string"
        infos.append(ColumnInfo(str(name), _input_name(str(name), taken), column_type, dtype))
    logger.info("Column types: %s", {c.name: c.type for c in infos})
    return infos


def _is_missing(values):
    import pandas as pd

    return np.asarray(pd.isna(values), dtype=bool)


def _value_kind(series, name, arg_name):
    """``("number" | "string", non-missing values as numpy)``; raises on mixed types."""
    values = series.to_numpy()
    present = values[~_is_missing(values)]
    if len(present) == 0:
        raise ValueError(
            f"Column {name!r} of `{arg_name}` has only missing values; drop it or fill it in."
        )
    if values.dtype.kind in "biuf":
        return "number", present.astype("float64")
    kinds = {}
    for v in present:
        if isinstance(v, (bool, np.bool_)):
            kind = "bool"
        elif isinstance(v, numbers.Number):
            kind = "number"
        elif isinstance(v, (str, bytes)):
            kind = "string"
        else:
            kind = type(v).__name__
        kinds.setdefault(kind, v)
    if set(kinds) <= {"bool"}:
        return "number", present.astype("float64")
    if set(kinds) <= {"number"}:
        return "number", present.astype("float64")
    if set(kinds) <= {"string"}:
        return "string", np.asarray([_as_text(v) for v in present], dtype=object)
    examples = ", ".join(f"{k}: {v!r}" for k, v in sorted(kinds.items()))
    raise TypeError(
        f"Column {name!r} of `{arg_name}` mixes value types ({examples}); each column must hold only "
        "numbers or only strings (missing values aside). Convert it, e.g. with `df[col].astype(str)`."
    )


def _as_text(v):
    return v.decode("utf-8", errors="replace") if isinstance(v, bytes) else str(v)


def _integer_valued(values):
    return bool(np.all(np.isfinite(values)) and np.all(np.mod(values, 1) == 0))


def _infer_type(kind, values, num_rows):
    if kind == "number":
        distinct = len(np.unique(values))
        limit = min(MAX_NUMERIC_CATEGORIES, max(2, int(0.05 * num_rows)))
        if _integer_valued(values) and distinct <= limit:
            return CATEGORICAL
        return NUMERICAL
    words = np.mean([len(v.split()) for v in values])
    unique_ratio = len(set(values.tolist())) / len(values)
    if words >= TEXT_MIN_WORDS and unique_ratio >= TEXT_MIN_UNIQUE_RATIO:
        return TEXT
    return CATEGORICAL


def _reserved_names():
    import keras

    from autonas.utils.naming import to_snake_case

    names = {to_snake_case(n) for n in dir(keras.layers) if n[:1].isupper()}
    return names | {"input_layer", "functional"}


_RESERVED = None


def _input_name(name, taken):
    global _RESERVED
    if _RESERVED is None:
        _RESERVED = _reserved_names()
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name.strip()) or "column"
    if not clean[0].isalpha():
        clean = "c_" + clean
    if re.sub(r"_\d+$", "", clean) in _RESERVED:
        clean += "_column"
    base, i = clean, 1
    while clean in taken:
        clean = f"{base}_{i}"
        i += 1
    taken.add(clean)
    return clean


def to_records(frame, columns, arg_name="x"):
    """Convert data to a numpy record array holding exactly what the model takes.

    Numeric columns become float64 (NaN for missing), string columns object
    arrays of `str` (``""`` for missing). Columns are matched by name; extra
    columns are ignored.

    Args:
        frame: a `pandas.DataFrame` (see `to_frame`).
        columns: the `ColumnInfo` list from `infer_columns` at fit time.
        arg_name: the argument name for error messages.

    Returns:
        A numpy record array with one field per column, named by column.

    Raises:
        ValueError: columns seen at fit are missing (all of them are named),
            or a numeric column holds values that are not numbers.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"a": [1.0, None], "b": ["x", None]})
        >>> to_records(frame, infer_columns(frame))["b"].tolist()
        ['x', '']
    """
    missing = [c.name for c in columns if c.name not in frame.columns]
    if missing:
        raise ValueError(
            f"`{arg_name}` is missing column(s) {missing} that the model was fitted on; it has "
            f"{list(frame.columns)}."
        )
    extra = [c for c in frame.columns if c not in {col.name for col in columns}]
    if extra:
        logger.debug("Ignoring column(s) %s of %s not seen at fit.", extra, arg_name)
    dtype = [(c.name, "float64" if c.dtype == "float32" else object) for c in columns]
    records = np.empty(len(frame), dtype=dtype)
    for c in columns:
        values = frame[c.name].to_numpy()
        absent = _is_missing(values)
        if c.dtype == "float32":
            records[c.name] = _to_float(values, absent, c.name, arg_name)
        else:
            records[c.name] = np.asarray(
                ["" if a else _as_text(v) for v, a in zip(values, absent)], dtype=object
            )
    return records


def _to_float(values, absent, name, arg_name):
    out = np.full(len(values), np.nan, dtype="float64")
    present = values[~absent]
    try:
        out[~absent] = np.asarray(present, dtype="float64")
    except (TypeError, ValueError):
        bad = [v for v in present if not isinstance(v, (numbers.Number, np.bool_))][:3]
        raise ValueError(
            f"Column {name!r} of `{arg_name}` must hold numbers like at fit; received values such as {bad}."
        ) from None
    if np.isinf(out).any():
        raise ValueError(
            f"Column {name!r} of `{arg_name}` contains infinite values; use NaN (or None) for missing values."
        )
    return out
