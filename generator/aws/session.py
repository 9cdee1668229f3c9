"""Sessions from the standard AWS configuration, and AWS failures as one-line InputErrors.

boto3 already honours named profiles (static keys, `role_arn` + `source_profile`, SSO),
`AWS_PROFILE`, `AWS_REGION`, and `AWS_ENDPOINT_URL` (so a local emulator such as moto
works): https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html.
xgen adds nothing to that chain; it only turns its failures into a message with a fix.
Messages never contain credentials: access key ids in AWS error text are masked, and so
is a password in an endpoint URL.

Every call is bounded (botocore's defaults wait 60 s to connect and 60 s for an answer,
three times over): CONNECT_TIMEOUT to connect, READ_TIMEOUT for each answer, at most
MAX_ATTEMPTS attempts. An endpoint that accepts connections but never answers fails after
3 x 4 s = 12 s plus the retry backoff (tens of milliseconds with current botocore, up to
3 s with older releases, whose backoff starts at 1 s), and no call waits longer than
3 x (2 + 4) s = 18 s plus that backoff. The same bounds reach the calls botocore makes
for credentials (AssumeRole, SSO), through the session's default client config. Only S3
copies wait longer for an answer (COPY_READ_TIMEOUT), since S3 may send nothing while it
copies gigabytes; they come after HeadObject has answered.

Those bounds are per wait on the socket; `deadline` adds one for the whole call (the
same worst case, so an endpoint that trickles its answer a byte at a time fails as soon
as a silent one would at most), naming the endpoint and the operation.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    ProxyConnectionError,
    ReadTimeoutError,
    SSOError,
    TokenRetrievalError,
)

from .. import __version__
from ..errors import InputError
from . import deadline

# Error codes of rejected or stale credentials (STS, S3 and the JSON services spell them
# differently). https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
REJECTED = {
    "InvalidAccessKeyId",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "InvalidToken",
}
DENIED = {"AccessDenied", "AccessDeniedException", "403"}
# Operations botocore calls itself to obtain credentials for a role or SSO profile.
CREDENTIAL_CALLS = {"AssumeRole", "AssumeRoleWithWebIdentity", "GetRoleCredentials"}
# "...is not authorized to perform: kms:GenerateDataKey on resource..." (IAM/KMS wording)
NOT_AUTHORIZED = re.compile(r"perform: ([a-z0-9-]+:[A-Za-z0-9*]+)")
ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b")
URL_PASSWORD = re.compile(r"(//[^/@:\s]*:)[^/@\s]*@")

CONNECT_TIMEOUT = 2  # seconds to open a connection (TCP and TLS); AWS takes well under 1 s
READ_TIMEOUT = 4  # seconds to wait for an answer; AWS's read and metadata calls take < 1 s
MAX_ATTEMPTS = 3  # the first attempt and two retries, botocore's standard retry mode
COPY_READ_TIMEOUT = 300  # CopyObject/UploadPartCopy: S3 may be silent while it copies
# Where boto3 takes an endpoint from the environment: for every service, then per service
# (for the services xgen calls). https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
ENDPOINT_VARIABLES = (
    "AWS_ENDPOINT_URL",
    *(f"AWS_ENDPOINT_URL_{name}" for name in ("S3", "KMS", "STS", "IAM", "ECR", "SAGEMAKER")),
)


def config(read_timeout: float = READ_TIMEOUT) -> Config:
    """Bounded timeouts and retries; the user agent names xgen and its version."""
    return Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=read_timeout,
        # total_max_attempts counts the first attempt; "max_attempts" would count retries
        # only (max_attempts=3 is 4 attempts). https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
        retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        user_agent_extra=f"xgen/{__version__}",
    )


def check_endpoint_urls(environ: Mapping[str, str] = os.environ) -> None:
    """Refuse a malformed AWS_ENDPOINT_URL[_SERVICE] before boto3 fails on it with a
    ValueError traceback (or, for `ftp://x`, only when it sends the first request)."""
    if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return
    for name in ENDPOINT_VARIABLES:
        value = environ.get(name)
        problem = _endpoint_problem(value) if value else None  # boto3 ignores ""
        if problem:
            raise InputError(
                f"{_shown_url(value)} {problem}",
                place=name,
                fix=f"set {name} to the endpoint's URL, e.g. http://127.0.0.1:5000 for a "
                "local emulator, or unset it to reach AWS",
            )


def _endpoint_problem(value: str) -> str | None:
    if any(c.isspace() or not c.isprintable() for c in value):
        return "contains a space or a control character"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as error:
        return f"is not a valid URL ({error})"
    if parts.scheme not in ("http", "https"):
        return "is not an http:// or https:// URL"
    if not parts.hostname:
        return "names no host"
    return None


def _shown_url(url: str | None, limit: int = 120) -> str:
    """A URL for a message: its password masked, control characters escaped, shortened."""
    text = URL_PASSWORD.sub(r"\1***@", url or "")
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _endpoint(url: str | None) -> str:
    """scheme://host[:port] of a request URL: no path, query or user info."""
    try:
        parts = urlsplit(url or "")
        port = f":{parts.port}" if parts.port else ""
        host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    except ValueError:
        return _shown_url(url)
    return f"{parts.scheme}://{host}{port}" if parts.scheme and host else _shown_url(url)


