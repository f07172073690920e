"""Project-directory state on disk: JSON only, always written atomically.

Nothing in a project directory is ever unpickled or evaluated. Every write goes
to a temporary file in the same folder, is flushed and fsync'ed, and is then
renamed over the target, so a process killed mid-write leaves either the old
file or the new one, never half of one.
"""

import contextlib
import itertools
import json
import os
import shutil
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
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.filename is None:
            e.filename = path  # a failed write names the file it was for (a full disk: see `autonas.tuner_support`)
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


@contextlib.contextmanager
def atomic_folder(path):
    """Write a folder or file in full, or not at all: yields a temporary path beside `path` to write into.

    When the block ends, the temporary path is renamed to `path` (an existing
    `path` is moved aside first and removed after), so a process killed while
    writing leaves the previous contents or nothing, never a half-written
    export. The temporary name starts with a dot and is not numeric, so
    TensorFlow Serving, which loads numeric version folders, never sees it. If
    the block raises, the temporary path is removed and `path` is untouched;
    what a killed writer left beside `path` is removed by the next one.

    Args:
        path: the final folder (or file) path.

    Yields:
        The temporary path, in the same folder as `path` (same file system).

    Example:
        >>> with atomic_folder("serving/digits/1") as tmp:  # doctest: +SKIP
        ...     write_saved_model(tmp)
    """
    path = os.path.abspath(os.fspath(path))
    parent, name = os.path.split(path)
    os.makedirs(parent, exist_ok=True)
    suffix = os.path.splitext(name)[1]  # `.keras` files must keep their suffix while written
    tmp = os.path.join(parent, f".{name}.partial-{os.getpid()}{suffix}")
    _remove_stale(parent, f".{name}.partial-")
    _remove(tmp)
    try:
        yield tmp
    except BaseException:
        _remove(tmp)
        raise
    if not os.path.exists(path):
        os.rename(tmp, path)
        return
    old = os.path.join(parent, f".{name}.old-{os.getpid()}")
    _remove(old)
    os.rename(path, old)
    os.rename(tmp, path)
    _remove(old)


def _remove_stale(parent, prefix):
    """Remove what writers that died left in `parent` (names `prefix<pid>...` of processes gone)."""
    for entry in os.listdir(parent):
        if not entry.startswith(prefix):
            continue
        digits = "".join(itertools.takewhile(str.isdigit, entry[len(prefix):]))
        if digits and not _alive(int(digits)):
            _remove(os.path.join(parent, entry))


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)
