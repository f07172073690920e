"""One input node's data: converted, validated and ready for the model."""

from autonas.data.columns import infer_columns, to_frame, to_records
from autonas.data.text import to_text_array


def prepare_input(x, node, fit=False, arg_name="x"):
    """Convert and validate the data of one input node.

    - `StructuredDataInput`: a DataFrame, dict of columns, record array or 2-D
      array becomes a numpy record array with one field per column (see
      `autonas.data.columns.to_records`). With ``fit=True`` (or when the node
      has never seen data) the column types are inferred first and stored on
      the node (`node.set_columns`); later calls match columns by name and
      name every missing one.
    - `TextInput`: strings become a 1-D object array of `str`.
    - other inputs (images, numbers): a numeric numpy array, checked by the
      node (e.g. image rank), as float32.

    Args:
        x: the data of this input, in memory (see `autonas.data.load_data`).
        node: the input node.
        fit: whether this is training data (structured: infer the columns).
        arg_name: the argument name for error messages.

    Returns:
        The converted data; feed it to the model with `node.keras_data(...)`.

    Raises:
        ValueError, TypeError: bad input, naming `arg_name`.

    Example:
        >>> records = prepare_input(frame, structured_input, fit=True)  # doctest: +SKIP
    """
    kind = getattr(node, "kind", None)
    if kind == "structured":
        frame = to_frame(x, node.column_names, arg_name)
        if len(frame) == 0:
            raise ValueError(f"`{arg_name}` is empty; expected at least one example.")
        if fit or node.columns is None:
            node.set_columns(infer_columns(frame, node.column_types, arg_name))
        data = to_records(frame, node.columns, arg_name)
    elif kind == "text":
        data = to_text_array(x, arg_name)
        node.check_data(data, arg_name)
    else:
        from autonas.data.adapters import adapt_inputs

        return adapt_inputs(x, [node], arg_name)[0]
    if len(data) == 0:
        raise ValueError(f"`{arg_name}` is empty; expected at least one example.")
    return data
