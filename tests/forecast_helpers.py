"""Shared helper of the forecasting tests: serve an exported forecaster in a fresh process without autonas."""

import json
import os
import subprocess
import sys

import numpy as np

CHILD = r"""
import json, sys
import numpy as np
import tensorflow as tf
serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
data = np.load(sys.argv[2])
out = serve(**{name: tf.constant(data[name]) for name in data.files})["forecast"].numpy()
print(json.dumps({"forecast": out.tolist(), "autonas": "autonas" in sys.modules,
                  "inputs": sorted(serve.structured_input_signature[1])}))
"""


def serve_in_fresh_process(path, tmp_path, **inputs):
    """Load the SavedModel at `path` in a new Python process (no autonas, no PYTHONPATH) and call its signature.

    Args:
        path: the exported SavedModel directory.
        tmp_path: a scratch directory (the inputs are written there).
        **inputs: the signature's inputs by name (arrays).

    Returns:
        ``{"forecast": nested list, "autonas": whether the child imported autonas, "inputs": the signature's input
        names}``.
    """
    np.savez(os.path.join(tmp_path, "inputs.npz"), **inputs)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    result = subprocess.run([sys.executable, "-c", CHILD, str(path), os.path.join(tmp_path, "inputs.npz")],
                            capture_output=True, text=True, timeout=300, cwd=str(tmp_path), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
