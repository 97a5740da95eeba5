"""TLS contexts whose certificates are read at the first TLS connection.

Reading a CA bundle (certifi's, or the system's named by SSL_CERT_FILE) takes about 20 ms, a
tenth of a one-request command's start-up, and a command against a plain-HTTP server never
needs it.
"""

from __future__ import annotations

import os
import ssl
import sys
from typing import Any


class CertificatesOnFirstUse(ssl.SSLContext):
    """`ssl.create_default_context(cafile=…, capath=…)`, with the certificates loaded on first use
    (certifi's when neither is given)."""

    _cafile: str | None = None
    _capath: str | None = None
    _loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        if self._cafile or self._capath:
            self.load_verify_locations(cafile=self._cafile, capath=self._capath)
        else:
            import certifi

            self.load_verify_locations(cafile=certifi.where())
        self._loaded = True

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._load()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._load()
        return super().wrap_socket(*args, **kwargs)


def verifying_context(cafile: str | None = None, capath: str | None = None) -> ssl.SSLContext:
    """A context that verifies the certificate and the host name; a missing bundle fails now."""
    for location in (cafile, capath):
        if location:
            os.stat(location)
    # PROTOCOL_TLS_CLIENT verifies the certificate and the host name, like create_default_context.
    context = CertificatesOnFirstUse(ssl.PROTOCOL_TLS_CLIENT)
    context._cafile, context._capath = cafile, capath
    if sys.version_info >= (3, 13):  # what create_default_context adds since 3.13
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment:
        context.keylog_filename = keylog
    return context


def default_context() -> ssl.SSLContext:
    """httpx's default verification: SSL_CERT_FILE, else SSL_CERT_DIR, else certifi."""
    if cafile := os.environ.get("SSL_CERT_FILE"):
        return verifying_context(cafile=cafile)
    return verifying_context(capath=os.environ.get("SSL_CERT_DIR") or None)
