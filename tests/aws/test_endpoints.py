"""Bad or dead AWS endpoints: a malformed AWS_ENDPOINT_URL, an endpoint that accepts
connections and never answers, one that refuses them. Each is one line and exit 2, names
the endpoint (never a password or a credential) and returns within the documented bound."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from generator.audit.run import READERS, _in_parallel
from generator.aws import deadline as deadline_module
from generator.aws import session as aws_session
from generator.aws.names import parse_key_arn, parse_s3_uri
from generator.aws.reencrypt import inspect, s3_client
from generator.cli import app
from generator.errors import InputError
from tests.conftest import BASE_SPEC, write_spec

from .conftest import CREDENTIALS, REGION, SOURCE_ACCOUNT, TARGET_ACCOUNT

KEY = f"arn:aws:kms:{REGION}:{SOURCE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
XGEN = [sys.executable, "-c", "from generator.entry import main; main()"]
# What the test allows; the bound in generator/aws/session.py is 3 x 4 s (~12.5 s measured)
# for an endpoint that never answers, and 3 x (2 + 4) s at most for any call.
GENEROUS = 60
SECRETS = [line.split(" = ", 1)[1] for line in CREDENTIALS.splitlines() if " = " in line]


def run(*args: str | Path) -> Any:
    """`xgen ARGS` in-process; exceptions other than exits are test failures."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def one_line(stderr: str, exit_code: int, *needles: str) -> str:
    assert exit_code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, lines
    (line,) = lines
    assert line.startswith("xgen: error: "), line
    assert "(fix: " in line, line
    for needle in needles:
        assert needle in line, line
    for secret in SECRETS:
        assert secret not in line
    return line


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    return write_spec(tmp_path, BASE_SPEC)


def audit_args(spec: Path) -> list[str]:
    return [
        "audit",
        str(spec),
        "--profile",
        f"{SOURCE_ACCOUNT}=source",
        "--profile",
        f"{TARGET_ACCOUNT}=target",
        "-q",
    ]


def reencrypt_args(profile: str = "source") -> list[str]:
    return ["reencrypt", "s3://bucket/model.tar.gz", "--kms-key", KEY, "--profile", profile]