def session(profile: str | None) -> boto3.session.Session:
    """A session for `profile` (None: AWS_PROFILE, then the default chain).

    Keep one per profile: each session resolves its credentials once, and for a
    `role_arn` or SSO profile that is a call to AWS (AssumeRole, GetRoleCredentials).
    A session is not thread-safe; its clients are.
    """
    check_endpoint_urls()
    core = botocore.session.Session()
    # The default client config also reaches the clients botocore creates itself to fetch
    # credentials (STS for role_arn, SSO), so those calls are bounded too.
    core.set_default_client_config(config())
    core.register("before-send", deadline.note_sending)
    core.register("creating-client-class", deadline.bound_every_call)
    with aws_call("loading the AWS profile", profile=profile, denied="sts:AssumeRole"):
        return boto3.session.Session(botocore_session=core, profile_name=profile)


def client(
    profile: str | None,
    service: str,
    region: str,
    *,
    via: boto3.session.Session | None = None,
    read_timeout: float = READ_TIMEOUT,
) -> Any:
    """A client for `profile` in `region`, from the session `via` or a new one.

    Bounded by CONNECT_TIMEOUT, `read_timeout` and MAX_ATTEMPTS (see the module's doc);
    retries throttling and transient errors the standard way.
    """
    check_endpoint_urls()
    # botocore resolves static and source-profile credentials when it creates the client.
    with aws_call("loading the AWS profile", profile=profile, denied="sts:AssumeRole"):
        try:
            made = (via or session(profile)).client(
                service, region_name=region, config=config(read_timeout)
            )
        except ValueError as error:  # an endpoint_url in the AWS config file boto3 refuses
            raise InputError(
                f"the AWS config gives {service} an endpoint URL boto3 cannot use "
                f"({_shown_url(str(error))})",
                place=f"--profile {profile}" if profile else None,
                fix="correct endpoint_url in the profile (or its services section) of "
                "AWS_CONFIG_FILE (~/.aws/config)",
            ) from None
    if read_timeout != READ_TIMEOUT:  # after the session's handler: this one's bound counts
        made.meta.events.register(
            "before-send", functools.partial(deadline.note_sending, read_timeout=read_timeout)
        )
    return made


def _mask(text: str) -> str:
    return URL_PASSWORD.sub(r"\1***@", ACCESS_KEY_ID.sub("<access key id>", text))


@contextmanager
def aws_call(what: str, *, profile: str | None, denied: str) -> Iterator[None]:
    """Run AWS calls, raising any failure as one InputError naming `what` failed and the fix.

    `denied` lists the permissions the calls need; AccessDenied names the one AWS reported
    when its message says, else all of them.
    """
    login = f"--profile {profile}" if profile else "(or pass --profile)"
    with deadline.watching() as sent, _one_line(what, denied=denied, login=login, sent=sent):
        yield


