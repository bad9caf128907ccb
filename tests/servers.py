"""Start the tool under gunicorn and the built-in platform on real ports (tests, benchmarks)."""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import jwt
import requests
from werkzeug.serving import make_server

from lti_tool.platform_sim.store import SimStore
from lti_tool.platform_sim.web import create_sim_app

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_sim(sim: SimStore) -> Iterator[str]:
    """Serve a platform in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, create_sim_app(sim), threaded=True)
    sim.base_url = f"http://127.0.0.1:{server.server_port}"
    if sim.product != "canvas":
        sim.issuer = sim.base_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sim.base_url
    finally:
        server.shutdown()


# base URL -> gunicorn master pid, for the benchmark's CPU accounting.
RUNNING: dict[str, int] = {}


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process's children (gunicorn's workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


@contextmanager
def gunicorn(env: dict[str, str], workers: int, port: int | None = None) -> Iterator[str]:
    """Run the tool under gunicorn with `workers` workers; yields its base URL."""
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    full_env = {
        **os.environ,
        **env,
        "LTI_TOOL_BASE_URL": base,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "LTI_TOOL_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "config" / "gunicorn.conf.py"),
            "lti_tool.app:create_app()",
        ],  # fmt: skip
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.time() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"gunicorn did not start: {err[-2000:]}")
            time.sleep(0.2)
        RUNNING[base] = proc.pid
        yield base
    finally:
        RUNNING.pop(base, None)
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_AUTH = re.compile(r'data-auth-url="([^"]+)"')


@dataclass
class LaunchResult:
    """One launch as a browser saw it."""

    ok: bool
    login_worker: str
    launch_worker: str
    detail: str = ""


class DirectPlatform:
    """Acts as the platform's browser-facing side for load: signs id_tokens itself.

    The tool still validates everything (state, nonce, signature with the key it fetched
    from the platform's JWKS); only the platform's own HTTP hop is skipped, so the numbers
    measure the tool.
    """

    def __init__(self, sim: SimStore, client_id: str, deployment_id: str) -> None:
        """Use the platform's first key, tool and deployment."""
        self.issuer = sim.issuer
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.key = sim.keys[0]

    def id_token(self, nonce: str, user: str, course: str) -> str:
        """An id_token as the platform would sign it."""
        now = int(time.time())
        lti = "https://purl.imsglobal.org/spec/lti/claim/"
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": user,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": f"User {user}",
            lti + "message_type": "LtiResourceLinkRequest",
            lti + "version": "1.3.0",
            lti + "deployment_id": self.deployment_id,
            lti + "target_link_uri": "",
            lti + "resource_link": {"id": "rl-1"},
            lti + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            lti + "context": {"id": course, "title": "Course " + course},
        }
        return jwt.encode(
            claims, self.key.private_key, algorithm="RS256", headers={"kid": self.key.kid}
        )

    def launch(self, base: str, user: str, course: str = "c1") -> LaunchResult:
        """A full login + launch against the tool at `base`."""
        s = requests.Session()
        login = s.post(
            base + "/lti/login",
            data={
                "iss": self.issuer,
                "login_hint": user,
                "target_link_uri": base + "/lti/launch",
                "client_id": self.client_id,
                "lti_deployment_id": self.deployment_id,
            },
            # A fresh connection for the launch, so it may land on another worker.
            headers={"Connection": "close"},
            timeout=30,
        )
        if login.status_code != 200:
            return LaunchResult(False, "", "", f"login {login.status_code}")
        auth = html.unescape(_AUTH.search(login.text).group(1))  # type: ignore[union-attr]
        query = dict(p.split("=", 1) for p in auth.split("?", 1)[1].split("&"))
        from urllib.parse import unquote_plus

        state = unquote_plus(query["state"])
        nonce = unquote_plus(query["nonce"])
        resp = s.post(
            base + "/lti/launch",
            data={"id_token": self.id_token(nonce, user, course), "state": state},
            allow_redirects=False,
            timeout=30,
        )
        ok = resp.status_code == 302 and "ltik=" in resp.headers.get("Location", "")
        return LaunchResult(
            ok,
            login.headers.get("X-Worker", ""),
            resp.headers.get("X-Worker", ""),
            "" if ok else f"launch {resp.status_code}: {resp.text[-1500:]}",
        )


_STATE_IN_URL = re.compile(rb"[?&;]state=([^&\"]+)")
_NONCE_IN_URL = re.compile(rb"[?&;]nonce=([^&\"]+)")


