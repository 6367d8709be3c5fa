"""Access logs keep no query string (supervisors' search terms) and no client address."""

from __future__ import annotations

import re

import pytest
import requests

from .gunicorn import access_log_format

# gunicorn's atoms that carry nothing of the query, the person or the address.
HARMLESS = {"t", "m", "U", "s", "B", "b", "M", "D", "L", "T", "H", "p"}


def test_the_procfiles_access_log_format_has_no_query_user_or_address():
    atoms = set(re.findall(r"%\((\{?[^)]*)\)s", access_log_format()))
    assert atoms, "the Procfile's web process sets --access-logformat"
    assert atoms <= HARMLESS, f"not allowed in the access log: {sorted(atoms - HARMLESS)}"
    assert "U" in atoms  # the path, without its query


@pytest.mark.slow
def test_a_search_leaves_its_terms_out_of_the_access_log(web):
    response = requests.get(f"{web.url}/supervisor/search", params={"q": "zhanasecretword", "from": "2026-01-01"},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302
    log = web.stop()
    assert '"GET /supervisor/search" 302' in log
    assert "zhanasecretword" not in log and "2026-01-01" not in log
    assert "127.0.0.1" not in log.replace("127.0.0.1:", "")  # gunicorn's own "Listening at" line aside


def test_the_development_servers_request_log_drops_the_query_and_address(app, live_server, caplog):
    with caplog.at_level("INFO", logger="werkzeug"):
        requests.get(f"{live_server}/supervisor/search?q=zhanasecretword", allow_redirects=False, timeout=10)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("/supervisor/search" in line for line in lines), lines
    assert not any("zhanasecretword" in line or "127.0.0.1" in line for line in lines), lines
