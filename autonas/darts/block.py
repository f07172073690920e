"""`DartsBlock`: a DARTS cell network as a block of an autonas search graph.

The block is the search space; the strategy is separate. Left without a
genotype, the cell structure becomes hyperparameters the user can read
(``"<block>/normal/node_2/inputs"``, ``"<block>/normal/node_2/op_0"``, ...), so
any oracle can search the DARTS cell space, and ``tuner="darts"`` pins them to
the genotype a supernet search derives (see `autonas.darts.tuner`).
"""

from autonas.blocks.base import Block, boolean, choice
from autonas.darts.genotype import CELL_KINDS, Genotype
from autonas.darts.candidates import check_candidates
from autonas.graph.nodes import Input


def _pairs(node):
    """The ``"a,b"`` choices of two distinct sources for intermediate node `node` (0-based)."""
    return [f"{a},{b}" for a in range(node + 2) for b in range(a + 1, node + 2)]


def genotype_hp_names(nodes):
    """Names (relative to the block) of the cell-structure hyperparameters.

    Args:
        nodes: intermediate nodes per cell.

    Returns:
        A list of names such as ``"normal/node_2/inputs"`` and ``"normal/node_2/op_0"``.

    Example:
        >>> genotype_hp_names(1)
        ['normal/node_2/inputs', 'normal/node_2/op_0', 'normal/node_2/op_1', 'reduce/node_2/inputs', 'reduce/node_2/op_0', 'reduce/node_2/op_1']
    """
    names = []
    for kind in CELL_KINDS:
        for node in range(nodes):
            base = f"{kind}/node_{node + 2}"
            names += [f"{base}/inputs", f"{base}/op_0", f"{base}/op_1"]
    return names


def genotype_to_hp_values(genotype, prefix=""):
    """The hyperparameter values that make a `DartsBlock` build `genotype`.

    Args:
        genotype: a `Genotype` whose nodes take two distinct sources.
        prefix: the block's scope, e.g. ``"darts_block/"``.

    Returns:
        A dict of hyperparameter name to value.

    Example:
        >>> values = genotype_to_hp_values(random_genotype(4, seed=0), "darts_block/")  # doctest: +SKIP
    """
    values = {}
    for kind in CELL_KINDS:
        pairs = genotype.cell(kind)
        for node in range(genotype.nodes):
            (op_a, a), (op_b, b) = sorted(pairs[2 * node: 2 * node + 2], key=lambda p: p[1])
            if a == b:
                raise ValueError(f"`genotype` node {node + 2} of the {kind} cell takes state {a} twice; the DARTS "
                                 "cell space has two distinct sources per node.")
            base = f"{prefix}{kind}/node_{node + 2}"
            values[f"{base}/inputs"] = f"{a},{b}"
            values[f"{base}/op_0"] = op_a
            values[f"{base}/op_1"] = op_b
    return values


def _as_genotype(value):
    if value is None or isinstance(value, Genotype):
        return value
    if isinstance(value, str):
        return Genotype.from_json(value)
    if isinstance(value, dict):
        return Genotype.from_dict(value)
    raise TypeError(f"`genotype` must be a Genotype, its dict or JSON string, or None; received "
                    f"{type(value).__name__}.")


