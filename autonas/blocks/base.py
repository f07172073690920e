"""The `Block` base class: a piece of a search space.

A block turns input tensors into output tensors inside `build(hp, inputs)`.
Each constructor argument left as ``None`` becomes a hyperparameter named
``"<block name>/<argument>"``; a plain value pins it; a KerasTuner
hyperparameter object (``keras_tuner.HyperParameters().Choice(...)``-style
objects from ``keras_tuner.engine.hyperparameters``) customises its range.
"""

import contextlib

import keras_tuner

from autonas.graph.nodes import Node
from autonas.utils.naming import to_snake_case

_HP_TYPES = (
    keras_tuner.engine.hyperparameters.HyperParameter,
)


class Block:
    """Base class of every block, hyper-block and head.

    Subclasses implement `build(hp, inputs)` and list their constructor
    arguments in `get_config()`.

    Args:
        name: the block name, used as the prefix of its hyperparameter names.
            Defaults to the snake-case class name, made unique within a graph
            in topological order (``conv_block``, ``conv_block_1``, ...).

    Returns:
        (when called on nodes) the block's output `Node`.

    Example:
        >>> class Twice(Block):
        ...     def build(self, hp, inputs):
        ...         return inputs * 2
    """

    #: input node kinds this block accepts; None means any.
    input_kinds = None

    def __init__(self, name=None):
        self.name = name
        self._user_named = name is not None
        self.inputs = []
        self.outputs = []

    # -- graph construction -------------------------------------------------
    def __call__(self, inputs):
        """Connects the block to input node(s) and returns its output node.

        Args:
            inputs: a `Node` or a list of nodes.

        Returns:
            The output `Node`.
        """
        nodes = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        for node in nodes:
            if not isinstance(node, Node):
                raise TypeError(
                    f"`inputs` of {type(self).__name__} must be autonas nodes (the result of "
                    f"autonas.ImageInput() or of another block); received {type(node).__name__}."
                )
            self._check_input_kind(node)
            node.out_blocks.append(self)
        self.inputs = nodes
        output = Node()
        output.in_blocks.append(self)
        output.kind = self.output_kind(nodes)
        self.outputs = [output]
        return output

    def _check_input_kind(self, node):
        if self.input_kinds is None:
            return
        kind = node.kind
        if kind not in self.input_kinds:
            block = type(self).__name__ + (f" {self.name!r}" if self.name else "")
            source = type(node).__name__ + (f" {node.name!r}" if node.name else "")
            if node.in_blocks:
                source = f"the output of {type(node.in_blocks[0]).__name__}"
            raise TypeError(
                f"{block} cannot be connected to {source} (data of kind {kind!r}); it accepts "
                f"{', '.join(repr(k) for k in self.input_kinds)}."
            )

    def output_kind(self, nodes):
        """The kind of the output node (defaults to the input's kind)."""
        return nodes[0].kind if len(nodes) == 1 else "tensor"

    # -- building -----------------------------------------------------------
    def build(self, hp, inputs):
        """Builds the Keras layers. Override in subclasses.

        Args:
            hp: `keras_tuner.HyperParameters`, already scoped to this block.
            inputs: a Keras tensor, or a list when the block has several inputs.

        Returns:
            A Keras tensor.
        """
        raise NotImplementedError

    def param(self, hp, name, value, default):
        """Resolve one argument: pinned value, custom hyperparameter or default space.

        Args:
            hp: the scoped `HyperParameters`.
            name: the argument name (the hyperparameter is ``"<block>/<name>"``).
            value: what the user passed: None, a plain value, or a KerasTuner
                hyperparameter object.
            default: a callable ``default(hp, name)`` registering the default
                hyperparameter and returning its value.

        Returns:
            The value to build with.
        """
        if value is None:
            return default(hp, name)
        if isinstance(value, _HP_TYPES):
            config = value.get_config()
            config.pop("conditions", None)
            config["name"] = name
            return getattr(hp, type(value).__name__)(**config)
        return value

    # -- serialisation ------------------------------------------------------
    def get_config(self):
        """Returns the JSON-serialisable constructor arguments."""
        return {"name": self.name if self._user_named else None}

    @classmethod
    def from_config(cls, config):
        """Creates a block from `get_config()` output."""
        return cls(**config)


def serialize_value(value):
    """JSON form of a block argument (hyperparameter objects included).

    Args:
        value: a plain value, a tuple, or a KerasTuner hyperparameter object.

    Returns:
        A JSON-serialisable value.

    Example:
        >>> serialize_value((3, 5))
        [3, 5]
    """
    if isinstance(value, _HP_TYPES):
        return {"class_name": type(value).__name__, "config": value.get_config()}
    if isinstance(value, tuple):
        return list(value)
    return value


def deserialize_value(value):
    """Inverse of `serialize_value`.

    Args:
        value: the JSON form of a block argument.

    Returns:
        The value, with hyperparameter objects rebuilt.

    Example:
        >>> deserialize_value(32)
        32
    """
    if isinstance(value, dict) and set(value) == {"class_name", "config"}:
        return keras_tuner.engine.hyperparameters.deserialize(value)
    return value


def choice(values, default=None):
    """Returns a `default` callable for `Block.param` registering a Choice.

    Args:
        values: the choices.
        default: the default choice (the first when None).

    Returns:
        A callable ``make(hp, name)``.

    Example:
        >>> make = choice([16, 32], default=32)
    """

    def make(hp, name):
        return hp.Choice(name, values, default=default if default is not None else values[0])

    return make


def boolean(default=False):
    """Returns a `default` callable for `Block.param` registering a Boolean.

    Args:
        default: the default value.

    Returns:
        A callable ``make(hp, name)``.

    Example:
        >>> make = boolean(True)
    """

    def make(hp, name):
        return hp.Boolean(name, default=default)

    return make


@contextlib.contextmanager
def conditional(hp, searched, parent, values):
    """A conditional scope on the hyperparameter `parent` when it is searched.

    Hyper-blocks use it so a family's hyperparameters are active only when the
    family is chosen; when the choice is pinned there is nothing to condition on.

    Args:
        hp: the scoped `HyperParameters`.
        searched: whether `parent` is a hyperparameter (not a pinned value).
        parent: the parent hyperparameter name, relative to the current scope.
        values: the parent values under which the scope is active.

    Returns:
        A context manager.

    Example:
        >>> with conditional(hp, True, "block_type", ["resnet"]):  # doctest: +SKIP
        ...     hp.Choice("filters", [16, 32])
    """
    if searched:
        with hp.conditional_scope(parent, list(values)):
            yield
    else:
        yield