class LightLauncher:
    """A lean load generator: one keep-alive connection, raw requests, the id_token's claims
    prepared once and only nonce and times filled in per launch.

    It runs beside the tool on the same cores, so every microsecond it spends is taken from
    the server: a raw HTTP/1.1 socket (the tool's responses carry Content-Length), no cookie
    jar, no HTML parser.
    """

    def __init__(self, platform: DirectPlatform, base: str, course: str = "c1") -> None:
        """Prepare the constant parts of the requests and of the token."""
        import json
        from urllib.parse import urlencode, urlsplit

        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        self._json = json
        self._sign_args = (padding.PKCS1v15(), hashes.SHA256())
        self._key = platform.key.private_key
        parts = urlsplit(base)
        self._conn_args = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._sock: socket.socket | None = None
        self._head_template = (
            b"POST %s HTTP/1.1\r\nHost: " + parts.netloc.encode() + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"
        )
        self._platform = platform
        self._course = course
        self._base = base
        header = {"alg": "RS256", "typ": "JWT", "kid": platform.key.kid}
        self._header_b64 = _b64url(json.dumps(header, separators=(",", ":")).encode())
        self._login_body = {
            "iss": platform.issuer,
            "target_link_uri": base + "/lti/launch",
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        }
        self._urlencode = urlencode
        lti = "https://purl.imsglobal.org/spec/lti/claim/"
        self._claims = {
            "iss": platform.issuer,
            "aud": platform.client_id,
            "azp": platform.client_id,
            lti + "message_type": "LtiResourceLinkRequest",
            lti + "version": "1.3.0",
            lti + "deployment_id": platform.deployment_id,
            lti + "target_link_uri": base + "/lti/launch",
            lti + "resource_link": {"id": "rl-1"},
            lti + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            lti + "context": {"id": course, "title": "Course " + course},
        }

    def _connect(self) -> None:
        """Open a fresh TCP connection to the tool."""
        if self._sock is not None:
            self._sock.close()
        self._sock = socket.create_connection(self._conn_args, timeout=30)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _request(self, body: bytes, path: str, cookie: str = "") -> tuple[int, bytes, dict]:
        """POST a form over the kept-alive socket; (status, body, {header: value})."""
        head = self._head_template % (path.encode(), len(body))
        if cookie:
            head += b"Cookie: " + cookie.encode() + b"\r\n"
        for attempt in (1, 2):
            try:
                if self._sock is None:
                    self._connect()
                assert self._sock is not None
                self._sock.sendall(head + b"\r\n" + body)
                return self._read_response()
            except OSError:
                self._connect()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _read_response(self) -> tuple[int, bytes, dict]:
        """Read one response: its head, then exactly Content-Length bytes of body."""
        assert self._sock is not None
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("the tool closed the connection")
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"set-cookie" and name in headers:
                continue  # the first cookie is the state cookie
            headers[name] = value.strip()
        length = int(headers.get(b"content-length", b"0"))
        while len(rest) < length:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("the tool closed the connection")
            rest += chunk
        if headers.get(b"connection", b"").lower() == b"close":
            self._sock.close()
            self._sock = None
        return int(lines[0].split()[1]), rest, headers

    def id_token(self, nonce: str, user: str) -> str:
        """Sign the prepared claims with this launch's nonce and times."""
        now = int(time.time())
        claims = dict(self._claims, sub=user, nonce=nonce, iat=now, exp=now + 300)
        body = _b64url(self._json.dumps(claims, separators=(",", ":")).encode())
        signing_input = self._header_b64 + "." + body
        signature = self._key.sign(signing_input.encode(), *self._sign_args)
        return signing_input + "." + _b64url(signature)

    def launch(self, user: str) -> bool:
        """One full login + launch; True when the tool redirected into a launch."""
        from urllib.parse import unquote_plus

        body = self._urlencode({**self._login_body, "login_hint": user}).encode()
        status, page, headers = self._request(body, "/lti/login")
        if status != 200:
            return False
        state_m, nonce_m = _STATE_IN_URL.search(page), _NONCE_IN_URL.search(page)
        if not state_m or not nonce_m:
            return False
        state = unquote_plus(state_m.group(1).decode())
        nonce = unquote_plus(nonce_m.group(1).decode())
        cookie = headers.get(b"set-cookie", b"").split(b";", 1)[0].decode()
        form = self._urlencode({"id_token": self.id_token(nonce, user), "state": state})
        status, _, headers = self._request(form.encode(), "/lti/launch", cookie)
        return status == 302 and b"ltik=" in headers.get(b"location", b"")

    def close(self) -> None:
        """Close the connection."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _b64url(raw: bytes) -> str:
    """Unpadded base64url, as JWTs use."""
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hidden_fields(page: str) -> dict[str, str]:
    """Hidden inputs of a page."""
    return {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(page)}
