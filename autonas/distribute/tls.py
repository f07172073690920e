"""Optional TLS between the chief and its workers: the connection encrypted, the chief authenticated.

The shared token (`autonas.distribute.auth`) says who may talk to the chief;
it does not encrypt. With TLS the chief presents a certificate and workers
check it before sending anything, the token included:

- on the chief, ``AUTONAS_TLS_CERT`` and ``AUTONAS_TLS_KEY``: paths to its
  certificate chain and private key (PEM);
- on every worker, ``AUTONAS_TLS_CA``: path to the certificate(s) to trust
  (PEM; the chief's own certificate when it is self-signed). A worker with
  ``AUTONAS_TLS_CA`` set talks TLS, and refuses a chief without a certificate
  it trusts; without it, the system's trusted roots are not used: the
  connection is plain.

The certificate must name the address workers dial (a subjectAltName with the
chief's IP address or host name).

Example:
    >>> server_tls_from_env({}) is None
    True
"""

import os

CERT_ENV = "AUTONAS_TLS_CERT"
KEY_ENV = "AUTONAS_TLS_KEY"
CA_ENV = "AUTONAS_TLS_CA"


def _read(path, variable):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ValueError(f"{variable} must name a readable PEM file; received {path!r} ({e.strerror}).") from None


def server_tls_from_env(environ=None):
    """The chief's ``(certificate chain, private key)`` PEM bytes from the environment, or None.

    Args:
        environ: a mapping (default: ``os.environ``).

    Returns:
        A pair of bytes, or None when neither variable is set.

    Raises:
        ValueError: only one of the two is set, or a file cannot be read.
    """
    environ = os.environ if environ is None else environ
    cert, key = environ.get(CERT_ENV), environ.get(KEY_ENV)
    if not cert and not key:
        return None
    if not (cert and key):
        raise ValueError(f"TLS needs both {CERT_ENV} (the chief's certificate) and {KEY_ENV} (its private key); "
                         f"received only {CERT_ENV if cert else KEY_ENV}.")
    return _read(cert, CERT_ENV), _read(key, KEY_ENV)


def trusted_from_env(environ=None):
    """The PEM bytes a worker trusts (``AUTONAS_TLS_CA``), or None for a plain connection."""
    environ = os.environ if environ is None else environ
    path = environ.get(CA_ENV)
    return _read(path, CA_ENV) if path else None


def check_server_tls(tls):
    """Validate the chief's `tls` argument: None or ``(certificate chain, private key)`` as PEM bytes or str.

    Returns:
        None or a pair of bytes.
    """
    if tls is None:
        return None
    if not isinstance(tls, (tuple, list)) or len(tls) != 2 or not all(isinstance(p, (bytes, str)) for p in tls):
        raise ValueError("`tls` must be None or a pair (certificate chain, private key) of PEM bytes; received "
                         f"{type(tls).__name__}.")
    cert, key = (p.encode() if isinstance(p, str) else p for p in tls)
    if b"-----BEGIN" not in cert or b"-----BEGIN" not in key:
        raise ValueError("`tls` must hold PEM data (-----BEGIN ...); received something else.")
    return cert, key


def server_credentials(tls):
    """gRPC server credentials for ``(certificate chain, private key)``."""
    import grpc

    cert, key = tls
    return grpc.ssl_server_credentials([(key, cert)])


def channel_credentials(trusted):
    """gRPC channel credentials trusting the PEM certificate(s) `trusted`."""
    import grpc

    return grpc.ssl_channel_credentials(root_certificates=trusted)
