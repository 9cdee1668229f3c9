"""Sessions from the standard AWS configuration, and AWS failures as one-line InputErrors.

boto3 already honours named profiles (static keys, `role_arn` + `source_profile`, SSO),
`AWS_PROFILE`, `AWS_REGION`, and `AWS_ENDPOINT_URL` (so a local emulator such as moto
works): https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html.
xgen adds nothing to that chain; it only turns its failures into a message with a fix.
Messages never contain credentials: access key ids in AWS error text are masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)

from .. import __version__
from ..errors import InputError

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


def session(profile: str | None) -> boto3.session.Session:
    """A session for `profile` (None: AWS_PROFILE, then the default chain).

    Keep one per profile: each session resolves its credentials once, and for a
    `role_arn` or SSO profile that is a call to AWS (AssumeRole, GetRoleCredentials).
    A session is not thread-safe; its clients are.
    """
    with aws_call("loading the AWS profile", profile=profile, denied="sts:AssumeRole"):
        return boto3.session.Session(profile_name=profile)


def client(
    profile: str | None, service: str, region: str, *, via: boto3.session.Session | None = None
) -> Any:
    """A client for `profile` in `region`, from the session `via` or a new one.

    Retries throttling the standard way; the user agent names xgen and its version.
    """
    config = Config(retries={"mode": "standard"}, user_agent_extra=f"xgen/{__version__}")
    # botocore resolves static and source-profile credentials when it creates the client.
    with aws_call("loading the AWS profile", profile=profile, denied="sts:AssumeRole"):
        return (via or session(profile)).client(service, region_name=region, config=config)


def _mask(text: str) -> str:
    return ACCESS_KEY_ID.sub("<access key id>", text)


@contextmanager
def aws_call(what: str, *, profile: str | None, denied: str) -> Iterator[None]:
    """Run AWS calls, raising any failure as one InputError naming `what` failed and the fix.

    `denied` lists the permissions the calls need; AccessDenied names the one AWS reported
    when its message says, else all of them.
    """
    login = f"--profile {profile}" if profile else "(or pass --profile)"
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
    except EndpointConnectionError as error:
        raise InputError(
            f"{what}: cannot reach {error.kwargs.get('endpoint_url')}",
            fix="check the network, AWS_ENDPOINT_URL and the region",
        ) from None
    except BotoCoreError as error:
        raise InputError(
            f"{what}: {_mask(str(error))}", fix="check the profile's settings"
        ) from None


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
        return InputError(f"{what}: access denied", fix=f"grant the caller {needed}")
    return InputError(f"{what}: {code}: {message}" if message else f"{what}: {code}")
