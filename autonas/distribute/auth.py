"""Who may talk to the chief: every call carries its tuner id, and a shared token off loopback.

- Every call to the chief carries the caller's tuner id as gRPC metadata
  (``autonas-tuner-id``; autonas workers add it to every call); a call
  without it is refused (``INVALID_ARGUMENT``), so no result is ever recorded
  for a caller the chief cannot name.
- A chief that listens on anything but the loopback address needs a shared
  token (``AUTONAS_TOKEN`` in the environment of the chief and of every
  worker, or ``token=``); every call must carry it (``autonas-token``), and a
  call without it, or with another one, is refused (``UNAUTHENTICATED``).
  The token is compared in constant time. It authenticates, it does not
  encrypt: on an untrusted network, tunnel the port (SSH, a VPN, or a service
  mesh with TLS).

Example:
    >>> check_token("127.0.0.1", None) is None
    True
"""

import hmac
import ipaddress
import os

from autonas.distribute import protocol

#: gRPC metadata key carrying the shared token.
TOKEN_KEY = "autonas-token"
#: environment variable holding the shared token, on the chief and on every worker.
TOKEN_ENV = "AUTONAS_TOKEN"
#: tokens shorter than this are refused: they can be guessed.
MIN_TOKEN_LENGTH = 16


def token_from_env():
    """The shared token in ``AUTONAS_TOKEN``, or None."""
    return os.environ.get(TOKEN_ENV) or None


def is_loopback(host):
    """True for 127.0.0.0/8, ::1 and ``localhost``.

    Args:
        host: a host name or IP address.

    Returns:
        A bool.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
        (True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token(host, token):
    """Validate the token a chief listening on `host` will require.

    Args:
        host: the address the chief binds.
        token: the shared token, or None.

    Returns:
        The token (None is allowed on loopback only).

    Raises:
        ValueError: no token for a non-loopback address, or a token too short.

    Example:
        >>> check_token("0.0.0.0", None)
        Traceback (most recent call last):
        ...
        ValueError: The chief binds '0.0.0.0', beyond this machine: set a shared token (AUTONAS_TOKEN, at least 16 characters, the same on the chief and every worker), e.g. the output of `openssl rand -hex 16`.
    """
    if token is None:
        if not is_loopback(host):
            raise ValueError(
                f"The chief binds {host!r}, beyond this machine: set a shared token ({TOKEN_ENV}, at least "
                f"{MIN_TOKEN_LENGTH} characters, the same on the chief and every worker), e.g. "
                'the output of `openssl rand -hex 16`.')
        return None
    if not isinstance(token, str) or len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(f"The shared token ({TOKEN_ENV}) must be a string of at least {MIN_TOKEN_LENGTH} "
                         f"characters; received one of {len(token) if isinstance(token, str) else type(token).__name__}.")
    return token


def refusal(metadata, token):
    """Why a call with this metadata is refused, or None when it is accepted.

    Args:
        metadata: the call's invocation metadata (pairs).
        token: the token the chief requires, or None.

    Returns:
        None, or ``(status name, message)``.

    Example:
        >>> refusal([("autonas-tuner-id", "w1")], None) is None
        True
    """
    values = dict(metadata or ())
    if token is not None and not hmac.compare_digest(str(values.get(TOKEN_KEY, "")).encode(), token.encode()):
        return "UNAUTHENTICATED", f"the chief requires the shared token ({TOKEN_ENV}) on every call"
    if not values.get(protocol.TUNER_ID_KEY):
        return "INVALID_ARGUMENT", f"every call to the chief must carry its tuner id ({protocol.TUNER_ID_KEY})"
    return None


def server_interceptor(token):
    """A gRPC server interceptor that refuses calls `refusal` refuses."""
    import grpc

    class Gate(grpc.ServerInterceptor):
        def intercept_service(self, continuation, handler_call_details):
            refused = refusal(handler_call_details.invocation_metadata, token)
            if refused is None:
                return continuation(handler_call_details)
            code, message = getattr(grpc.StatusCode, refused[0]), refused[1]

            def abort(request, context):
                context.abort(code, message)

            return grpc.unary_unary_rpc_method_handler(abort)

    return Gate()


def aio_server_interceptor(token):
    """`server_interceptor` for the chief's asyncio server (`grpc.aio`)."""
    import grpc

    class Gate(grpc.aio.ServerInterceptor):
        async def intercept_service(self, continuation, handler_call_details):
            refused = refusal(handler_call_details.invocation_metadata, token)
            if refused is None:
                return await continuation(handler_call_details)
            code, message = getattr(grpc.StatusCode, refused[0]), refused[1]

            async def abort(request, context):
                await context.abort(code, message)

            return grpc.unary_unary_rpc_method_handler(abort)

    return Gate()
