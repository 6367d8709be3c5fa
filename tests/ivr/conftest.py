"""Fixtures for the ``flask flows`` and ``flask prompts`` commands, run on copies of the shipped files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from app.config import ROOT


class Workspace:
    """Copies of ivr_flows/ and audio/ that a test may break, and a way to run commands on them."""

    def __init__(self, root: Path):
        self.flows = root / "ivr_flows"
        self.audio = root / "audio"
        shutil.copytree(ROOT / "ivr_flows", self.flows)
        shutil.copytree(ROOT / "audio", self.audio)

    @property
    def flow_file(self) -> Path:
        return self.flows / "helpline-111.yaml"

    def edit_flow(self, old: str, new: str) -> None:
        text = self.flow_file.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        self.flow_file.write_text(text.replace(old, new), encoding="utf-8")

    def invoke(self, group, *args: str) -> Result:
        env = {"QORGAU_ENV": "testing", "IVR_FLOWS_DIR": str(self.flows), "AUDIO_DIR": str(self.audio)}
        return CliRunner().invoke(group, list(args), env=env)


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace(tmp_path)
