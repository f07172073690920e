"""A cheap fingerprint of the data given to `fit`, kept in the project directory.

Re-running a notebook cell with the default ``overwrite=False`` resumes the
project on disk. When the data differ from those the project was searched on,
the old winner would be refitted on the new data without a word: `check_resumed`
warns, and says how to start afresh.

The fingerprint is the number of examples, the shape and dtype of one example
per input and target, and a hash of at most `ROWS` evenly spaced rows of each
array (a streamed dataset: of its sample and its targets), so it costs
milliseconds whatever the data size.
"""

import hashlib
import json
import logging
import os
import warnings

import numpy as np

from autonas.utils.io import atomic_write_json, read_json

__all__ = ["fingerprint", "check_resumed", "FILE", "ROWS"]

logger = logging.getLogger("autonas")

#: the file, in the project directory.
FILE = "autonas_data.json"
#: rows hashed per array.
ROWS = 1000


def fingerprint(num_examples, arrays):
    """The fingerprint of a fit's data.

    Args:
        num_examples: examples given to `fit` (training plus validation).
        arrays: per input and per target, a numpy array (or a sample of one).

    Returns:
        A JSON-serialisable dict: ``examples``, ``shapes`` and ``digest``.

    Example:
        >>> fingerprint(3, [np.zeros((3, 2))])["shapes"]
        [[[2], 'float64']]
    """
    digest = hashlib.sha256()
    shapes = []
    for array in arrays:
        array = np.asarray(array)
        shapes.append([list(array.shape[1:]), str(array.dtype)])
        rows = array[np.unique(np.linspace(0, len(array) - 1, min(len(array), ROWS)).astype(np.int64))] \
            if len(array) else array
        if rows.dtype.kind in "biuf" and rows.dtype.names is None:
            digest.update(np.ascontiguousarray(rows).tobytes())
        else:
            digest.update(repr(rows.tolist()).encode("utf-8", errors="replace"))
    return {"examples": int(num_examples), "shapes": shapes, "digest": digest.hexdigest()[:16]}


def check_resumed(project_dir, current, resumed, warn=None):
    """Record the fingerprint; when resuming a project searched on other data, warn.

    Args:
        project_dir: the search's project directory.
        current: the `fingerprint` of this fit's data.
        resumed: whether the project already holds trials (the search resumes).
        warn: a callable given the message (default: `warnings.warn` with a
            `UserWarning`, which a notebook shows).

    Returns:
        True when the data differ from those recorded, else False.

    Example:
        >>> check_resumed("runs/digits", fingerprint(len(x), [x, y]), resumed=True)  # doctest: +SKIP
        False
    """
    path = os.path.join(os.fspath(project_dir), FILE)
    recorded = None
    if os.path.exists(path):
        try:
            recorded = read_json(path, "data fingerprint")
        except (OSError, ValueError) as e:
            logger.debug("Unreadable data fingerprint %s: %s", path, e)
    differs = bool(resumed and recorded is not None and recorded != json.loads(json.dumps(current)))
    if differs:
        message = (f"The project {os.fspath(project_dir)!r} was searched on other data ({_describe(recorded)}) "
                   f"than this fit's ({_describe(current)}). Resuming it continues that search and refits its "
                   "best configuration on the new data. To start afresh, pass overwrite=True or a new "
                   "project_name.")
        (warn or (lambda m: warnings.warn(m, UserWarning, stacklevel=4)))(message)
    if not resumed or recorded is None or differs:
        atomic_write_json(path, current)
    return differs


def _describe(fp):
    shapes = ", ".join(f"{tuple(s)} {d}" for s, d in fp.get("shapes", []))
    return f"{fp.get('examples')} examples of {shapes}, digest {fp.get('digest')}"
