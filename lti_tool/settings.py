"""Settings in layers: defaults < TOML file < LTI_TOOL_* environment < test config.

This module is the one place that knows every setting's name, type and default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "LTI_TOOL_"


class SettingsError(Exception):
    """A setting is missing or has a value the tool cannot use."""


@dataclass(frozen=True)
class Setting:
    """One setting: its default, its type and what it is for."""

    default: Any
    kind: type
    help: str


# Every setting the tool reads. Keys are the Flask config keys; the environment
# variable is LTI_TOOL_ + the key.
SETTINGS: dict[str, Setting] = {
    "SECRET_KEY": Setting(
        None, str, "Signs sessions and derives the key that encrypts private keys."
    ),
    "DATABASE_URL": Setting(
        None, str, "SQLAlchemy URL; an SQLite file under instance/ when unset."
    ),
    "REDIS_URL": Setting(None, str, "Redis for launch state, caches and background jobs."),
    "CACHE_PREFIX": Setting(
        "lti_tool:", str, "Prefix of every key the tool keeps in Redis (several tools, one Redis)."
    ),
    "BASE_URL": Setting(
        "http://127.0.0.1:5000", str, "The public URL an LMS reaches; all URLs handed out use it."
    ),
    "ISSUER_NAME": Setting(
        "Competency records", str, "The school or district named as the issuer of learner records."
    ),
    "ISSUER_STATEMENT": Setting(
        "", str, "The school's profile printed on transcripts: who it is and how it judges mastery."
    ),
    "CLOCK_LEEWAY_SECONDS": Setting(
        60, int, "Tolerated clock skew for iat/exp/nbf of platform tokens."
    ),
    "MAX_TOKEN_AGE_SECONDS": Setting(600, int, "A launch id_token whose iat is older is refused."),
    "LAUNCH_STATE_TTL_SECONDS": Setting(600, int, "How long an OIDC login waits for its launch."),
    "LAUNCH_DATA_TTL_SECONDS": Setting(
        8 * 3600, int, "How long a launch stays usable for the pages and services it opens."
    ),
    "REGISTRATION_CACHE_SECONDS": Setting(
        10, int, "How long a worker keeps an active registration in memory (0: read every time)."
    ),
    "FRAME_ANCESTORS": Setting(
        "",
        str,
        "More origins allowed to frame the tool, space-separated (an LMS on a custom domain).",
    ),
    "JWKS_REFETCH_INTERVAL_SECONDS": Setting(
        60, int, "Least time between two refetches of a platform's keys on an unknown kid."
    ),
    "KEY_ROTATION_OVERLAP_DAYS": Setting(
        14, int, "How long a retired tool key stays published after a rotation."
    ),
    "HTTP_TIMEOUT_SECONDS": Setting(20, int, "Timeout of every outgoing service call."),
    "USER_AGENT": Setting(
        "lti-tool/0.1 (+competency-based learning)", str, "Sent on service calls."
    ),
    "SERVICE_CONCURRENCY": Setting(
        8, int, "Most AGS/NRPS requests in flight at once for one course (grade sync)."
    ),
    "SERVICE_MAX_RETRIES": Setting(
        5, int, "Retries of a throttled (429) service call, waiting for Retry-After or backoff."
    ),
    "TRUST_PROXY_HEADERS": Setting(
        False, bool, "Trust X-Forwarded-Proto/Host from one reverse proxy in front of the tool."
    ),
    "ALLOW_HTTP_PLATFORMS": Setting(
        False, bool, "Accept http:// platform URLs (the local demo only; never in production)."
    ),
    "DEMO_PLATFORM": Setting(False, bool, "Mount the built-in LTI platform under /sim (the demo)."),
    "MAX_UPLOAD_BYTES": Setting(20 * 1024 * 1024, int, "Largest request body or uploaded file."),
    "LOG_LEVEL": Setting("INFO", str, "Logging level."),
    "EXPOSE_WORKER_ID": Setting(
        False, bool, "Add an X-Worker header with the process id (load tests across workers)."
    ),
}


def _coerce(name: str, value: Any, kind: type) -> Any:
    """Turn a raw value from TOML or the environment into the setting's type."""
    if value is None or isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    if kind is bool:
        if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off", ""}:
            return False
    elif kind is int:
        try:
            return int(str(value).strip())
        except ValueError:
            pass
    elif kind is str:
        return str(value)
    raise SettingsError(f"{ENV_PREFIX}{name} must be a {kind.__name__}, got {value!r}")


def load_settings(
    instance_path: str | os.PathLike[str],
    environ: dict[str, str] | None = None,
    test_config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the merged settings for one app: defaults < TOML < environment < test config."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {name: s.default for name, s in SETTINGS.items()}

    config_file = environ.get(f"{ENV_PREFIX}CONFIG")
    if config_file:
        path = Path(config_file)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise SettingsError(f"{ENV_PREFIX}CONFIG names {path}, which does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path} is not valid TOML: {exc}") from None
        for key, value in data.get("lti_tool", data).items():
            name = key.upper()
            if name not in SETTINGS:
                raise SettingsError(f"{path}: unknown setting {key!r}")
            values[name] = _coerce(name, value, SETTINGS[name].kind)

    for name, setting in SETTINGS.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is not None:
            values[name] = _coerce(name, raw, setting.kind)

    values["TESTING"] = False
    if test_config:
        values.update(test_config)

    if not values["DATABASE_URL"]:
        db_file = Path(instance_path) / "lti_tool.sqlite3"
        values["DATABASE_URL"] = f"sqlite:///{db_file}"
    values["BASE_URL"] = str(values["BASE_URL"]).rstrip("/")

    if not values["SECRET_KEY"]:
        if not values["TESTING"]:
            raise SettingsError(
                f"{ENV_PREFIX}SECRET_KEY is not set. Generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` and set it in the "
                "environment; the tool refuses to start without it."
            )
        values["SECRET_KEY"] = "test-secret-key-not-for-production"  # noqa: S105 - tests only
    if len(values["SECRET_KEY"]) < 16 and not values["TESTING"]:
        raise SettingsError(f"{ENV_PREFIX}SECRET_KEY must be at least 16 characters long")
    return values
