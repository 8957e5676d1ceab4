"""Serving the planner app: private to this computer by default, shared on a network only on purpose.

`make run` listens on 127.0.0.1 only (no one else can reach it). `make serve` shares the app on the
network, and starts only when either sign-in is configured (Streamlit's built-in OpenID Connect login,
an ``[auth]`` section in ``.streamlit/secrets.toml`` — e.g. Microsoft Entra ID for a council on
Microsoft 365) or the person starting it acknowledges in words that anyone on the network may use it.
In shared mode the app has no "bundle folder on this computer" box: uploads are the only way in.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tomllib
from pathlib import Path

from geo.errors import LocalignError

APP_DIR = Path(__file__).resolve().parents[2]
SHARED_ENV = "LOCALIGN_SHARED"
"""Set by ``make serve`` for the app: ``signin`` (visitors must sign in) or ``open`` (acknowledged as open)."""
PROVIDER_ENV = "LOCALIGN_AUTH_PROVIDER"
"""The named sign-in provider (``[auth.NAME]`` in secrets.toml) the app's sign-in button uses, if any."""
ACKNOWLEDGEMENT = "anyone on this network may use it"
"""The words that start a shared server without sign-in (``make serve OPEN_TO_NETWORK="..."``)."""
PRIVATE_ADDRESS = "127.0.0.1"
SHARED_ADDRESS = "0.0.0.0"
AUTH_SHARED_KEYS = ("redirect_uri", "cookie_secret")
AUTH_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


def shared_mode() -> bool:
    """Whether the app was started to be shared on a network (``make serve``)."""
    return os.environ.get(SHARED_ENV, "") in ("signin", "open")


def sign_in_required() -> bool:
    """Whether visitors must sign in before they see anything (shared mode with sign-in configured)."""
    return os.environ.get(SHARED_ENV, "") == "signin"


def sign_in_provider() -> str | None:
    """The provider name to pass to st.login (None for a single provider written in [auth] itself)."""
    return os.environ.get(PROVIDER_ENV) or None


def secrets_files(root: Path = APP_DIR) -> list[Path]:
    """Where Streamlit reads secrets.toml: the app's .streamlit folder, then the user's ~/.streamlit."""
    return [root / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"]


def sign_in_settings(files: list[Path]) -> tuple[bool, str | None, str]:
    """Whether the secrets files configure sign-in; the provider name (or None); and what is missing, in words."""
    for path in files:
        if not path.is_file():
            continue
        try:
            auth = tomllib.loads(path.read_text(encoding="utf-8")).get("auth")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return False, None, f"{path} could not be read ({exc})"
        if not isinstance(auth, dict):
            continue
        missing = [k for k in AUTH_SHARED_KEYS if not str(auth.get(k, "")).strip()]
        providers = {name: table for name, table in auth.items() if isinstance(table, dict)}
        complete = [name for name, table in providers.items()
                    if all(str(table.get(k, "")).strip() for k in AUTH_PROVIDER_KEYS)]
        single = all(str(auth.get(k, "")).strip() for k in AUTH_PROVIDER_KEYS)
        if not missing and (single or complete):
            return True, None if single else complete[0], ""
        absent = missing + ([] if single or complete else list(AUTH_PROVIDER_KEYS))
        return False, None, f"the [auth] section of {path} lacks {', '.join(absent)}"
    return False, None, "no .streamlit/secrets.toml with an [auth] section was found"


def shared_settings(acknowledge: str | None, files: list[Path]) -> tuple[str, str | None]:
    """The shared mode to start in ('signin' or 'open') and the provider, or a LocalignError saying how to share safely."""
    configured, provider, missing = sign_in_settings(files)
    if configured:
        return "signin", provider
    if acknowledge is not None and acknowledge.strip().lower() == ACKNOWLEDGEMENT:
        return "open", None
    said = "" if acknowledge is None else f" ('{acknowledge}' is not the acknowledgement)"
    raise LocalignError.single(
        f"localign will not share the app on the network without sign-in: {missing}{said}.", "make serve",
        "configure sign-in in .streamlit/secrets.toml (an [auth] section with redirect_uri, cookie_secret, "
        "client_id, client_secret and server_metadata_url; see the README, 'Sharing on a network'), or, if "
        f"everyone on the network may use it, run make serve OPEN_TO_NETWORK=\"{ACKNOWLEDGEMENT}\". "
        "To use it on this computer only, run make run.")


def streamlit_command(port: int, address: str, bundle: str | None) -> list[str]:
    """The command that serves the app at this address and port."""
    streamlit = Path(sys.executable).with_name("streamlit")
    command = [str(streamlit) if streamlit.exists() else (shutil.which("streamlit") or "streamlit"), "run",
               str(APP_DIR / "app.py"), "--server.address", address, "--server.port", str(port)]
    return command + (["--", "--bundle", bundle] if bundle else [])


def main(argv: list[str] | None = None) -> int:
    """`make serve`: check that sharing is safe (sign-in or acknowledgement), then serve the app on the network."""
    parser = argparse.ArgumentParser(prog="make serve", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default=SHARED_ADDRESS, help="address to listen on (default: every interface)")
    parser.add_argument("--bundle", default=None)
    parser.add_argument("--acknowledge", default=None, metavar="WORDS",
                        help=f"start without sign-in: give the words '{ACKNOWLEDGEMENT}'")
    parser.add_argument("--check", action="store_true", help="only check and print the command")
    args = parser.parse_args(argv)
    try:
        mode, provider = shared_settings(args.acknowledge, secrets_files())
    except LocalignError as exc:
        print(f"localign serve: not started.\n{exc}", file=sys.stderr)
        return 2
    command = streamlit_command(args.port, args.address, args.bundle)
    env = {**os.environ, SHARED_ENV: mode}
    if provider:
        env[PROVIDER_ENV] = provider
    how = "visitors sign in first" if mode == "signin" else "WITHOUT sign-in: anyone on this network may use it"
    print(f"localign: sharing the app on {args.address}:{args.port}; {how}. Uploads are the only way to bring "
          "data in.", file=sys.stderr, flush=True)
    if args.check:
        print(" ".join(command))
        return 0
    os.execve(command[0], command, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
