"""The one HTTP layer of the client core.

`ApiHttp` wraps one `httpx.AsyncClient` per profile for the Nepenthes API (auth header from a
`TokenSource`, HAL+JSON, no automatic redirects) and one separate client *without* any auth for
URLs on other hosts (Nextcloud direct upload/download links). It retries only safe methods
(GET/HEAD/OPTIONS) on connection failures and 502/503/504/429, bounded, and maps every failed
answer to the typed errors of `nep_tui.api.errors`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from nep_tui import __version__
from nep_tui.api import bodies, tls
from nep_tui.api import errors as err
from nep_tui.api.bodies import read_answer
from nep_tui.api.limits import Limits
from nep_tui.api.models import json_object, sentences
from nep_tui.api.redact import redact

# httpcore reads an answer in 64 KiB pieces, and each piece costs a trip through anyio, h11 and
# httpx: a third of a download's CPU time went there. In larger pieces (as much as the socket
# holds, up to this) the same download makes a sixth of the trips.
READ_SIZE = 1024 * 1024
httpcore.AsyncHTTP11Connection.READ_NUM_BYTES = READ_SIZE

log = logging.getLogger(__name__)

HAL_JSON = "application/hal+json"
USER_AGENT = f"nep-tui/{__version__}"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A write refused with these was not done: asking again is safe where the caller says so.
REFUSED_STATUSES = frozenset({429, 503})
MAX_RETRIES = 3
# What nep-tui unpacks itself, piece by piece (bounded); downloads come unpacked.
API_ENCODINGS = "gzip, deflate"
# Servers commonly drop idle keep-alive connections after 5 s (uvicorn, Apache's default),
# httpx's own default too: a request sent at that moment meets a closing socket, and a POST
# cannot be retried blindly. Idle connections are let go well before that.
KEEPALIVE_EXPIRY_SECONDS = 2.0
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5

Sleep = Callable[[float], Awaitable[None]]
Notice = Callable[[str], None]
AllowRedirect = Callable[[httpx.URL], bool]


class Redacted(str):
    """A secret string (an Authorization value) that shows as <hidden> in reprs, so debuggers
    and tracebacks that print locals do not reveal it; its value is unchanged."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<hidden>'"


class TokenSource(Protocol):
    """Where the Authorization header comes from (API token or OAuth tokens)."""

    async def authorization(self) -> str:
        """The Authorization header value to send now (refreshing first if due)."""
        ...

    async def refresh_after_rejection(self, rejected: str, *, token_invalid: bool) -> bool:
        """The server answered 401 to `rejected` (`token_invalid`: it said the token itself is
        invalid); return True if a different value is now available to try once more."""
        ...


@runtime_checkable
class ExplainsRejection(Protocol):
    """A token source that can say why the server refused it better than a generic 401."""

    def rejection_error(self) -> err.NepError: ...


class ApiTokenSource:
    """A personal API token, sent as Basic `apikey:<token>` (works on older forks too)."""

    def __init__(self, token: str) -> None:
        encoded = base64.b64encode(f"apikey:{token}".encode()).decode("ascii")
        self._header = Redacted(f"Basic {encoded}")

    async def authorization(self) -> str:
        return self._header

    async def refresh_after_rejection(self, rejected: str, *, token_invalid: bool) -> bool:
        return False

    def rejection_error(self) -> err.NepError:
        return err.LoggedOut(
            "The server rejected the API token (revoked, expired or mistyped).",
            hint="Create a new token under My account → Access tokens, then "
            "run `nep-tui login --token`.",
        )

    def __repr__(self) -> str:
        return "ApiTokenSource(<hidden>)"


def tls_verification(ca_bundle: str | None) -> ssl.SSLContext | bool:
    """Verification setting for httpx: an explicit CA bundle, else SSL_CERT_FILE, else certifi."""
    import os

    bundle = ca_bundle or os.environ.get("SSL_CERT_FILE")
    if bundle:
        return tls.verifying_context(cafile=bundle)
    return True


