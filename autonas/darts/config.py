"""The settings of a DARTS search, in four small frozen groups.

- `SupernetConfig`: the one-shot network (channels, cells, nodes, candidate operations, stem);
- `WeightConfig`: the optimiser of the network weights (SGD, cosine learning rate);
- `ArchConfig`: the optimiser of the architecture parameters (Adam, first or second
  order) and the anti-collapse measures acting on them;
- `SelectionConfig`: how a genotype is derived from the alphas and when the search stops.

`DartsSearch` takes these groups (``supernet_config=``, ...) or, as before, their fields
as flat keyword arguments (`FLAT_ARGUMENTS` maps each to its group and field), and
reports them flat in `get_config`.
"""

import dataclasses

from autonas.darts.candidates import check_candidates


def _fail(owner, field, message):
    """A ValueError naming the flat argument and, when it differs, the group field it sets."""
    flat = FIELD_TO_FLAT.get((owner, field), field)
    where = f"`{flat}`" if flat == field else f"`{flat}` ({owner}.{field})"
    return ValueError(f"{where} {message}")


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positive(owner, field, value):
    if not _number(value) or value <= 0:
        raise _fail(owner, field, f"must be a positive number; received {value!r}.")
    return float(value)


def _non_negative(owner, field, value):
    """None counts as 0 (the flat arguments always accepted it)."""
    if value is not None and (not _number(value) or value < 0):
        raise _fail(owner, field, f"must be a non-negative number; received {value!r}.")
    return float(value or 0.0)


def _count(owner, field, value, minimum, optional=False):
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise _fail(owner, field, f"must be a {kind} integer{' or None' if optional else ''}; received {value!r}.")
    return value


@dataclasses.dataclass(frozen=True)
class SupernetConfig:
    """The one-shot network a DARTS search trains.

    Args:
        channels: channels of the first cells (doubled at each reduction).
        layers: number of cells (reductions at 1/3 and 2/3).
        nodes: intermediate nodes per cell.
        candidates: operation names per edge; the DARTS set when None.
        stem_multiplier: stem channels = ``stem_multiplier * channels``.
        stem_strides: 2 halves large images once in the stem.

    Returns:
        A frozen settings object.

    Example:
        >>> SupernetConfig(channels=4, layers=3, nodes=2).candidates[:2]
        ('none', 'max_pool_3x3')
    """

    channels: int = 16
    layers: int = 8
    nodes: int = 4
    candidates: tuple = None
    stem_multiplier: int = 3
    stem_strides: int = 1

    def __post_init__(self):
        for field in ("channels", "layers", "nodes", "stem_multiplier"):
            _count("SupernetConfig", field, getattr(self, field), 1)
        if self.stem_strides not in (1, 2) or isinstance(self.stem_strides, bool):
            raise _fail("SupernetConfig", "stem_strides", f"must be 1 or 2; received {self.stem_strides!r}.")
        object.__setattr__(self, "candidates", check_candidates(self.candidates))


@dataclasses.dataclass(frozen=True)
class WeightConfig:
    """The optimiser of the supernet's weights: SGD with momentum, cosine learning rate,
    L2 weight decay and global gradient clipping.

    Args:
        learning_rate: initial learning rate (cosine-annealed over the epochs).
        learning_rate_min: final learning rate.
        momentum: SGD momentum.
        weight_decay: L2 coefficient.
        grad_clip: global-norm clipping of the gradients.

    Returns:
        A frozen settings object.

    Example:
        >>> WeightConfig(learning_rate=0.05).momentum
        0.9
    """

    learning_rate: float = 0.025
    learning_rate_min: float = 0.001
    momentum: float = 0.9
    weight_decay: float = 3e-4
    grad_clip: float = 5.0

    def __post_init__(self):
        owner = "WeightConfig"
        for field in ("learning_rate", "grad_clip"):
            object.__setattr__(self, field, _positive(owner, field, getattr(self, field)))
        for field in ("learning_rate_min", "weight_decay", "momentum"):
            object.__setattr__(self, field, _non_negative(owner, field, getattr(self, field)))


@dataclasses.dataclass(frozen=True)
class ArchConfig:
    """The optimiser of the architecture parameters (alphas) and the anti-collapse measures.

    Args:
        order: 1 (first order: the gradient at the current weights) or 2 (unrolled
            weights with a finite-difference Hessian-vector product).
        learning_rate: Adam learning rate.
        betas: Adam ``(beta_1, beta_2)``.
        weight_decay: L2 coefficient.
        aux_skip: initial coefficient of the DARTS- auxiliary skip, decayed linearly
            to zero over the epochs; 0 or None disables it.
        beta_decay: weight of the beta-decay regulariser; 0 disables it.
        warmup_epochs: epochs of weight steps only before the alphas move.

    Returns:
        A frozen settings object.

    Example:
        >>> ArchConfig(order=2, learning_rate=0.01).betas
        (0.5, 0.999)
    """

    order: int = 1
    learning_rate: float = 3e-4
    betas: tuple = (0.5, 0.999)
    weight_decay: float = 1e-3
    aux_skip: float = 1.0
    beta_decay: float = 0.0
    warmup_epochs: int = 0

    def __post_init__(self):
        owner = "ArchConfig"
        if self.order not in (1, 2) or isinstance(self.order, bool):
            raise _fail(owner, "order", f"must be 1 (first order) or 2 (second order); received {self.order!r}.")
        object.__setattr__(self, "learning_rate", _positive(owner, "learning_rate", self.learning_rate))
        for field in ("weight_decay", "aux_skip", "beta_decay"):
            object.__setattr__(self, field, _non_negative(owner, field, getattr(self, field)))
        _count(owner, "warmup_epochs", self.warmup_epochs, 0)
        try:
            betas = tuple(float(b) for b in self.betas)
        except (TypeError, ValueError):
            betas = ()
        if len(betas) != 2:
            raise _fail(owner, "betas", f"must be a pair (beta_1, beta_2); received {self.betas!r}.")
        object.__setattr__(self, "betas", betas)


