"""Project-directory state on disk: JSON only, always written atomically.

Nothing in a project directory is ever unpickled or evaluated. Every write goes
to a temporary file in the same folder, is flushed and fsync'ed, and is then
renamed over the target, so a process killed mid-write leaves either the old
file or the new one, never half of one.
"""

import json
import os
import tempfile


def atomic_write(path, write):
    """Write a file atomically (temporary file, fsync, rename) through `write(binary_file)`.

    Args:
        path: destination file path.
        write: a function given the open binary temporary file; it writes the
            full contents.

    Returns:
        The path written.

    Example:
        >>> atomic_write("/tmp/state.bin", lambda f: f.write(b"hello"))  # doctest: +SKIP
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path, text):
    """Write `text` to `path` atomically (temporary file, fsync, rename).

    Args:
        path: destination file path.
        text: the full contents, a `str`.

    Returns:
        The path written.

    Example:
        >>> atomic_write_text("/tmp/state.txt", "hello")  # doctest: +SKIP
    """
    data = text.encode("utf-8")
    return atomic_write(path, lambda f: f.write(data))


def atomic_write_json(path, obj, indent=2):
    """Serialise `obj` as JSON and write it atomically to `path`.

    Args:
        path: destination file path.
        obj: any JSON-serialisable object (numpy scalars are converted).
        indent: JSON indentation.

    Returns:
        The path written.

    Example:
        >>> atomic_write_json("/tmp/state.json", {"a": 1})  # doctest: +SKIP
    """
    return atomic_write_text(path, json.dumps(obj, indent=indent, default=_to_builtin))


def read_json(path, what="state file"):
    """Read a JSON file, failing with a clear `ValueError` when it is corrupt.

    Args:
        path: the file to read.
        what: a short description used in the error message.

    Returns:
        The decoded object.

    Example:
        >>> read_json("/tmp/state.json")  # doctest: +SKIP
    """
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(
            f"The {what} at {path!r} is not valid JSON ({e}). It may have been "
            "edited or truncated; delete it or pass overwrite=True to start afresh."
        ) from None


def _to_builtin(value):
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serialisable")