class DartsBlock(Block):
    """A network of DARTS cells for images: normalisation, stem, cells, global pooling.

    Args:
        genotype: pin the cells (a `Genotype`, its dict or JSON); when None the
            cell structure is searched (hyperparameters per node: the pair of
            inputs and the two operations).
        channels: channels of the first cells; searched over {8, 16, 32}
            (default 16) when None.
        layers: number of cells (reductions at 1/3 and 2/3); searched over
            {5, 8, 11} (default 8) when None.
        nodes: intermediate nodes per cell (fixed: it shapes the space).
        candidates: operations of the space; the DARTS set when None.
        stem_multiplier: stem channels = ``stem_multiplier * channels``.
        stem_strides: 1 or 2; when None, 2 for images larger than 32 pixels.
        normalize: standardise pixels with training statistics; searched
            (default True) when None.
        name: block name (default ``"darts_block"``).

    Returns:
        A `Block`; called on an image node it returns the output node of the
        pooled cell features.

    Example:
        >>> inp = autonas.ImageInput()                                          # doctest: +SKIP
        >>> out = autonas.ClassificationHead()(DartsBlock(layers=5)(inp))       # doctest: +SKIP
        >>> clf = autonas.AutoModel(inp, out, tuner="darts", max_trials=1)       # doctest: +SKIP
    """

    input_kinds = ("image",)

    def __init__(self, genotype=None, channels=None, layers=None, nodes=4, candidates=None, stem_multiplier=3,
                 stem_strides=None, normalize=None, name=None):
        super().__init__(name=name)
        self.genotype = _as_genotype(genotype)
        if not isinstance(nodes, int) or isinstance(nodes, bool) or nodes < 1:
            raise ValueError(f"`nodes` must be a positive integer; received {nodes!r}.")
        if self.genotype is not None and self.genotype.nodes != nodes:
            raise ValueError(f"`genotype` has {self.genotype.nodes} nodes per cell but `nodes` is {nodes}.")
        if stem_strides not in (None, 1, 2):
            raise ValueError(f"`stem_strides` must be 1, 2 or None; received {stem_strides!r}.")
        self.channels = channels
        self.layers = layers
        self.nodes = nodes
        self.candidates = check_candidates(candidates)
        self.stem_multiplier = stem_multiplier
        self.stem_strides = stem_strides
        self.normalize = normalize

    def output_kind(self, nodes):
        return "tensor"

    def resolve_stem_strides(self, image_shape):
        """The stem stride for images of `image_shape` ``(H, W[, C])``.

        Args:
            image_shape: shape of one image.

        Returns:
            1 or 2.

        Example:
            >>> DartsBlock().resolve_stem_strides((28, 28, 1)), DartsBlock().resolve_stem_strides((64, 64, 3))
            (1, 2)
        """
        if self.stem_strides is not None:
            return self.stem_strides
        return 2 if min(image_shape[:2]) > 32 else 1

    def searched_genotype(self, hp):
        """Read (registering when needed) the cell-structure hyperparameters.

        Args:
            hp: `HyperParameters` scoped to this block.

        Returns:
            The `Genotype` the current values describe.

        Example:
            >>> DartsBlock().searched_genotype(keras_tuner.HyperParameters()) == DARTS_V2  # doctest: +SKIP
            True
        """
        ops_ = [c for c in self.candidates if c != "none"]
        defaults = self.default_values()
        cells = {}
        for kind in CELL_KINDS:
            pairs = []
            for node in range(self.nodes):
                base = f"{kind}/node_{node + 2}"
                choices = _pairs(node)
                a, b = (int(s) for s in hp.Choice(f"{base}/inputs", choices, default=defaults[f"{base}/inputs"])
                        .split(","))
                pairs.append((hp.Choice(f"{base}/op_0", ops_, default=defaults[f"{base}/op_0"]), a))
                pairs.append((hp.Choice(f"{base}/op_1", ops_, default=defaults[f"{base}/op_1"]), b))
            cells[kind] = pairs
        return Genotype(**cells)

    def default_values(self):
        """Default values of the cell hyperparameters: the published DARTS cells when they fit the space.

        Returns:
            A dict of (block-relative) hyperparameter name to value; otherwise
            every node takes ``c_{k-2}`` and ``c_{k-1}`` through the first
            convolution of `candidates` (or the first operation).

        Example:
            >>> DartsBlock().default_values()["normal/node_2/op_0"]
            'sep_conv_3x3'
        """
        from autonas.darts.genotype import DARTS_V2

        used = {op for kind in CELL_KINDS for op, _ in DARTS_V2.cell(kind)}
        if self.nodes == DARTS_V2.nodes and used <= set(self.candidates):
            return genotype_to_hp_values(DARTS_V2)
        ops_ = [c for c in self.candidates if c != "none"]
        op = next((c for c in ops_ if "conv" in c), ops_[0])
        values = {}
        for kind in CELL_KINDS:
            for node in range(self.nodes):
                base = f"{kind}/node_{node + 2}"
                values.update({f"{base}/inputs": "0,1", f"{base}/op_0": op, f"{base}/op_1": op})
        return values

    def build(self, hp, inputs):
        import keras

        from autonas.blocks.normalization import channel_statistics
        from autonas.darts.network import stack_cells

        x = inputs
        if len(x.shape) != 4:
            raise ValueError(f"{type(self).__name__} needs images (batch, H, W, C); received a tensor of shape "
                             f"{tuple(x.shape)}.")
        if self.param(hp, "normalize", self.normalize, boolean(True)) and isinstance(self.inputs[0], Input):
            mean, variance = channel_statistics(self.inputs[0])
            x = keras.layers.Normalization(axis=-1, mean=mean, variance=variance)(x)
        channels = self.param(hp, "channels", self.channels, choice([8, 16, 32], default=16))
        layers = self.param(hp, "layers", self.layers, choice([5, 8, 11], default=8))
        genotype = self.genotype if self.genotype is not None else self.searched_genotype(hp)
        x = stack_cells(x, genotype, channels=channels, layers=layers, stem_multiplier=self.stem_multiplier,
                        stem_strides=self.resolve_stem_strides(tuple(x.shape[1:])), name=self.name or "darts")
        return keras.layers.GlobalAveragePooling2D()(x)

    def get_config(self):
        config = super().get_config()
        config.update(genotype=self.genotype.to_dict() if self.genotype is not None else None,
                      channels=self.channels, layers=self.layers, nodes=self.nodes,
                      candidates=list(self.candidates), stem_multiplier=self.stem_multiplier,
                      stem_strides=self.stem_strides, normalize=self.normalize)
        return config


def _register():
    from autonas import blocks

    blocks.ALL_BLOCKS.setdefault("DartsBlock", DartsBlock)


_register()
