"""Fixtures for the pure core: the shipped 111 flow, parsed without Flask."""

from __future__ import annotations

import pytest
import yaml

from app.config import ROOT
from app.core.flow import Flow, parse_flow

FLOW_FILE = ROOT / "ivr_flows" / "helpline-111.yaml"


@pytest.fixture(scope="session")
def flow() -> Flow:
    return parse_flow(yaml.safe_load(FLOW_FILE.read_text(encoding="utf-8")), "ivr_flows/helpline-111.yaml")
