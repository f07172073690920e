"""The input profile: what preprocessing learns from the training data, once per fit.

`AutoModel.fit` makes one `DataProfile` from the training split (or, for a streamed
`tf.data.Dataset`, the sample its preprocessing adapts on) and hands it to the graph;
every build reads normalization statistics, pixel ranges, vocabularies, text
lengths and column encodings from it. Each statistic is computed the first time a
build asks for it and kept for the rest of the fit (a vocabulary per n-gram size and
split, a column's statistics per column), so no trial pays for them twice and no graph
node holds training data.

Example:
    >>> profile = DataProfile.from_arrays(graph.inputs, [x_train])        # doctest: +SKIP
    >>> mean, variance = profile["image_input"].channel_statistics()      # doctest: +SKIP
"""

import numpy as np

from autonas.data import statistics


class InputProfile:
    """What one input's training examples teach its preprocessing (memoised per statistic).

    Args:
        name: the input node's name.
        kind: its kind (``"image"``, ``"text"``, ``"structured"``, ``"tensor"``).
        examples: the training examples the statistics are computed from (kept
            only by the profile, for the statistics not yet asked for).
        columns: the analysed `ColumnInfo` list of a structured input.
        targets: the encoded labels of `examples` (rows aligned) when the graph has
            one classification head, for preprocessing learnt from labels
            (naive-Bayes n-gram weights); else None.

    Example:
        >>> profile = InputProfile("x", "tensor", np.arange(6.0).reshape(3, 2))
        >>> profile.shape, profile.num_examples
        ((2,), 3)
    """

    def __init__(self, name, kind, examples, columns=None, targets=None):
        self.name = name
        self.targets = targets
        self.kind = kind
        self._examples = examples
        self.columns = list(columns) if columns is not None else None
        self.num_examples = len(examples)
        self.shape = () if kind == "text" else (
            (len(self.columns),) if kind == "structured" else tuple(np.shape(examples)[1:]))
        self._learnt = {}

    def learn(self, key, compute):
        """A statistic of this input's training data, computed by `compute()` the first time `key` is asked for.

        For what a block derives from `examples` (and `targets`) beyond the accessors below;
        it is kept for the rest of the fit.

        Args:
            key: a hashable name of the statistic and its settings.
            compute: a function of no argument returning it.

        Example:
            >>> InputProfile("x", "tensor", np.ones((2, 1))).learn("rows", lambda: 2)
            2
        """
        if key not in self._learnt:
            self._learnt[key] = compute()
        return self._learnt[key]


    @property
    def learnt(self):
        """The keys of the statistics learnt so far, e.g. ``("vocabulary", "whitespace", 1)``."""
        return set(self._learnt)

    @property
    def examples(self):
        """The training examples (read-only use: analyses of the data, e.g. a task's choice of families)."""
        return self._examples

    def channel_statistics(self):
        """Per-channel ``(mean, variance)`` (float32) over the last axis of the model tensor."""
        return self.learn("channels", lambda: statistics.channel_statistics(self._examples, self.kind))

    def value_range(self):
        """``(min, max)`` of the training values (image augmentation clips contrast changes to it)."""
        return self.learn("range", lambda: statistics.value_range(self._examples))

    def max_integer(self):
        """The largest value when all are whole numbers (token ids), else None."""
        return self.learn("max_integer", lambda: statistics.max_integer(self._examples))

    def text_length(self, percentile):
        """A percentile of the training texts' lengths, in words (a text model's padded length follows it)."""
        return self.learn(("text_length", percentile), lambda: statistics.text_length(self._examples, percentile))

    def vocabulary(self, ngrams, split="whitespace"):
        """``(vocabulary, idf_weights)`` of the training texts for one n-gram size and split.

        See `autonas.data.statistics.text_vocabulary`.
        """
        if split not in statistics.SPLITS:
            raise ValueError(f"`split` must be one of {statistics.SPLITS}; received {split!r}.")
        return self.learn(("vocabulary", split, int(ngrams)),
                           lambda: statistics.text_vocabulary(self._examples, int(ngrams), split, self.name))

    def column_statistics(self, column):
        """What one column's encoding needs (see `autonas.data.statistics.column_statistics`).

        Args:
            column: one of `columns` (a `ColumnInfo`).
        """
        return self.learn(("column", column.name),
                           lambda: statistics.column_statistics(self._examples[column.name], column, self.name))

    def __repr__(self):
        return f"InputProfile(name={self.name!r}, kind={self.kind!r}, examples={self.num_examples})"


class DataProfile:
    """The `InputProfile` of every input of a graph, made once per fit.

    Args:
        inputs: a list of `InputProfile`.

    Example:
        >>> profile = DataProfile([InputProfile("x", "tensor", np.zeros((4, 2)))])
        >>> profile["x"].shape
        (2,)
    """

    def __init__(self, inputs):
        self.inputs = {p.name: p for p in inputs}

    @classmethod
    def from_arrays(cls, nodes, arrays, targets=None):
        """Profile prepared training arrays, one per input node (see `autonas.data.prepare_input`).

        Args:
            nodes: the graph's input nodes (their names, kinds and analysed columns).
            arrays: their training examples, in the same order.
            targets: optional encoded labels per input (rows aligned with its array, or None).

        Returns:
            A `DataProfile`.
        """
        targets = list(targets) if targets is not None else [None] * len(arrays)
        return cls([InputProfile(node.name, getattr(node, "kind", "tensor"), x, getattr(node, "columns", None), t)
                    for node, x, t in zip(nodes, arrays, targets)])

    def __getitem__(self, name):
        return self.inputs[name]

    def __contains__(self, name):
        return name in self.inputs

    def __repr__(self):
        return f"DataProfile({list(self.inputs.values())!r})"


def profile_graph(graph, arrays, targets=None):
    """Profile the training data of every input of `graph` and give the profile to its builds.

    Sets each input node's shape from its data (`Input.infer_shape`), then
    `graph.set_profile` with a `DataProfile` of the same arrays. `AutoModel.fit`
    calls it once per fit; call it yourself to build a `Graph` outside a fit.

    Args:
        graph: an `autonas.Graph`.
        arrays: one prepared training array per input node (see `autonas.data.prepare_input`),
            or one array for a single input.
        targets: optional encoded training labels per input (see `InputProfile`).

    Returns:
        The `DataProfile`.

    Example:
        >>> profile = profile_graph(graph, [prepare_input(x_train, graph.inputs[0], fit=True)])  # doctest: +SKIP
        >>> model = graph.build(keras_tuner.HyperParameters())                                  # doctest: +SKIP
    """
    if not isinstance(arrays, (list, tuple)):
        arrays = [arrays]
    if len(arrays) != len(graph.inputs):
        raise ValueError(f"`arrays` must hold one array per input of the graph ({len(graph.inputs)}); "
                         f"received {len(arrays)}.")
    for node, x in zip(graph.inputs, arrays):
        node.infer_shape(x)
    profile = DataProfile.from_arrays(graph.inputs, arrays, targets)
    graph.set_profile(profile)
    return profile
