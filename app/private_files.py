"""The service's files are its own: umask 077 for all it creates, and what exists made private at start-up.

Called when the web app and the worker start. Folders (the instance folder, every level of the recordings
tree) become 0700; the SQLite database, the job queue's SQLite file (with their WAL and shared-memory
files), recordings and log files 0600. Files made before this rule, or by hand, are fixed too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

FOLDER_MODE, FILE_MODE = 0o700, 0o600


def make_private(config: dict) -> None:
    """Set the umask and make the service's existing files and folders private."""
    os.umask(0o077)
    instance = Path(config["INSTANCE_DIR"])
    instance.mkdir(parents=True, exist_ok=True)
    _private(instance)
    for log in instance.glob("*.log"):
        _private(log)
    for database in _databases(config):
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm"), Path(f"{database}-journal")):
            _private(path)
    recordings = Path(config["RECORDINGS_DIR"])
    _private(recordings)
    if recordings.is_dir():
        for folder, folders, files in os.walk(recordings):
            for name in folders + files:
                _private(Path(folder) / name)


def _databases(config: dict) -> list[Path]:
    """The SQLite files: the database (when it is SQLite) and the job queue (when it is not Redis)."""
    found = []
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        found.append(Path(url.database))
    if not config.get("REDIS_URL"):
        found.append(Path(config["INSTANCE_DIR"]) / "huey.db")
    return found


def _private(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        return  # a link's target is not ours to change
    wanted = FOLDER_MODE if stat.S_ISDIR(mode) else FILE_MODE
    if stat.S_IMODE(mode) != wanted:
        path.chmod(wanted)
