"""The application factory: settings, database, cache, blueprints, error handlers."""

from __future__ import annotations

import logging
import os
from typing import Any

import requests
from flask import Flask, g
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from lti_tool.db.cache import Cache, DatabaseCache, RedisCache
from lti_tool.db.session import make_engine, make_session_factory
from lti_tool.lti.directory import PlatformDirectory
from lti_tool.lti.platform_keys import PlatformKeySets
from lti_tool.secretbox import SecretBox
from lti_tool.settings import load_settings


def create_app(
    test_config: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> Flask:
    """Create and configure an app; test_config overrides every other layer of settings.

    `environ` replaces os.environ as the environment layer (the demo command uses it).
    """
    environ = dict(os.environ if environ is None else environ)
    instance = environ.get("LTI_TOOL_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance) if instance else None,
        instance_relative_config=True,
        template_folder="web/templates",
        static_folder="web/static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_settings(app.instance_path, environ=environ, test_config=test_config))
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"]
    logging.basicConfig(level=app.config["LOG_LEVEL"])

    if app.config["TRUST_PROXY_HEADERS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessions"] = make_session_factory(engine)
    cache: Cache
    if app.config["REDIS_URL"]:
        cache = RedisCache(app.config["REDIS_URL"], prefix=app.config["CACHE_PREFIX"])
    else:
        cache = DatabaseCache(engine)
    app.extensions["cache"] = cache
    app.extensions["secretbox"] = SecretBox(app.config["SECRET_KEY"])
    http = requests.Session()
    http.headers["User-Agent"] = app.config["USER_AGENT"]
    app.extensions["http"] = http
    app.extensions["platform_keys"] = PlatformKeySets(
        cache,
        http,
        refetch_interval=app.config["JWKS_REFETCH_INTERVAL_SECONDS"],
        timeout=app.config["HTTP_TIMEOUT_SECONDS"],
    )

    app.extensions["platforms"] = PlatformDirectory(ttl=app.config["REGISTRATION_CACHE_SECONDS"])

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    from lti_tool.web import register_blueprints
    from lti_tool.web.errors import register_error_handlers

    register_blueprints(app)
    register_error_handlers(app)
    _install_cookie_session(app)
    _install_security_headers(app)
    if app.config["EXPOSE_WORKER_ID"]:
        pid = str(os.getpid())

        @app.after_request
        def _worker_header(resp):  # type: ignore[no-untyped-def]
            resp.headers["X-Worker"] = pid
            return resp

    if app.config["DEMO_PLATFORM"]:
        _mount_demo_platform(app)
    return app


def _install_cookie_session(app: Flask) -> None:
    """Flask's cookie session with its serializer built once (it was rebuilt per request)."""
    from lti_tool.web.cookie_session import CachedSerializerSessionInterface

    app.session_interface = CachedSerializerSessionInterface()


def _install_security_headers(app: Flask) -> None:
    """Content-Security-Policy (frame-ancestors: the platforms), nosniff, Referrer-Policy."""
    from lti_tool.web.security import register_security_headers

    register_security_headers(app)


def _mount_demo_platform(app: Flask) -> None:
    """Serve the built-in LMS at /sim beside the tool (the demo only)."""
    from pathlib import Path

    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from lti_tool.platform_sim.store import SimStore
    from lti_tool.platform_sim.web import create_sim_app
    from lti_tool.usecases.demo import DEMO_PLATFORM_FILE

    path = Path(app.instance_path) / DEMO_PLATFORM_FILE
    if not path.exists():
        return
    sim = SimStore.load(path)
    app.extensions["sim_product"] = sim.product
    app.extensions["sim"] = sim
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/sim": create_sim_app(sim).wsgi_app})  # type: ignore[method-assign]


def db_session() -> Session:
    """The request's session, created on first use and closed at teardown."""
    from flask import current_app

    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessions"]()
    return g.db_session  # type: ignore[no-any-return]


def cache() -> Cache:
    """The app's shared cache."""
    from flask import current_app

    return current_app.extensions["cache"]  # type: ignore[no-any-return]