@contextmanager
def _one_line(what: str, *, denied: str, login: str, sent: deadline.Sent) -> Iterator[None]:
    """AWS failures of the block as one InputError (see `aws_call`)."""
    try:
        yield
    except ClientError as error:
        raise _client_error(error, what, denied=denied, login=login) from None
    except ProfileNotFound as error:
        raise InputError(
            f"AWS profile {error.kwargs.get('profile')!r} is not in the AWS config",
            place="--profile",
            fix="list profiles with `aws configure list-profiles`; check --profile, "
            "AWS_PROFILE and AWS_CONFIG_FILE",
        ) from None
    except NoCredentialsError:
        raise InputError(
            f"{what}: no AWS credentials found",
            fix=f"configure a profile (aws configure {login}) or set AWS_PROFILE",
        ) from None
    except (SSOError, TokenRetrievalError):
        raise InputError(
            f"{what}: the SSO session has expired or was never started",
            fix=f"run `aws sso login {login}`",
        ) from None
    except (PartialCredentialsError, CredentialRetrievalError) as error:
        raise InputError(f"{what}: {_mask(str(error))}", fix="check the profile") from None
    except deadline.DeadlineExceeded as error:
        call = error.sent.call
        raise InputError(
            f"{what}: {_endpoint(error.sent.url)} did not finish"
            f"{f' {call}' if call else ''} within {error.seconds:g} s (the deadline of a "
            f"whole call, {MAX_ATTEMPTS} attempts included; the answer came too slowly or "
            "never)",
            fix="check that the endpoint is up and reachable: AWS_ENDPOINT_URL, the region, "
            "HTTPS_PROXY and the network; then run again",
        ) from None
    except (ConnectTimeoutError, ReadTimeoutError) as error:
        call = sent.call
        raise InputError(
            f"{what}: {_endpoint(error.kwargs.get('endpoint_url'))} did not answer"
            f"{f' {call}' if call else ''} ({MAX_ATTEMPTS} attempts, each allowed "
            f"{CONNECT_TIMEOUT} s to connect and "
            f"{sent.read_timeout or READ_TIMEOUT:g} s to answer)",
            fix="check that the endpoint is up and reachable: AWS_ENDPOINT_URL, the region, "
            "HTTPS_PROXY and the network; then run again",
        ) from None
    except (EndpointConnectionError, ConnectionClosedError, ProxyConnectionError) as error:
        call = sent.call
        raise InputError(
            f"{what}: cannot reach {_endpoint(error.kwargs.get('endpoint_url'))}"
            f"{f' for {call}' if call else ''}",
            fix="check the network, AWS_ENDPOINT_URL, HTTPS_PROXY and the region",
        ) from None
    except BotoCoreError as error:
        raise InputError(
            f"{what}: {_mask(str(error))}", fix="check the profile's settings"
        ) from None


def _plain_http_endpoint(service: str) -> str | None:
    """The endpoint of `service` from the environment, when it is plain http://."""
    url = os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or os.environ.get(
        "AWS_ENDPOINT_URL", ""
    )
    return _endpoint(url) if url.lower().startswith("http://") else None


def _client_error(error: ClientError, what: str, *, denied: str, login: str) -> InputError:
    code = str(error.response.get("Error", {}).get("Code", ""))
    message = _mask(str(error.response.get("Error", {}).get("Message", "")))
    if error.operation_name in CREDENTIAL_CALLS:
        return InputError(
            f"{what}: the profile cannot obtain credentials ({error.operation_name}: "
            f"{code}: {message})",
            fix="check role_arn/source_profile (or the SSO role) of the profile",
        )
    if code in EXPIRED:
        return InputError(
            f"{what}: the AWS credentials have expired",
            fix=f"refresh them (e.g. `aws sso login {login}`) and run again",
        )
    if code in REJECTED:
        return InputError(
            f"{what}: AWS rejected the credentials ({code})",
            fix="check the access key of the profile and the clock of this machine",
        )
    if code in DENIED:
        reported = NOT_AUTHORIZED.search(message)
        needed = reported.group(1) if reported else denied
        plain = _plain_http_endpoint("s3") if needed.startswith("s3:") else None
        if plain:
            # xgen's own bucket policy denies s3:* when aws:SecureTransport is false
            return InputError(
                f"{what}: access denied over plain HTTP ({plain})",
                fix="the bucket policy xgen renders denies every request without TLS "
                "(aws:SecureTransport false): use an https:// endpoint; if TLS was used, grant "
                f"the caller {needed}",
            )
        return InputError(f"{what}: access denied", fix=f"grant the caller {needed}")
    return InputError(f"{what}: {code}: {message}" if message else f"{what}: {code}")