def at_once(cases: dict[str, tuple[list[str], str]], endpoint: str) -> tuple[dict, float]:
    """Run each case's `xgen ARGS` against `endpoint`, all at once (each waits on the
    network): {name: (stderr, exit code)} and the seconds the slowest took."""
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    started = time.monotonic()
    children = {
        name: subprocess.Popen(
            [*XGEN, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (args, _) in cases.items()
    }
    try:
        outputs = {
            name: (child.communicate(timeout=GENEROUS)[1], child.returncode)
            for name, child in children.items()
        }
    finally:
        for child in children.values():
            child.kill()
    return outputs, time.monotonic() - started


# --- a malformed AWS_ENDPOINT_URL ----------------------------------------------------------

MALFORMED = {
    "not a url": ("not a url", "contains a space"),
    "unclosed IPv6": ("http://[::1", "Invalid IPv6 URL"),
    "ftp": ("ftp://x", "not an http:// or https:// URL"),
    "no host": ("http://", "names no host"),
    "no scheme": ("localhost:4566", "not an http:// or https:// URL"),
    "port out of range": ("http://localhost:99999", "Port out of range"),
    "port not a number": ("http://localhost:abc", "is not a valid URL"),
    "leading space": (" http://localhost:4566", "contains a space"),
    "newline": ("http://localhost:4566\nx", "contains a space"),
}


@pytest.mark.parametrize("command", ["reencrypt", "audit"])
@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_a_malformed_endpoint_url_is_one_line_naming_the_variable(case, command, spec, monkeypatch):
    value, why = MALFORMED[case]
    monkeypatch.setenv("AWS_ENDPOINT_URL", value)
    result = run(*(reencrypt_args() if command == "reencrypt" else audit_args(spec)))
    line = one_line(result.stderr, result.exit_code, why, "unset it to reach AWS")
    assert line.startswith(f"xgen: error: AWS_ENDPOINT_URL: {value!r} "), line


def test_a_service_endpoint_variable_is_checked_too(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "ftp://sts.local")
    result = run(*reencrypt_args())
    one_line(result.stderr, result.exit_code, "AWS_ENDPOINT_URL_STS: 'ftp://sts.local' ")


def test_a_password_in_the_endpoint_url_is_never_printed(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://admin:s3cr3t@[::1")
    result = run(*reencrypt_args())
    line = one_line(result.stderr, result.exit_code, "'https://admin:***@[::1'")
    assert "s3cr3t" not in line


def test_a_refused_connection_names_the_endpoint_without_its_password(monkeypatch):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://admin:s3cr3t@127.0.0.1:{port}")
    result = run(*reencrypt_args("base"))
    line = one_line(
        result.stderr, result.exit_code, f"cannot reach http://127.0.0.1:{port} for s3:HeadBucket"
    )
    assert "s3cr3t" not in line


# --- an endpoint that accepts connections and never answers --------------------------------


@contextmanager
def serving(handle: Callable[[socket.socket, threading.Event], None]) -> Iterator[str]:
    """http://127.0.0.1:PORT of a server that hands each connection to `handle` (on a
    thread of its own, with the event set when the test ends); connections are held open
    until the test ends."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(held[-1], stop), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An endpoint that accepts every connection, then reads nothing and answers nothing."""
    with serving(lambda connection, stop: None) as url:
        yield url


def test_an_endpoint_that_never_answers_fails_in_bounded_time(silent_endpoint, spec):
    # The three runs go at once (each waits on the network) so the test takes one bound.
    cases = {
        # static keys: the first call is S3's
        "reencrypt, static keys": (reencrypt_args("base"), "s3:HeadBucket"),
        # a role profile: botocore's own AssumeRole hangs first, with the same bounds
        "reencrypt, role profile": (reencrypt_args("source"), "sts:AssumeRole"),
        "audit": (audit_args(spec), "sts:AssumeRole"),
        "audit, static keys": (
            ["audit", str(spec), "--profile", f"{SOURCE_ACCOUNT}=base", "-q"],
            "sts:GetCallerIdentity",
        ),
    }
    outputs, elapsed = at_once(cases, silent_endpoint)
    assert elapsed < GENEROUS
    for name, (_, call) in cases.items():
        stderr, returncode = outputs[name]
        line = one_line(
            stderr,
            returncode,
            f"{silent_endpoint} did not answer {call} (3 attempts",
            "AWS_ENDPOINT_URL",
        )
        assert "AKIA" not in line, name
    print(f"an endpoint that never answers failed after {elapsed:.1f} s (four runs at once)")


# --- an endpoint that answers, one byte at a time ------------------------------------------


def _trickle(connection: socket.socket, stop: threading.Event) -> None:
    """Answer `200` with a Content-Length of 1 MB at once, then one byte every 3 s: the body
    (or, to a HEAD, the headers' last line), so no wait on the socket ever reaches
    botocore's 4 s read timeout."""
    request = b""
    while b"\r\n\r\n" not in request and not stop.is_set():
        chunk = connection.recv(65536)
        if not chunk:
            return
        request += chunk
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 1000000\r\n"
    if request.startswith(b"HEAD"):
        slow = b"x-amz-trickle: " + b"a" * 1000
    else:
        head, slow = head + b"\r\n", b"<" * 1000000
    try:
        connection.sendall(head)
        for byte in slow:
            if stop.wait(3):
                return
            connection.sendall(bytes([byte]))
    except OSError:
        return


@pytest.fixture
def trickling_endpoint() -> Iterator[str]:
    with serving(_trickle) as url:
        yield url


def test_an_endpoint_that_answers_a_byte_at_a_time_fails_within_the_call_deadline(
    trickling_endpoint, spec
):
    cases = {
        "reencrypt, static keys": ([*reencrypt_args("base"), "--dry-run"], "s3:HeadBucket"),
        "reencrypt, role profile": ([*reencrypt_args("source"), "--dry-run"], "sts:AssumeRole"),
        "audit": (audit_args(spec), "sts:AssumeRole"),
        "audit, static keys": (
            ["audit", str(spec), "--profile", f"{SOURCE_ACCOUNT}=base", "-q"],
            "sts:GetCallerIdentity",
        ),
    }
    outputs, elapsed = at_once(cases, trickling_endpoint)
    deadline = (
        aws_session.MAX_ATTEMPTS * (aws_session.CONNECT_TIMEOUT + aws_session.READ_TIMEOUT)
        + deadline_module.BACKOFF
    )
    for name, (_, call) in cases.items():
        one_line(
            *outputs[name],
            f"{trickling_endpoint} did not finish {call} within {deadline} s",
        )
    assert elapsed < deadline + 15
    print(f"an endpoint that trickles its answer failed after {elapsed:.1f} s (four runs at once)")


# --- the bounds themselves -----------------------------------------------------------------


def test_every_call_is_bounded_under_20_seconds_counting_retries():
    s3 = aws_session.client("base", "s3", REGION)
    config = s3.meta.config
    assert (config.connect_timeout, config.read_timeout) == (2, 4)
    assert config.retries == {"total_max_attempts": 3, "mode": "standard"}
    worst = aws_session.MAX_ATTEMPTS * (aws_session.CONNECT_TIMEOUT + aws_session.READ_TIMEOUT)
    assert worst < 20


def test_credential_calls_get_the_same_bounds():
    # botocore creates the STS client for role_arn profiles itself, from the session.
    session = aws_session.session("source")
    default = session._session.get_default_client_config()
    assert (default.connect_timeout, default.read_timeout) == (2, 4)
    assert default.retries["total_max_attempts"] == 3


def test_only_copies_wait_longer_for_an_answer(source, bucket):
    source.client("s3", region_name=REGION).put_object(Bucket=bucket, Key="m", Body=b"x")
    key = parse_key_arn(KEY)
    s3 = s3_client("source", key)
    plan = inspect(s3, parse_s3_uri(f"s3://{bucket}/m"), key, profile="source")
    assert s3.meta.config.read_timeout == aws_session.READ_TIMEOUT
    assert plan.copying.meta.config.read_timeout == aws_session.COPY_READ_TIMEOUT
    assert plan.copying.meta.config.connect_timeout == aws_session.CONNECT_TIMEOUT


def test_audit_starts_no_more_accounts_after_a_failure():
    started: list[int] = []
    lock = threading.Lock()

    def task(index: int) -> int:
        with lock:
            started.append(index)
        if index == 0:
            raise InputError("account 0: did not answer")
        time.sleep(0.3)
        return index

    tasks = [(f"task {i}", lambda i=i: task(i)) for i in range(4 * READERS)]
    with pytest.raises(InputError, match="account 0"):
        _in_parallel(tasks, lambda _: None)
    assert len(started) <= READERS + 2, started
