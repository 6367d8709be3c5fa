"""In a real browser (Debian's chromium): a supervisor reads the reports' charts and downloads one as CSV."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.console.browser import submit_sign_in
from tests.console.test_browser import ARTIFACTS, CHROMIUM, Served  # noqa: F401

from .conftest import add_contact
from .test_reports import local, today

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make system-deps)"),
]


def test_a_supervisor_reads_the_charts_and_downloads_a_csv(app, people, browser, tmp_path):  # noqa: F811
    for days, hour, category in ((1, 9, "child_rights"), (1, 14, "family"), (3, 9, "child_rights")):
        add_contact(app, people, local(today() - timedelta(days=days), hour), category=category,
                    services=["information"])
    served = Served(app)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.goto(f"{served.url}/supervisor/reports?lang=en")
        submit_sign_in(page, "saule")
        page.wait_for_url("**/supervisor/reports**")
        chart = page.locator('section[data-report="per_hour"] svg')
        assert chart.get_attribute("role") == "img"
        box = chart.bounding_box()
        assert box["width"] > 300 and box["height"] > 50  # drawn, inline, without any script
        assert page.locator('section[data-report="per_hour"] svg rect.bar').count() == 24
        page.screenshot(path=str(ARTIFACTS / "reports.png"), full_page=True)

        with page.expect_download() as download:
            page.locator('section[data-report="category"] a.csv').click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.name.startswith("category-") and saved.suffix == ".csv"
        lines = saved.read_text(encoding="utf-8-sig").splitlines()
        assert lines[0] == "code,category,contacts" and "child_rights,Children's rights,2" in lines
    finally:
        served.stop()
