"""The quarantine of private library names: one module per library, each checked at import.

- `autonas._compat.keras_tuner`: KerasTuner's private modules and hooks (atomic JSON
  state, the oracle lock, the Tuner's hooks, chief/worker internals);
- `autonas._compat.keras`: Keras's epoch iterator and ``TextVectorization``'s IDF weights;
- `autonas._compat.tensorflow`: TensorFlow's gradient registry and variable-handle op;
- `autonas._compat.libc`: the C library's ``malloc_trim`` and ``mallopt``.

Each module lists the private names it uses in its docstring, and its ``check()`` runs
when it is imported, raising an `ImportError` that names the supported versions when a
library release moved one. No other module of autonas uses a private name of these
libraries; ``tests/test_private_names.py`` walks the package to keep it so.

"""

from autonas._compat import keras, keras_tuner, libc, tensorflow
from autonas._compat.keras import iterators_released_in_background
from autonas._compat.keras_tuner import hold_oracle_lock, install, release_leaked_oracle_lock
from autonas._compat.libc import release_free_memory
from autonas._compat.tensorflow import releasing_trial_graphs, shared_variable_kernels

__all__ = ["hold_oracle_lock", "install", "iterators_released_in_background", "keras", "keras_tuner", "libc",
           "release_free_memory", "release_leaked_oracle_lock", "releasing_trial_graphs", "shared_variable_kernels",
           "tensorflow"]