def same_origin(url_a: str, url_b: str) -> bool:
    a, b = urlsplit(url_a), urlsplit(url_b)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def endpoint_of(method: str, url: str | httpx.URL) -> str:
    """`GET /api/v3/projects` — names a request in errors without host, query or tokens."""
    return redact(f"{method} {httpx.URL(str(url)).path}")


def origin_of(url: str | httpx.URL) -> str:
    parts = httpx.URL(str(url))
    return f"{parts.scheme}://{parts.host}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def is_html(response: httpx.Response) -> bool:
    return "text/html" in response.headers.get("Content-Type", "").lower()


def sign_in_page(response: httpx.Response) -> err.SignInPage:
    host = response.request.url.host
    return err.SignInPage(
        f"{host} answered a sign-in page: a proxy or single sign-on is in the way."
    )


# --- error mapping ------------------------------------------------------------------------------


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _identifier(body: dict[str, Any]) -> str:
    """The lower-cased tail of the errorIdentifier URN (`OutboundRequest:NotFound` kept whole)."""
    urn = body.get("errorIdentifier")
    if not isinstance(urn, str):
        return ""
    marker = "api:v3:errors:"
    lowered = urn.lower()
    return lowered.split(marker, 1)[1] if marker in lowered else lowered.rsplit(":", 1)[-1]


def _embedded_errors(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The single errors of a `MultipleErrors` document, or the document itself."""
    listed = json_object(body, "_embedded").get("errors")
    errors = listed if isinstance(listed, list) else [body]
    return [item for item in errors if isinstance(item, dict)]


def _validation_details(body: dict[str, Any]) -> dict[str, str]:
    details: dict[str, str] = {}
    for item in _embedded_errors(body):
        attribute = json_object(json_object(item, "_embedded"), "details").get("attribute")
        key = attribute if isinstance(attribute, str) and attribute else "base"
        said = " ".join(sentences(item.get("message"))) or "is invalid"
        details[key] = f"{details[key]} {said}" if key in details else said
    return details


def _server_sentence(body: dict[str, Any]) -> str | None:
    """Everything the server said, in its words: `message` (a string, or a list of sentences as
    query errors send), then the single errors a `MultipleErrors` embeds, once each."""
    said = sentences(body.get("message") or body.get("error"))
    if isinstance(json_object(body, "_embedded").get("errors"), list):
        for item in _embedded_errors(body):
            said.extend(sentences(item.get("message")))
    unique = list(dict.fromkeys(said))
    return " ".join(unique) if unique else None


def error_from_response(response: httpx.Response, endpoint: str) -> err.NepError:
    """Map a failed answer (API v3 error document or a bare status) to a typed error."""
    status = response.status_code
    body = _error_body(response)
    identifier = _identifier(body)
    server_says = _server_sentence(body)
    if identifier.startswith("outboundrequest"):
        return err.NextcloudUnreachable(
            "The server's request to its Nextcloud storage failed"
            + (f" ({server_says.rstrip('.')})." if server_says else ".")
        )
    if status == 401:
        return err.LoggedOut()
    if status == 403:
        return err.PermissionDenied()
    if status == 404:
        return err.NotFound()
    if status == 409:
        if identifier == "updateconflict":
            return err.UpdateConflict()
        return err.Conflict(server_says)
    if status == 413:
        limit = body.get("upload_limit")
        return err.TooLarge(limit_bytes=limit if isinstance(limit, int) else None)
    if status == 507:
        return err.QuotaExceeded()
    if status == 422:
        details = _validation_details(body)
        summary = "; ".join(text.rstrip(".") for text in details.values()) if details else None
        failure = err.ReadOnlyField if identifier == "propertyisreadonly" else err.ValidationFailed
        return failure(
            f"The server rejected the data: {summary.rstrip('.')}." if summary else None,
            details=details,
        )
    if status == 400 and identifier == "invalidquery":
        return err.BadRequest(
            "The server did not accept the query" + (f": {server_says}" if server_says else "."),
            hint="Check the filters and values given: the server names what it refused.",
        )
    if status in (400, 406, 415):
        return err.BadRequest(
            f"The server did not accept the request: {server_says}" if server_says else None
        )
    if status in REFUSED_STATUSES and _retry_after(response) is not None:
        wait = _retry_after(response) or 0.0
        return err.ServerError(
            f"The server is busy (HTTP {status}) and asks to wait {_duration(wait)} "
            "before the next request.",
            hint=f"Try again in {_duration(wait)}.",
            status_code=status,
            retry_after=wait,
        )
    if status == 429:
        return err.ServerError(
            "The server is busy (too many requests).",
            hint="Wait a moment and try again.",
            status_code=status,
        )
    if status in (502, 503, 504):
        return err.ServerError(
            f"The server is temporarily unavailable (HTTP {status}).",
            hint="Try again in a moment.",
            status_code=status,
        )
    if status >= 500:
        return err.ServerError(
            f"The server had an internal error (HTTP {status}).", status_code=status
        )
    return err.ServerError(
        f"The server answered with unexpected HTTP status {status} for {endpoint}.",
        status_code=status,
    )


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
    if seconds >= 120:
        return f"{round(seconds / 60)} min"
    return f"{seconds:g} s"


def _never_sent(exc: httpx.TransportError) -> bool:
    """Whether the request cannot have reached the server (no connection was made)."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def error_from_transport(
    exc: httpx.TransportError, url: str | httpx.URL, method: str = "GET"
) -> err.NepError:
    host = httpx.URL(str(url)).host
    if _is_tls_failure(exc):
        return err.TLSVerificationFailed(f"The TLS certificate of {host} could not be verified.")
    if method.upper() not in SAFE_METHODS and not _never_sent(exc):
        return err.AnswerLost(
            f"The connection to {host} broke before its answer arrived: the change may or "
            "may not have been made."
        )
    if isinstance(exc, httpx.TimeoutException):
        return err.NetworkUnreachable(
            f"{host} did not answer in time.", hint="Check your network, or try again later."
        )
    return err.NetworkUnreachable(f"{host} could not be reached.")


