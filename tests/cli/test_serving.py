"""Private by default (issue 12): `make run` listens on 127.0.0.1 only; `make serve` shares the app only with
sign-in configured or an explicit acknowledgement, and a shared app has no server-folder box.

The address is checked with sockets: a server bound to 127.0.0.1 answers on 127.0.0.1 but not on
127.0.0.2 (another loopback address, which a server on every interface would answer), and the
kernel's table of listening sockets shows no other address for the port.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from apptest_support import no_exceptions, show, start_app, texts

from analysis.cli import serving
from geo.errors import LocalignError

ROOT = Path(__file__).resolve().parents[2]
AUTH = """[auth]
redirect_uri = "http://planner.council.example:8501/oauth2callback"
cookie_secret = "a-long-random-secret"
client_id = "00000000-0000-0000-0000-000000000000"
client_secret = "secret"
server_metadata_url = "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, size in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) != port or fields[3] != "0A":  # 0A = LISTEN
                continue
            raw = bytes.fromhex(address)
            if size == 4:
                found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def answers(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex((host, port)) == 0


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_listens_on_this_computer_only(tmp_path):
    if subprocess.run(["make", "-q", ".venv/.installed-app"], cwd=ROOT).returncode != 0:
        pytest.skip("make run would install packages first (the .venv is older than pyproject.toml)")
    port = free_port()
    env = {**os.environ, "LOCALIGN_AUTOSAVE_DIR": str(tmp_path)}
    process = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                assert process.poll() is None, "make run stopped"
                time.sleep(0.5)
        else:
            pytest.fail("make run did not start within 120 s")
        assert answers("127.0.0.1", port)
        assert not answers("127.0.0.2", port), "the app answers on another address: it listens on every interface"
        addresses = listening_addresses(port)
        assert addresses and addresses <= {"127.0.0.1"}, addresses
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_shared_mode_refuses_without_sign_in_or_acknowledgement(tmp_path):
    with pytest.raises(LocalignError) as caught:
        serving.shared_settings(None, [tmp_path / "secrets.toml"])
    text = str(caught.value)
    assert "will not share the app on the network without sign-in" in text
    assert "OPEN_TO_NETWORK=\"anyone on this network may use it\"" in text and "make run" in text
    with pytest.raises(LocalignError, match="is not the acknowledgement"):
        serving.shared_settings("yes", [])


def test_shared_mode_starts_with_the_acknowledgement_or_with_sign_in(tmp_path):
    assert serving.shared_settings("Anyone on this network may use it", []) == ("open", None)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(AUTH, encoding="utf-8")
    assert serving.shared_settings(None, [secrets]) == ("signin", None)
    secrets.write_text(AUTH.replace("client_id", "[auth.microsoft]\nclient_id"), encoding="utf-8")
    assert serving.shared_settings(None, [secrets]) == ("signin", "microsoft")
    secrets.write_text(AUTH.replace('client_secret = "secret"\n', ""), encoding="utf-8")
    with pytest.raises(LocalignError, match="lacks client_id, client_secret, server_metadata_url"):
        serving.shared_settings(None, [secrets])


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_serve_refuses_to_start_without_sign_in(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path)}  # no ~/.streamlit/secrets.toml
    if (ROOT / ".streamlit" / "secrets.toml").exists():
        pytest.skip("this checkout has sign-in configured")
    done = subprocess.run(["make", "--no-print-directory", "serve", f"PORT={free_port()}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "localign serve: not started." in done.stderr and "without sign-in" in done.stderr


def test_serve_with_the_acknowledgement_shares_on_every_interface(capsys):
    assert serving.main(["--check", "--port", "8600", "--acknowledge", serving.ACKNOWLEDGEMENT]) == 0
    out, err = capsys.readouterr()
    assert "--server.address 0.0.0.0 --server.port 8600" in out
    assert "WITHOUT sign-in" in err


def test_a_shared_app_has_no_server_folder_box(tmp_path, monkeypatch):
    monkeypatch.setenv(serving.SHARED_ENV, "open")
    app = show(start_app(tmp_path / "autosave", monkeypatch), "Bring data")
    no_exceptions(app)
    assert not [t for t in app.text_input if t.key == "bundle_path"]
    assert "other study areas come in as uploads" in texts(app)
    monkeypatch.delenv(serving.SHARED_ENV)
    private = show(start_app(tmp_path / "autosave", monkeypatch), "Bring data")
    assert [t for t in private.text_input if t.key == "bundle_path"]


def test_a_shared_app_with_sign_in_shows_nothing_before_sign_in(tmp_path, monkeypatch):
    monkeypatch.setenv(serving.SHARED_ENV, "signin")
    app = start_app(tmp_path / "autosave", monkeypatch)
    no_exceptions(app)
    assert [b for b in app.button if b.key == "sign_in"]
    assert "Sign in to use it" in texts(app)
    assert not app.tabs and not app.sidebar.markdown and "Barking" not in texts(app)
