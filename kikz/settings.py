"""The one settings object. Nothing else in kikz reads the environment."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev-secret-not-for-production"}


class Settings(BaseSettings):
    """Platform configuration; every field can be set as ``KIKZ_<NAME>`` in the environment or ``.env``."""

    model_config = SettingsConfigDict(env_prefix="KIKZ_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        "development", description="development/test allow the built-in secret; production refuses it."
    )
    data_dir: Path = Field(Path("var"), description="Folder for the SQLite file, the file store and jobs.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means SQLite at <data_dir>/kikz.db (the embedded default)."
    )
    secret_key: str = Field(
        "dev-secret-not-for-production",
        description="Signs sessions and CSRF tokens; must be set in production.",
    )
    base_url: str = Field(
        "http://127.0.0.1:8000", description="Public address; used for links and the IRIs in DCAT exports."
    )
    host: str = Field("127.0.0.1", description="Address the web server binds to.")
    port: int = Field(8000, description="Port the web server listens on.")
    max_upload_bytes: int = Field(200 * 1024 * 1024, description="Largest accepted upload in bytes.")
    preview_rows: int = Field(20, description="Rows shown in the preview of a tabular file.")
    session_max_age_seconds: int = Field(8 * 3600, description="Lifetime of a login session.")
    session_cookie_secure: bool = Field(False, description="Send the session cookie only over HTTPS.")
    login_max_failures: int = Field(5, description="Failed logins before an account is locked for a while.")
    login_lock_seconds: int = Field(900, description="How long an account stays locked after too many failures.")
    oidc_issuer: str = Field("", description="OpenID Connect issuer URL (e.g. a Keycloak realm); empty disables OIDC.")
    oidc_client_id: str = Field("", description="OIDC client id.")
    oidc_client_secret: str = Field("", description="OIDC client secret.")
    oidc_default_municipality: str = Field(
        "", description="Slug of the municipality new OIDC users join as staff (empty: no membership)."
    )
    catalog_page_size: int = Field(100, description="Datasets per page of the DCAT catalogue endpoint.")
    embedded_worker: bool = Field(
        True,
        description="Run background jobs in a thread of the web process (embedded default); production "
        "runs `kikz worker` processes and sets this to false.",
    )
    demo_data: bool = Field(True, description="Load the demo content of the cities into an empty database.")
    governance_overdue_days: int = Field(
        14,
        ge=1,
        description="Open governance items (proposals, access requests, reviews) older than this many days "
        "count as overdue in the review queues and the dashboard.",
    )
    governance_access_max_days: int = Field(
        365, ge=1, description="Longest time in days an access request may ask for (and a grant may last)."
    )

    sensor_suppression_threshold: int = Field(
        5,
        ge=0,
        description="Open-data aggregates of sensor networks: hourly bicycle and pedestrian counts below this value "
        "are published as suppressed, with secondary suppression (0 turns suppression off).",
    )
    mqtt_url: str = Field(
        "",
        description="MQTT broker for the SensorThings API (e.g. mqtt://127.0.0.1:1883, with login "
        "mqtt://user:password@host:1883, with TLS mqtts://host:8883): observations published there are stored and "
        "new ones are published; empty disables MQTT (the embedded default).",
    )
    mqtt_ca_file: str = Field(
        "",
        description="CA certificate file (PEM) to verify an mqtts:// broker; empty uses the system's trust store.",
    )

    map_tile_url: str = Field(
        "",
        description="Tile URL template of the traffic map (e.g. https://tiles.example.de/{z}/{x}/{y}.png, "
        "{s} for subdomains); its host is then allowed in the Content-Security-Policy. Empty (the default): "
        "no tiles, the counting sites are drawn on a neutral background and nothing external is loaded.",
    )
    map_tile_attribution: str = Field(
        "", description="Attribution shown on the map with the tiles (e.g. © OpenStreetMap-Mitwirkende)."
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key in PLACEHOLDER_SECRETS:
            raise ValueError("KIKZ_SECRET_KEY must be set to a real secret in production")
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("KIKZ_SECRET_KEY must have at least 32 characters in production")
        return self

    @model_validator(mode="after")
    def _check_tile_url(self) -> Settings:
        url = self.map_tile_url
        if not url:
            return self
        host = url.partition("://")[2].split("/", 1)[0]
        # the host goes into the CSP header: nothing but a host name, {s} and a port
        if (
            not url.startswith(("https://", "http://"))
            or not all(k in url for k in ("{z}", "{x}", "{y}"))
            or not re.fullmatch(r"[A-Za-z0-9.\-]*(\{s\})?[A-Za-z0-9.\-]+(:\d{1,5})?", host)
            or any(c in url for c in " ;,'\"")
        ):
            raise ValueError("KIKZ_MAP_TILE_URL must be an http(s) URL template with {z}, {x} and {y}")
        return self

    @property
    def map_tile_origin(self) -> str:
        """Scheme and host of the tile server for the CSP (``{s}`` subdomains become a wildcard); empty if off."""
        if not self.map_tile_url:
            return ""
        scheme, _, rest = self.map_tile_url.partition("://")
        host = rest.split("/", 1)[0].replace("{s}", "*")
        return f"{scheme}://{host}"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kikz.db').as_posix()}"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"


@lru_cache
def get_settings() -> Settings:
    return Settings()
