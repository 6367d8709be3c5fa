"""The service's files are its own: folders 0700, the databases, recordings and logs 0600, in web and worker."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from app import create_app
from app.config import ROOT


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def loose_instance(tmp_path: Path) -> Path:
    """An instance folder as an older version or a careless copy left it: readable by everyone."""
    instance = tmp_path / "instance"
    month = instance / "recordings" / "2026" / "11"
    month.mkdir(parents=True)
    for path in (instance / "qorgau.db", instance / "qorgau.db-wal", instance / "huey.db", instance / "web.log",
                 month / "RE0.wav"):
        path.write_bytes(b"x")
        path.chmod(0o644)
    for folder in (instance, instance / "recordings", instance / "recordings" / "2026", month):
        folder.chmod(0o755)
    return instance


def test_start_up_makes_existing_files_private(tmp_path, base_config):
    instance = loose_instance(tmp_path)
    app = create_app({**base_config, "INSTANCE_DIR": str(instance), "RECORDINGS_DIR": None,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'qorgau.db'}"})
    folders = [instance, *(p for p in (instance / "recordings").rglob("*") if p.is_dir()), instance / "recordings"]
    files = [p for p in instance.rglob("*") if p.is_file()]
    assert {mode(folder) for folder in folders} == {0o700}
    assert {mode(file) for file in files} == {0o600}, {str(f): oct(mode(f)) for f in files}
    assert len(files) == 5 and app.config["RECORDINGS_DIR"] == str(instance / "recordings")


def test_what_the_app_creates_later_is_private_at_every_level(tmp_path, base_config):
    from app.recordings.services import _write_private

    instance = tmp_path / "fresh"
    app = create_app({**base_config, "INSTANCE_DIR": str(instance), "RECORDINGS_DIR": None})
    with app.app_context():
        _write_private(Path(app.config["RECORDINGS_DIR"]) / "2026" / "12" / "RE1.wav", b"RIFF")
    recordings = Path(app.config["RECORDINGS_DIR"])
    assert [oct(mode(p)) for p in (recordings, recordings / "2026", recordings / "2026" / "12")] == ["0o700"] * 3
    assert mode(recordings / "2026" / "12" / "RE1.wav") == 0o600
    made = tmp_path / "after-start.log"
    made.write_text("a log the process writes")
    assert mode(made) == 0o600  # the umask


def test_the_worker_process_starts_with_the_same_rule(tmp_path):
    instance = loose_instance(tmp_path)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("QORGAU", "DATABASE", "REDIS"))}
    env |= {"QORGAU_ENV": "testing", "INSTANCE_DIR": str(instance)}
    script = "import os, app.worker; print(oct(os.umask(0)))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "0o77"
    assert mode(instance / "huey.db") == mode(instance / "qorgau.db") == 0o600
    assert mode(instance / "recordings" / "2026" / "11") == 0o700
    assert mode(instance / "recordings" / "2026" / "11" / "RE0.wav") == 0o600
