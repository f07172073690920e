"""Module-level helpers of `autonas.tuner.Tuner`: memory between trials, the state check, small formatting.

`frozen_heap` keeps the long-lived heap out of the collector during a search;
`free_previous_models` releases one trial's model before the next is built;
`damaged_state_file` names the state file a failed resume could not read;
`disk_full_stops_the_search` turns a write that found no room into one clear, resumable error;
`quiet` turns KerasTuner's console prints into debug logs.
"""

import contextlib
import errno
import gc
import io
import logging
import os

import keras
import keras_tuner

from autonas import _compat
from autonas.data import streaming

logger = logging.getLogger("autonas")

#: a write that found no room: no space left on the device, a file-size limit (RLIMIT_FSIZE), a disk quota
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


class ProjectDirectoryFull(OSError, keras_tuner.errors.FatalError):
    """The project directory ran out of room during a search or its refit: `fit` stops, and the same `fit` resumes it.

    An `OSError` with the errno of the failed write (ENOSPC, EFBIG or EDQUOT).
    It is not a trial failure: every following trial would fail the same way,
    so the search stops at once instead of failing trial after trial.
    """


@contextlib.contextmanager
def disk_full_stops_the_search(project_dir):
    """Inside the block, a write that finds no room raises `ProjectDirectoryFull` naming `project_dir`.

    Args:
        project_dir: the search's project directory.

    Yields:
        None.

    Example:
        >>> with disk_full_stops_the_search("runs/p"):  # doctest: +SKIP
        ...     tuner.run_trials(fit_kwargs)
    """
    try:
        yield
    except ProjectDirectoryFull:
        raise
    except OSError as e:
        if e.errno not in DISK_FULL_ERRNOS:
            raise
        raise ProjectDirectoryFull(
            e.errno,
            f"The project directory {os.path.abspath(project_dir)!r} ran out of room: writing "
            f"{e.filename or 'a file'!r} failed ({e.strerror or e}). Free space on its disk (or raise the file-size "
            "limit or disk quota), or pass a `directory` with room, then run the same `fit` again (same directory "
            "and project_name, overwrite=False): it resumes the search and keeps the trials completed so far.",
        ) from e


def damaged_state_file(project):
    """The first of the project's JSON state files (oracle, trials) that does not parse, or None."""
    import glob
    import json

    for path in [os.path.join(project, "oracle.json"), *sorted(glob.glob(os.path.join(project, "trial_*", "*.json")))]:
        try:
            with open(path) as f:
                json.load(f)
        except (OSError, ValueError):
            if os.path.exists(path):
                return path
    return None


def example_count(data):
    """Examples in ``(x, y)`` Keras-form data (or a streamed ``(Stream, None)``)."""
    return len(data[0]) if streaming.is_stream(data[0]) else len(keras.tree.flatten(data[1])[0])


def free_previous_models():
    """Reset Keras's state, collect the models no longer used and return their memory to the system."""
    keras.backend.clear_session()
    _compat.release_free_memory()


def smallest_skipped(skipped):
    """The reason given for the skipped candidate with the fewest parameters (as `_feasible` measured them)."""
    return min(skipped, key=lambda entry: entry.get("params", float("inf"))).get("reason", "no reason recorded")


def values_key(values):
    return tuple(sorted((name, repr(value)) for name, value in values.items()))


def last_line(message):
    lines = [line for line in (message or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"


@contextlib.contextmanager
def frozen_heap():
    """Exclude the objects alive on entry from garbage collection until the block ends.

    Every build frees the previous trial's model with a full collection, whose
    cost grows with everything TensorFlow and the caller keep alive (seconds
    per trial on a busy machine). `gc.freeze` moves those long-lived objects
    out of the collector's way; objects created inside the block are
    collected as usual, and `gc.unfreeze` restores normal collection after.
    `Tuner.search` runs in one; `AutoModel.fit` puts the search and the refit
    in one, so the search's own is then a no-op: nothing is done when objects
    are frozen already (by an outer block or by the caller).
    """
    if not freeze_heap():
        yield
        return
    try:
        yield
    finally:
        gc.unfreeze()


def freeze_heap():
    """Collect once and freeze what is alive (`gc.freeze`), unless the heap is frozen already.

    `frozen_heap` unfreezes at the end of its block; a Ray trial process
    (`autonas.executors.ray_trainable`) freezes for the rest of its life.

    Returns:
        True when this call froze the heap, False when it was frozen already.

    Example:
        >>> freeze_heap() in (True, False)
        True
    """
    if gc.get_freeze_count():
        return False
    gc.collect()
    gc.freeze()
    return True


@contextlib.contextmanager
def quiet():
    """Swallow KerasTuner's own console prints (autonas reports through `logging`)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield
    text = buffer.getvalue().strip()
    if text:
        logger.debug("keras_tuner: %s", text)
