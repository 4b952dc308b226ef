"""All settings come from environment variables, with safe defaults for the embedded mode."""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    database_path: str = "data/innbyggerpanel.sqlite3"
    redis_url: str | None = None
    # Keys (and pub/sub channels) under this prefix: several apps or test runs share one Redis.
    redis_prefix: str = "ip:"
    secret_key: str = ""
    base_url: str = "http://localhost:8000"
    port: int = 8000
    language_code: str = "nb"
    # Per-socket limits: sustained commands per second and the burst allowed above it.
    ws_rate: float = 5.0
    ws_burst: int = 20
    # A socket whose peer has taken no data for this many seconds while more waits is dropped.
    ws_send_timeout: float = 30.0
    # How often boards and phones are refreshed at most while events stream in.
    flush_interval: float = 0.1
    # Outgoing e-mail (survey invitations and reminders); no SMTP_HOST: e-mail is off.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_security: str = "starttls"  # starttls | tls | none (none only inside a trusted network)
    # A personal invitation link works until this many days after its meeting ended (members
    # read what became of their ideas through it); then it answers "expired".
    invitation_grace_days: int = 365
    # Wrong join codes or invitation links one client address may try per minute.
    guesses_per_minute: int = 20

    @property
    def cookie_secure(self) -> bool:
        return self.base_url.startswith("https://")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        database_path = env.get("DATABASE_PATH", cls.database_path)
        port = int(env.get("PORT", cls.port))
        return cls(
            database_path=database_path,
            redis_url=env.get("REDIS_URL") or None,
            redis_prefix=env.get("REDIS_PREFIX", cls.redis_prefix),
            secret_key=env.get("SECRET_KEY") or _local_secret(database_path),
            base_url=env.get("BASE_URL", f"http://localhost:{port}").rstrip("/"),
            port=port,
            language_code=env.get("LANGUAGE_CODE", cls.language_code),
            ws_rate=float(env.get("WS_RATE", cls.ws_rate)),
            ws_burst=int(env.get("WS_BURST", cls.ws_burst)),
            ws_send_timeout=float(env.get("WS_SEND_TIMEOUT", cls.ws_send_timeout)),
            flush_interval=float(env.get("FLUSH_INTERVAL", cls.flush_interval)),
            smtp_host=env.get("SMTP_HOST", ""),
            smtp_port=int(env.get("SMTP_PORT", cls.smtp_port)),
            smtp_user=env.get("SMTP_USER", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_from=env.get("SMTP_FROM", ""),
            smtp_security=env.get("SMTP_SECURITY", cls.smtp_security),
            invitation_grace_days=int(env.get("INVITATION_GRACE_DAYS", cls.invitation_grace_days)),
            guesses_per_minute=int(env.get("GUESSES_PER_MINUTE", cls.guesses_per_minute)),
        )


def _local_secret(database_path: str) -> str:
    """Without SECRET_KEY, keep a random one beside the database, so that a restart does not
    invalidate the forms people have open."""
    if database_path == ":memory:":
        return secrets.token_urlsafe(32)
    path = Path(database_path).parent / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