def _is_tls_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


_INVALID_TOKEN = re.compile(r'(?:^|[\s,])error\s*=\s*"?invalid_token(?:"|[\s,]|$)', re.IGNORECASE)


def says_token_invalid(response: httpx.Response) -> bool:
    """Whether a 401 blames the token itself (RFC 6750 `error="invalid_token"`).

    The server's token strategies answer an expired, revoked or unknown token with that
    challenge; a 401 raised inside an endpoint (a storage whose Nextcloud token is missing or
    refused) carries the root API's plain `realm` challenge instead: the caller's own token was
    accepted there. Some server versions leave out the comma before `error`."""
    return any(
        _INVALID_TOKEN.search(value) for value in response.headers.get_list("WWW-Authenticate")
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


# --- the client ---------------------------------------------------------------------------------


class ApiHttp:
    """HTTP to one Nepenthes server, plus an auth-free client for foreign (Nextcloud) URLs."""

    def __init__(
        self,
        server_url: str,
        token_source: TokenSource | None,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: Limits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        foreign_transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        notice: Notice | None = None,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.limits = limits or Limits.from_env()
        self._tokens = token_source
        self._sleep = sleep
        self._notice = notice
        # Names for the hosts of file storages, so their errors say whose they are.
        self._origin_names: dict[str, str] = {}
        headers = {"User-Agent": USER_AGENT, "Accept": HAL_JSON, "Accept-Encoding": API_ENCODINGS}
        if verify is True:
            # One context for both clients: each would otherwise load the CA bundle again.
            verify = tls.default_context()
        pool = httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS)
        timeout = self.limits.timeout()
        self._client = httpx.AsyncClient(
            base_url=self.server_url,
            headers=headers,
            timeout=timeout,
            verify=verify,
            follow_redirects=False,
            transport=transport,
            limits=pool,
        )
        self._foreign = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": API_ENCODINGS},
            timeout=timeout,
            verify=verify,
            follow_redirects=False,
            transport=foreign_transport,
            limits=pool,
        )

    def __repr__(self) -> str:
        return f"ApiHttp({self.server_url!r})"

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._foreign.aclose()

    def absolute(self, path_or_url: str) -> str:
        return urljoin(self.server_url + "/", path_or_url)

    def name_origin(self, url: str, name: str) -> None:
        """Errors from requests to `url`'s host name it as `name` (a storage's provider)."""
        self._origin_names[origin_of(url)] = name

    def is_own(self, url: str | httpx.URL) -> bool:
        return same_origin(str(url), self.server_url)

    # Requests to the Nepenthes server (authenticated) ------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        expected: frozenset[int] | None = None,
        retry_refused: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send an authenticated request; return the answer if it is 2xx (or in `expected`).

        `retry_refused`: a write refused with 429/503 may be asked again (it was not done).
        An HTML page where the API answers is a sign-in page of something in between."""
        response = await self._send(
            method, path, stream=True, retry_refused=retry_refused, **kwargs
        )
        endpoint = endpoint_of(method, response.request.url)
        await self._read(response, endpoint)
        if response.is_success and is_html(response) and response.content:
            raise sign_in_page(response)
        if response.is_success or (expected and response.status_code in expected):
            return response
        raise self._error_for(response, endpoint)

    async def _read(self, response: httpx.Response, endpoint: str) -> None:
        try:
            await read_answer(
                response,
                endpoint=endpoint,
                max_bytes=self.limits.answer_bytes,
                seconds=self.limits.answer_seconds,
            )
        except err.AnswerCutOff:
            if response.request.method not in SAFE_METHODS and response.is_success:
                raise err.AnswerLost(
                    f"The answer from {response.request.url.host} broke off: the change was "
                    "probably made, but nep-tui could not read the result."
                ) from None
            raise

    def _error_for(self, response: httpx.Response, endpoint: str) -> err.NepError:
        """Like `error_from_response`, but a 401 from our server says which login failed, and
        a failure on another host (the file storage) names that host."""
        if not self.is_own(response.request.url):
            return self.foreign_error(response, endpoint)
        if response.status_code == 401:
            if self._tokens is None:
                return err.NotLoggedIn()
            if isinstance(self._tokens, ExplainsRejection):
                return self._tokens.rejection_error()
        return error_from_response(response, endpoint)

    def foreign_error(
        self, response: httpx.Response, endpoint: str, name: str | None = None
    ) -> err.NepError:
        url = response.request.url
        status = response.status_code
        name = name or self._origin_names.get(origin_of(url), "The file storage")
        where = f"{name} ({url.host})"
        if status in (413, 507):
            # Too large, or the quota is full: the same answer, and remedy, as from our server.
            return error_from_response(response, endpoint)
        if status in (401, 403):
            return err.StorageRefused(
                f"{where} refused {endpoint} (HTTP {status}): the one-time link expired or "
                "is not accepted.",
                hint="Try again; your login to the server is fine.",
                status_code=status,
            )
        if status == 404:
            return err.StorageRefused(
                f"{where} does not know {endpoint} (HTTP 404): the file or link is gone.",
                hint="Reload and try again.",
                status_code=status,
            )
        wait = _retry_after(response)
        return err.StorageRefused(
            f"{where} answered {endpoint} with HTTP {status}"
            + (f" and asks to wait {_duration(wait)}." if wait else "."),
            hint="Try again later; if it persists, tell the administrator.",
            status_code=status,
        )

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.request(method, path, **kwargs)
        return self.decode(response)

    @staticmethod
    def decode(response: httpx.Response) -> Any:
        endpoint = endpoint_of(response.request.method, response.request.url)
        try:
            return response.json()
        except json.JSONDecodeError as exc:
            if _looks_cut(exc):
                raise bodies.cut_off(response.request.url.host) from None
            raise err.MalformedResponse(endpoint, "the body is not valid JSON") from None
        except (ValueError, UnicodeDecodeError):
            raise err.MalformedResponse(endpoint, "the body is not valid JSON") from None

    async def redirect_location(self, path: str, **kwargs: Any) -> str:
        """GET an endpoint that answers with a redirect and return its absolute Location."""
        response = await self.request("GET", path, expected=REDIRECT_STATUSES, **kwargs)
        location: str | None = response.headers.get("Location")
        if response.status_code not in REDIRECT_STATUSES or not location:
            raise err.MalformedResponse(
                endpoint_of("GET", response.request.url),
                "expected a redirect with a Location header",
            )
        return urljoin(str(response.request.url), location)

    @contextlib.asynccontextmanager
    async def stream(
        self, method: str, url: str, *, allow: AllowRedirect | None = None, **kwargs: Any
    ) -> AsyncIterator[httpx.Response]:
        """Stream a download, unpacked by nobody (`identity`), following a few redirects by
        hand: to our own server with auth, to a host `allow` accepts without, nowhere else."""
        absolute = self.absolute(url)
        headers = {**(kwargs.pop("headers", None) or {}), "Accept-Encoding": "identity"}
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_destination(method, absolute, allow)
            response = await self._send(method, absolute, stream=True, headers=headers, **kwargs)
            location = response.headers.get("Location")
            if response.status_code in REDIRECT_STATUSES and location and method == "GET":
                await response.aclose()
                absolute = urljoin(absolute, location)
                continue
            break
        else:
            raise err.MalformedResponse(endpoint_of(method, url), "too many redirects")
        try:
            if not response.is_success:
                await self._read(response, endpoint_of(method, absolute))
                raise self._error_for(response, endpoint_of(method, absolute))
            yield response
        except httpx.TransportError:
            # The body broke off while the caller read it: a NepError like any other failure,
            # so callers that handle NepError do not leave a transfer hanging.
            raise bodies.cut_off(httpx.URL(absolute).host) from None
        finally:
            await response.aclose()

    def _check_destination(self, method: str, url: str, allow: AllowRedirect | None) -> None:
        if self.is_own(url) or (allow is not None and allow(httpx.URL(url))):
            return
        raise err.RedirectRefused(
            f"The download was sent on to {httpx.URL(url).host}, which is neither the server "
            "nor its file storage; nep-tui did not follow.",
        )

    async def foreign(
        self, method: str, url: str, *, retry_refused: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """A request to another host (Nextcloud direct links): never with our Authorization."""
        response = await self._send_foreign(
            method, url, stream=True, retry_refused=retry_refused, **kwargs
        )
        await self._read(response, endpoint_of(method, url))
        if response.is_success and is_html(response) and response.content:
            raise sign_in_page(response)
        return response

    # internals ----------------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        url: str,
        *,
        stream: bool,
        retry_refused: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        if not self.is_own(self.absolute(url)):
            return await self._send_foreign(
                method, self.absolute(url), stream=stream, retry_refused=retry_refused, **kwargs
            )
        method = method.upper()
        headers = dict(kwargs.pop("headers", None) or {})
        refreshed = False
        while True:
            if self._tokens is not None:
                headers["Authorization"] = await self._tokens.authorization()
            response = await self._with_retries(
                self._client,
                method,
                url,
                stream=stream,
                retry_refused=retry_refused,
                headers=headers,
                **kwargs,
            )
            if (
                response.status_code == 401
                and self._tokens is not None
                and not refreshed
                and _rewindable(kwargs)
            ):
                # Read, not just closed: a streamed 401 that is not retried must stay readable
                # for the error mapping.
                await self._read(response, endpoint_of(method, response.request.url))
                refreshed = True
                if await self._tokens.refresh_after_rejection(
                    headers["Authorization"], token_invalid=says_token_invalid(response)
                ):
                    continue
            return response

    async def _send_foreign(
        self, method: str, url: str, *, stream: bool, retry_refused: bool = False, **kwargs: Any
    ) -> httpx.Response:
        headers = {
            key: value
            for key, value in (kwargs.pop("headers", None) or {}).items()
            if key.lower() != "authorization"
        }
        return await self._with_retries(
            self._foreign,
            method.upper(),
            url,
            stream=stream,
            retry_refused=retry_refused,
            headers=headers,
            **kwargs,
        )

    async def _with_retries(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        stream: bool,
        retry_refused: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        retriable = method in SAFE_METHODS
        retry_statuses = (
            RETRY_STATUSES if retriable else REFUSED_STATUSES if retry_refused else frozenset()
        )
        attempt = 0
        while True:
            try:
                request = client.build_request(method, url, **kwargs)
            except (httpx.InvalidURL, ValueError):
                raise err.MalformedResponse(
                    endpoint_of(method, url), "the URL is not usable"
                ) from None
            try:
                response = await client.send(request, stream=stream)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL):
                # Also raised for an answer whose Location header is not a usable URL.
                raise err.MalformedResponse(
                    endpoint_of(method, request.url),
                    "a URL in the exchange is not a usable http(s) address",
                ) from None
            except httpx.TransportError as exc:
                if retriable and attempt < MAX_RETRIES and _worth_retrying(exc):
                    attempt += 1
                    log.debug(
                        "retrying %s after %s", endpoint_of(method, request.url), type(exc).__name__
                    )
                    await self._sleep(_backoff(attempt))
                    continue
                raise error_from_transport(exc, request.url, method) from None
            if attempt < MAX_RETRIES and response.status_code in retry_statuses:
                delay = _retry_after(response)
                if delay is not None and delay > self.limits.retry_after_seconds:
                    return response  # too long to wait here: reported with the wait
                attempt += 1
                wait = delay if delay is not None else _backoff(attempt)
                await response.aclose()
                if self._notice is not None and delay is not None:
                    self._notice(
                        f"{request.url.host} is busy (HTTP {response.status_code}); "
                        f"trying again in {_duration(wait)} as it asks."
                    )
                await self._sleep(wait)
                continue
            return response


def _looks_cut(exc: json.JSONDecodeError) -> bool:
    """A JSON document that is fine up to where it stops: its end is missing, not its format
    (an answer without a length that broke off looks complete to HTTP)."""
    if not exc.doc.lstrip().startswith(("{", "[")):
        return False
    return exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated string")


def _worth_retrying(exc: httpx.TransportError) -> bool:
    # A server that did not answer in time is not asked again: that would multiply the wait.
    return not _is_tls_failure(exc) and not isinstance(exc, httpx.ReadTimeout)


def _backoff(attempt: int) -> float:
    return 0.25 * 2.0 ** (attempt - 1)


class RereadableBody:
    """A streamed upload body that can be produced again from its start, such as a file on
    disk: each iteration calls `reopen` anew, so httpx can send it a second time.

    A 401 for an expired token is answered by refreshing and sending the request again rather
    than by refreshing ahead of a long upload: only the server knows when it stops accepting a
    token (revocation, its own clock, an upload that outlasts the token), so a guess made
    before the upload could still fail; re-sending costs the upload twice, and only then."""

    __slots__ = ("_reopen",)

    def __init__(self, reopen: Callable[[], AsyncIterator[bytes]]) -> None:
        self._reopen = reopen

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._reopen()


def _rewindable(kwargs: dict[str, Any]) -> bool:
    """Whether the request body can be sent again: a one-shot stream cannot."""
    content = kwargs.get("content")
    return content is None or isinstance(content, (bytes, str, RereadableBody))
