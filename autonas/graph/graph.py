"""`Graph`: a search space of nodes and blocks, compiled into one HyperModel."""

import collections

import keras
import keras_tuner

from autonas.blocks.base import Block, deserialize_value, serialize_value
from autonas.blocks.heads import Head
from autonas.graph.context import using_profile
from autonas.graph.nodes import Input, Node

OPTIMIZERS = ("adam", "adamw")
LEARNING_RATES = (1e-3, 3e-4, 3e-3)


class Graph(keras_tuner.HyperModel):
    """A functional-style search space: input nodes, blocks and heads.

    `build(hp)` returns a compiled `keras.Model`. Besides each block's own
    hyperparameters, the graph searches the optimizer (``"optimizer"``) and the
    learning rate (``"learning_rate"``) unless they are pinned.

    Args:
        inputs: an input node or a list of them.
        outputs: a head output node or a list of them.
        optimizer: pin the optimizer name; searched over {adam, adamw} when None.
        learning_rate: pin the learning rate; searched when None.
        learning_rates: the learning rates searched when `learning_rate` is
            None (default `LEARNING_RATES`, 1e-3 first); a task may widen them
            (the text tasks add 1e-2 for linear models of n-grams).

    What blocks learn from the training data (normalization statistics,
    vocabularies, column encodings) comes from the fit's input profile
    (`autonas.data.profile.DataProfile`), given with `set_profile`.

    Example:
        >>> inp = autonas.ImageInput()                                     # doctest: +SKIP
        >>> out = autonas.ClassificationHead()(autonas.ConvBlock()(inp))  # doctest: +SKIP
        >>> graph = Graph(inp, out)                                        # doctest: +SKIP
    """

    def __init__(self, inputs, outputs, optimizer=None, learning_rate=None, learning_rates=None):
        super().__init__(name="graph")
        if learning_rates is not None:
            rates = list(learning_rates)
            if not rates or any(isinstance(r, bool) or not isinstance(r, (int, float)) or not r > 0 for r in rates):
                raise ValueError(f"`learning_rates` must be positive numbers; received {learning_rates!r}.")
            learning_rates = tuple(float(r) for r in rates)
        self.learning_rates = learning_rates
        self.inputs = _as_list(inputs, "inputs", Input)
        self.outputs = _as_list(outputs, "outputs", Node)
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        #: the `DataProfile` of the current fit, read by every build (see `set_profile`)
        self.profile = None
        self.blocks = self._topological_blocks()
        self.heads = [node.in_blocks[0] for node in self.outputs]
        for node, head in zip(self.outputs, self.heads):
            if not isinstance(head, Head):
                raise TypeError(
                    f"`outputs` must be produced by heads (ClassificationHead, RegressionHead); "
                    f"received the output of {type(head).__name__}."
                )
        self._name_blocks()
        self._name_inputs()

    # -- structure ----------------------------------------------------------
    def _topological_blocks(self):
        """Blocks reachable from the inputs and needed by the outputs, in order."""
        needed = set()
        stack = list(self.outputs)
        while stack:
            node = stack.pop()
            for block in node.in_blocks:
                if id(block) not in needed:
                    needed.add(id(block))
                    for inp in block.inputs:
                        if not inp.in_blocks and not any(inp is i for i in self.inputs):
                            raise ValueError(
                                f"`inputs` is missing a node that {type(block).__name__} uses: {inp!r}. "
                                "Pass every input node of the graph to `inputs`."
                            )
                        stack.append(inp)
        order, indegree, users = [], collections.OrderedDict(), collections.defaultdict(list)
        visited_nodes = list(self.inputs)
        seen_blocks = []
        queue = collections.deque(self.inputs)
        while queue:
            node = queue.popleft()
            for block in node.out_blocks:
                if id(block) not in needed or any(block is b for b in seen_blocks):
                    continue
                if all(any(i is v for v in visited_nodes) for i in block.inputs):
                    seen_blocks.append(block)
                    order.append(block)
                    for out in block.outputs:
                        visited_nodes.append(out)
                        queue.append(out)
        if len(order) != len(needed):
            raise ValueError("The graph has a cycle or blocks whose inputs are not reachable from `inputs`.")
        return order

    def _name_blocks(self):
        used = collections.Counter()
        taken = {b.name for b in self.blocks if b._user_named}
        for block in self.blocks:
            if block._user_named:
                if used[block.name]:
                    raise ValueError(f"Two blocks are named {block.name!r}; block names must be unique.")
                used[block.name] += 1
                continue
            from autonas.utils.naming import to_snake_case

            base = to_snake_case(type(block).__name__)
            name, i = base, 0
            while name in taken:
                i += 1
                name = f"{base}_{i}"
            block.name = name
            taken.add(name)

    def _name_inputs(self):
        seen = collections.Counter(node.name for node in self.inputs)
        counts = collections.Counter()
        for node in self.inputs:
            if seen[node.name] > 1:
                counts[node.name] += 1
                if counts[node.name] > 1:
                    node.name = f"{node.name}_{counts[node.name] - 1}"

    def set_profile(self, profile):
        """Give the builds the input profile of the training data (`AutoModel.fit` does, once per fit).

        Args:
            profile: an `autonas.data.profile.DataProfile` with an entry per input node.

        Example:
            >>> graph.set_profile(DataProfile.from_arrays(graph.inputs, [x_train]))  # doctest: +SKIP
        """
        self.profile = profile

    # -- HyperModel ---------------------------------------------------------
    def build(self, hp):
        """Build and compile a Keras model for one point of the space."""
        with using_profile(self.profile):
            return self._build_model(hp)

    def _build_model(self, hp):
        keras_inputs, tensors = [], {}
        for node in self.inputs:
            tensor = node.build_node(hp)
            keras_inputs.append(tensor)
            tensors[id(node)] = node.prepare(tensor)
        for block in self.blocks:
            args = [tensors[id(n)] for n in block.inputs]
            with hp.name_scope(block.name):
                out = block.build(hp, args[0] if len(args) == 1 else args)
            tensors[id(block.outputs[0])] = out
        outputs = [tensors[id(n)] for n in self.outputs]
        model = keras.Model(
            inputs=self._model_inputs(keras_inputs),
            outputs=outputs if len(outputs) > 1 else outputs[0],
        )
        self.compile_model(model, hp)
        return model

    def _model_inputs(self, keras_inputs):
        """One input: its tensor (or its dict of column tensors). Several: one flat dict by Keras input name.

        A structured input contributes one entry per column, so a multi-input
        model is fed (and served) with ``{"image_input": ..., "Age": ..., ...}``.
        """
        if len(keras_inputs) == 1:
            return keras_inputs[0]
        flat = {}
        for node, tensor in zip(self.inputs, keras_inputs):
            for key, value in (tensor.items() if isinstance(tensor, dict) else [(node.name, tensor)]):
                if key in flat:
                    raise ValueError(
                        f"Two model inputs are named {key!r} (input {node.name!r} clashes with another input or "
                        "column); rename the input node with `name=` or the column."
                    )
                flat[key] = value
        return flat

    def compile_model(self, model, hp):
        """Compile `model` with the graph's optimizer, heads' losses and metrics."""
        optimizer_name = self.optimizer or hp.Choice("optimizer", list(OPTIMIZERS), default="adam")
        rates = self.learning_rates or LEARNING_RATES
        learning_rate = self.learning_rate or hp.Choice("learning_rate", list(rates), default=rates[0])
        optimizer = keras.optimizers.get({"class_name": optimizer_name, "config": {"learning_rate": learning_rate}})
        if len(self.heads) == 1:
            loss, metrics = self.heads[0].get_loss(), self.heads[0].get_metrics()
        else:
            loss = {h.name: h.get_loss() for h in self.heads}
            metrics = {h.name: h.get_metrics() for h in self.heads}
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)

    # -- serialisation ------------------------------------------------------
    def get_config(self):
        """JSON-serialisable description of the whole graph."""
        node_ids = {}

        def nid(node):
            return node_ids.setdefault(id(node), len(node_ids))

        for node in self.inputs:
            nid(node)
        blocks = []
        for block in self.blocks:
            blocks.append({
                "class_name": type(block).__name__,
                "config": {k: serialize_value(v) for k, v in block.get_config().items()},
                "inputs": [nid(n) for n in block.inputs],
                "outputs": [nid(n) for n in block.outputs],
            })
        return {
            "inputs": [{"class_name": type(n).__name__, "config": n.get_config(), "id": nid(n)} for n in self.inputs],
            "blocks": blocks,
            "outputs": [nid(n) for n in self.outputs],
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
            "learning_rates": None if self.learning_rates is None else list(self.learning_rates),
        }

    @classmethod
    def from_config(cls, config):
        """Rebuild a graph from `get_config()` output."""
        from autonas import blocks as blocks_module
        from autonas.graph import nodes as nodes_module

        nodes = {}
        inputs = []
        for spec in config["inputs"]:
            node_cls = getattr(nodes_module, spec["class_name"])
            node = node_cls.from_config(spec["config"])
            nodes[spec["id"]] = node
            inputs.append(node)
        for spec in config["blocks"]:
            block_cls = blocks_module.get(spec["class_name"])
            block = block_cls.from_config({k: deserialize_value(v) for k, v in spec["config"].items()})
            args = [nodes[i] for i in spec["inputs"]]
            out = block(args[0] if len(args) == 1 else args)
            nodes[spec["outputs"][0]] = out
        outputs = [nodes[i] for i in config["outputs"]]
        return cls(inputs, outputs, optimizer=config.get("optimizer"), learning_rate=config.get("learning_rate"),
                   learning_rates=config.get("learning_rates"))


def _as_list(value, arg_name, expected):
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ValueError(f"`{arg_name}` must contain at least one node; received an empty list.")
    for item in items:
        if not isinstance(item, expected):
            raise TypeError(
                f"`{arg_name}` must be {expected.__name__} node(s); received {type(item).__name__}."
            )
    return items