@dataclasses.dataclass(frozen=True)
class SelectionConfig:
    """How the genotype is derived from the alphas, and when the search stops.

    Args:
        max_skip: cap on ``skip_connect`` edges in the derived normal cell (None: no
            cap; ignored when ``skip_connect`` is not a candidate).
        max_parameter_free: cap on skip and pooling edges together in the derived
            normal cell (None: no cap); see `autonas.darts.derivation.derive_cell`.
        patience: stop once the derived genotype has been the same for this many
            consecutive epochs (None: never stop early).

    Returns:
        A frozen settings object.

    Example:
        >>> SelectionConfig(max_skip=None, patience=None).max_parameter_free is None
        True
    """

    max_skip: int = 2
    max_parameter_free: int = None
    patience: int = 3

    def __post_init__(self):
        _count("SelectionConfig", "max_skip", self.max_skip, 0, optional=True)
        _count("SelectionConfig", "max_parameter_free", self.max_parameter_free, 0, optional=True)
        _count("SelectionConfig", "patience", self.patience, 1, optional=True)


#: the groups, by the `DartsSearch` argument that takes each
GROUPS = {"supernet_config": SupernetConfig, "weight_config": WeightConfig, "arch_config": ArchConfig,
          "selection_config": SelectionConfig}
#: flat `DartsSearch` keyword argument -> (group argument, field)
FLAT_ARGUMENTS = {
    **{name: ("supernet_config", name) for name in ("channels", "layers", "nodes", "candidates",
                                                    "stem_multiplier", "stem_strides")},
    **{name: ("weight_config", name) for name in ("learning_rate", "learning_rate_min", "momentum",
                                                  "weight_decay", "grad_clip")},
    "order": ("arch_config", "order"), "arch_learning_rate": ("arch_config", "learning_rate"),
    "arch_betas": ("arch_config", "betas"), "arch_weight_decay": ("arch_config", "weight_decay"),
    "aux_skip": ("arch_config", "aux_skip"), "beta_decay": ("arch_config", "beta_decay"),
    "warmup_epochs": ("arch_config", "warmup_epochs"),
    **{name: ("selection_config", name) for name in ("max_skip", "max_parameter_free", "patience")},
}
FIELD_TO_FLAT = {(GROUPS[group].__name__, field): flat for flat, (group, field) in FLAT_ARGUMENTS.items()}


def resolve_groups(groups, flat):
    """The four settings groups from the groups given and flat keyword arguments on top.

    Args:
        groups: ``{"supernet_config": SupernetConfig or None, ...}``.
        flat: flat keyword arguments (see `FLAT_ARGUMENTS`); each replaces its field.

    Returns:
        ``{"supernet_config": SupernetConfig, ...}``, every group set. ``max_skip`` is
        dropped (None) when ``skip_connect`` is not a candidate.

    Example:
        >>> resolve_groups({}, {"channels": 4, "arch_learning_rate": 0.01})["arch_config"].learning_rate
        0.01
    """
    unknown = sorted(set(flat) - set(FLAT_ARGUMENTS))
    if unknown:
        raise TypeError(f"DartsSearch got unexpected keyword arguments {unknown}; known settings: "
                        f"{sorted(FLAT_ARGUMENTS)} or the groups {sorted(GROUPS)}.")
    resolved = {}
    for name, cls in GROUPS.items():
        group = groups.get(name)
        if group is not None and not isinstance(group, cls):
            raise TypeError(f"`{name}` must be a {cls.__name__} or None; received {type(group).__name__}.")
        fields = {field: flat[key] for key, (owner, field) in FLAT_ARGUMENTS.items() if owner == name and key in flat}
        resolved[name] = dataclasses.replace(group, **fields) if group is not None else cls(**fields)
    if resolved["selection_config"].max_skip is not None and "skip_connect" not in resolved[
            "supernet_config"].candidates:
        resolved["selection_config"] = dataclasses.replace(resolved["selection_config"], max_skip=None)
    return resolved


def flat_settings(groups):
    """The groups as the flat keyword arguments (JSON-ready), the inverse of `resolve_groups`.

    Args:
        groups: ``{"supernet_config": SupernetConfig, ...}``.

    Returns:
        A dict of flat argument name to value.

    Example:
        >>> flat_settings(resolve_groups({}, {}))["arch_betas"]
        [0.5, 0.999]
    """
    out = {}
    for flat, (name, field) in FLAT_ARGUMENTS.items():
        value = getattr(groups[name], field)
        out[flat] = list(value) if isinstance(value, tuple) else value
    return out
