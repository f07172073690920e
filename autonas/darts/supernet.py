"""`Supernet`: stem, searchable cells and head, with the architecture parameters."""

import keras
from keras import ops

from autonas.darts.cell import DartsCell, _check_positive
from autonas.darts.genotype import num_edges
from autonas.darts.candidates import check_candidates


def cell_plan(layers, channels):
    """The macro structure shared by the supernet and derived networks.

    Reduction cells sit at 1/3 and 2/3 of the depth (``layers // 3`` and
    ``2 * layers // 3``) and double the channels.

    Args:
        layers: number of cells.
        channels: channels of the first cells' states.

    Returns:
        A list of ``(channels, reduction, reduction_prev)``, one per cell.

    Example:
        >>> cell_plan(3, 8)
        [(8, False, False), (16, True, False), (32, True, True)]
    """
    _check_positive(layers, "layers")
    _check_positive(channels, "channels")
    reductions = {layers // 3, 2 * layers // 3} if layers >= 3 else set()
    plan, reduction_prev, current = [], False, channels
    for i in range(layers):
        reduction = i in reductions
        if reduction:
            current *= 2
        plan.append((current, reduction, reduction_prev))
        reduction_prev = reduction
    return plan


def stem_layers(channels, stem_multiplier, stem_strides, affine=True):
    """The stem: a 3x3 convolution and batch norm.

    Args:
        channels: channels of the first cells.
        stem_multiplier: the stem outputs ``stem_multiplier * channels`` channels.
        stem_strides: 1, or 2 to halve large inputs once before the cells.
        affine: learn batch-norm scale and offset.

    Returns:
        A list of Keras layers to apply in order.

    Example:
        >>> layers = stem_layers(16, 3, 1)
    """
    return [
        keras.layers.Conv2D(stem_multiplier * channels, 3, strides=stem_strides, padding="same", use_bias=False),
        keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, center=affine, scale=affine),
    ]


@keras.saving.register_keras_serializable(package="autonas")
class Supernet(keras.Model):
    """The DARTS one-shot network: every edge of every cell is a `MixedOp`.

    Holds two architecture matrices of shape ``(num_edges(nodes),
    len(candidates))``: `alpha_normal`, shared by all normal cells, and
    `alpha_reduce`, shared by all reduction cells. Each cell receives the
    row-wise softmax of its matrix. The model maps (standardised) images to
    class logits.

    Args:
        num_classes: number of classes.
        channels: channels of the first cells (doubled at each reduction).
        layers: number of cells; reductions at 1/3 and 2/3 of the depth.
        nodes: intermediate nodes per cell.
        candidates: operation names of each mixed op; the DARTS set when None.
        stem_multiplier: stem channels = ``stem_multiplier * channels``.
        stem_strides: 2 halves the input once in the stem (large images).
        seed: seed of the architecture-parameter initialisation.

    Returns:
        A `keras.Model`; ``model(x, aux_coef=None)`` returns logits.

    Example:
        >>> net = Supernet(num_classes=10, channels=4, layers=3, nodes=2)
        >>> logits = net(keras.ops.ones((2, 8, 8, 1)))   # shape (2, 10)
    """

    def __init__(self, num_classes, channels=16, layers=8, nodes=4, candidates=None, stem_multiplier=3,
                 stem_strides=1, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_positive(num_classes, "num_classes")
        _check_positive(nodes, "nodes")
        _check_positive(stem_multiplier, "stem_multiplier")
        if stem_strides not in (1, 2):
            raise ValueError(f"`stem_strides` must be 1 or 2; received {stem_strides!r}.")
        self.num_classes = num_classes
        self.channels = channels
        self.num_layers = layers
        self.nodes = nodes
        self.candidates = check_candidates(candidates)
        self.stem_multiplier = stem_multiplier
        self.stem_strides = stem_strides
        self.seed = seed
        self.stem = stem_layers(channels, stem_multiplier, stem_strides, affine=True)
        self.cells = [
            DartsCell(c, reduction=red, reduction_prev=red_prev, nodes=nodes, candidates=self.candidates,
                      affine=False)
            for c, red, red_prev in cell_plan(layers, channels)
        ]
        self.pool = keras.layers.GlobalAveragePooling2D()
        self.classifier = keras.layers.Dense(num_classes)
        shape = (num_edges(nodes), len(self.candidates))
        init = keras.initializers.RandomNormal(stddev=1e-3, seed=seed)
        self.alpha_normal = self.add_weight(shape=shape, initializer=init, name="alpha_normal")
        self.alpha_reduce = self.add_weight(shape=shape, initializer=init, name="alpha_reduce")

    @property
    def arch_variables(self):
        """The architecture parameters.

        Returns:
            ``[alpha_normal, alpha_reduce]``.

        Example:
            >>> [tuple(v.shape) for v in net.arch_variables]  # doctest: +SKIP
            [(5, 8), (5, 8)]
        """
        return [self.alpha_normal, self.alpha_reduce]

    @property
    def weight_variables(self):
        """The network weights.

        Returns:
            Every trainable variable except the architecture parameters.

        Example:
            >>> len(net.weight_variables) == len(net.trainable_variables) - 2  # doctest: +SKIP
            True
        """
        arch = {id(v) for v in self.arch_variables}
        return [v for v in self.trainable_variables if id(v) not in arch]

    def op_weights(self):
        """The softmax weights of both cell kinds.

        Returns:
            ``(normal, reduce)`` backend tensors of shape ``(edges, candidates)``.

        Example:
            >>> normal, reduce = net.op_weights()  # doctest: +SKIP
        """
        return ops.softmax(self.alpha_normal, axis=-1), ops.softmax(self.alpha_reduce, axis=-1)

    def build(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.stem:
            layer.build(shape)
            shape = tuple(layer.compute_output_shape(shape))
        s0 = s1 = shape
        for cell in self.cells:
            cell.build([s0, s1])
            s0, s1 = s1, tuple(cell.compute_output_shape([s0, s1]))
        self.pool.build(s1)
        self.classifier.build((s1[0], s1[-1]))
        self.built = True

    def call(self, inputs, aux_coef=None, training=None):
        # `training` is passed on explicitly (as in every DARTS layer):
        # `stateless_call` bypasses `__call__`, so sublayers would not
        # inherit it from a call context.
        normal, reduce = self.op_weights()
        x = inputs
        for layer in self.stem:
            x = layer(x, training=training)
        s0 = s1 = x
        for cell in self.cells:
            s0, s1 = s1, cell([s0, s1], reduce if cell.reduction else normal, aux_coef=aux_coef, training=training)
        return self.classifier(self.pool(s1, training=training), training=training)

    def get_config(self):
        config = super().get_config()
        config.update(num_classes=self.num_classes, channels=self.channels, layers=self.num_layers,
                      nodes=self.nodes, candidates=list(self.candidates), stem_multiplier=self.stem_multiplier,
                      stem_strides=self.stem_strides, seed=self.seed)
        return config
