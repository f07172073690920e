"""What autonas adds to KerasTuner's chief/worker wire protocol.

Every call a worker makes carries its tuner id as gRPC metadata, so the chief
knows who reports. Two JSON calls sit beside KerasTuner's `Oracle` service on
the same port:

- ``/autonas.Chief/Heartbeat``: ``{"trial_id": ..., "generation": ...}`` ->
  ``{"trial_id": ..., "held": bool, "generation": int or None, "lost": bool,
  "interval": seconds, "lease_timeout": seconds}``; renews the worker's lease
  and tells it whether it holds its trial (under which generation: every
  assignment has its own number), whether the assignment of the given
  generation was taken back, and the lease (a worker that hears nothing for
  that long stops its trial: `autonas.distribute.fence`);
- ``/autonas.Chief/TrialMessage``: ``{"trial_id": ..., "message": ...}``; the
  failure message of a trial (KerasTuner's `Trial` message has no field for it).
"""

import json

#: gRPC metadata key carrying the worker's tuner id.
TUNER_ID_KEY = "autonas-tuner-id"
SERVICE = "autonas.Chief"
HEARTBEAT = f"/{SERVICE}/Heartbeat"
TRIAL_MESSAGE = f"/{SERVICE}/TrialMessage"


def encode(obj):
    """JSON bytes of `obj`.

    Args:
        obj: a JSON-serialisable dict.

    Returns:
        UTF-8 bytes.

    Example:
        >>> encode({"a": 1})
        b'{"a": 1}'
    """
    return json.dumps(obj).encode("utf-8")


def decode(data):
    """The dict encoded by `encode`; an empty dict for empty or invalid bytes.

    Args:
        data: bytes from the wire.

    Returns:
        A dict.

    Example:
        >>> decode(b'{"a": 1}')
        {'a': 1}
    """
    try:
        obj = json.loads(data.decode("utf-8")) if data else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return obj if isinstance(obj, dict) else {}


def tuner_id_from_context(context):
    """The tuner id a worker attached to its call, or None (a plain KerasTuner client).

    Args:
        context: the `grpc.ServicerContext` of a call.

    Returns:
        A string or None.
    """
    for key, value in context.invocation_metadata() or ():
        if key == TUNER_ID_KEY:
            return value
    return None
