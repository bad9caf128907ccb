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
        yield base
    finally:
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


def hidden_fields(page: str) -> dict[str, str]:
    """Hidden inputs of a page."""
    return {html.unescape(k): html.unescape(v) for k, v in _HIDDEN.findall(page)}
