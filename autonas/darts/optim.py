"""Functional optimizers of the bi-level search, in `keras.ops` (any backend).

They follow the PyTorch semantics of the DARTS reference code exactly:
weight decay is an L2 term added to the gradient (after gradient clipping for
the weights), SGD momentum accumulates ``buf = mu * buf + g``, Adam is
bias-corrected. Being pure functions of tensors, they compose with
`stateless_call` under `jax.jit` and `tf.function` alike.
"""

from keras import ops


def global_norm(tensors):
    """Euclidean norm of a list of tensors taken together.

    Args:
        tensors: a list of tensors.

    Returns:
        A scalar tensor.

    Example:
        >>> float(global_norm([ops.ones(4)]))
        2.0
    """
    return ops.sqrt(sum(ops.sum(ops.square(t)) for t in tensors))


def clip_by_global_norm(grads, clip_norm):
    """Scale `grads` down so their global norm is at most `clip_norm`.

    Args:
        grads: a list of tensors.
        clip_norm: the maximum global norm (a positive float).

    Returns:
        ``(clipped_grads, norm_before_clipping)``.

    Example:
        >>> clipped, norm = clip_by_global_norm([ops.ones(4)], 1.0)
    """
    norm = global_norm(grads)
    scale = ops.minimum(1.0, clip_norm / (norm + 1e-6))
    return [g * scale for g in grads], norm


def sgd_update(params, grads, buffers, learning_rate, momentum=0.9, weight_decay=0.0):
    """One SGD step with momentum and L2 weight decay.

    Args:
        params: list of parameter tensors.
        grads: their gradients.
        buffers: momentum buffers (zeros at the start).
        learning_rate: scalar tensor or float.
        momentum: momentum coefficient.
        weight_decay: L2 coefficient added to the gradient.

    Returns:
        ``(new_params, new_buffers)``.

    Example:
        >>> p, b = sgd_update([ops.ones(2)], [ops.ones(2)], [ops.zeros(2)], 0.1)
    """
    new_params, new_buffers = [], []
    for p, g, b in zip(params, grads, buffers):
        g = g + weight_decay * p
        b = momentum * b + g
        new_buffers.append(b)
        new_params.append(p - learning_rate * b)
    return new_params, new_buffers


def adam_update(params, grads, m, v, step, learning_rate, beta_1=0.5, beta_2=0.999, epsilon=1e-8, weight_decay=0.0):
    """One bias-corrected Adam step with L2 weight decay.

    Args:
        params: list of parameter tensors.
        grads: their gradients.
        m: first-moment estimates (zeros at the start).
        v: second-moment estimates (zeros at the start).
        step: number of steps taken so far (scalar tensor).
        learning_rate: step size.
        beta_1: first-moment decay.
        beta_2: second-moment decay.
        epsilon: numerical stabiliser.
        weight_decay: L2 coefficient added to the gradient.

    Returns:
        ``(new_params, new_m, new_v, new_step)``.

    Example:
        >>> p, m, v, t = adam_update([ops.ones(2)], [ops.ones(2)], [ops.zeros(2)], [ops.zeros(2)],
        ...                          ops.zeros(()), 3e-4)
    """
    step = step + 1.0
    correction_1 = 1.0 - ops.power(beta_1, step)
    correction_2 = 1.0 - ops.power(beta_2, step)
    new_params, new_m, new_v = [], [], []
    for p, g, m_i, v_i in zip(params, grads, m, v):
        g = g + weight_decay * p
        m_i = beta_1 * m_i + (1.0 - beta_1) * g
        v_i = beta_2 * v_i + (1.0 - beta_2) * ops.square(g)
        new_m.append(m_i)
        new_v.append(v_i)
        new_params.append(p - learning_rate * (m_i / correction_1) / (ops.sqrt(v_i / correction_2) + epsilon))
    return new_params, new_m, new_v, step
