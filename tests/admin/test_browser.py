"""In a real browser (Debian's chromium): an admin gives an operator an account, then takes it away.

The operator signs in with the generated password; the admin deactivates them and they are signed out;
the audit log shows it all and exports it. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from app.web import sse
from tests.auth.helpers import PASSWORD
from tests.console.browser import submit_sign_in
from tests.console.test_browser import ARTIFACTS, CHROMIUM  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make system-deps)"),
]


def sign_in(page, site: str, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{site}/login?lang=en")
    submit_sign_in(page, name, password)


def test_an_admin_creates_signs_out_and_audits_an_operator(app, people, live_server, browser, monkeypatch):  # noqa: F811
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.5)  # a closed console page frees its stream's thread at once
    ARTIFACTS.mkdir(exist_ok=True)
    site = live_server
    admin = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB", accept_downloads=True)
    operator = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    errors: list[str] = []
    page = admin.new_page()
    page.set_default_timeout(20_000)
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The admin lands on the people page and creates an operator with a generated password.
    sign_in(page, site, "arman")
    page.wait_for_url(f"{site}/admin/users")
    page.fill("form.create-user #username", "zhanna")
    page.select_option("form.create-user #role", "operator")
    page.click("form.create-user button[type=submit]")
    password = page.locator("#new-password").inner_text().strip()
    assert len(password) == 19
    page.screenshot(path=str(ARTIFACTS / "admin-new-user.png"), full_page=True)

    # The operator signs in with it and lands on the console.
    theirs = operator.new_page()
    theirs.set_default_timeout(20_000)
    sign_in(theirs, site, "zhanna", password)
    theirs.wait_for_url(f"{site}/console/")

    # The admin deactivates them; their next page is the sign-in page.
    page.goto(f"{site}/admin/users")
    assert page.locator('tr[data-user="zhanna"] td').nth(1).inner_text() == "operator"
    page.screenshot(path=str(ARTIFACTS / "admin-users.png"), full_page=True)
    page.click('tr[data-user="zhanna"] a')
    assert page.locator("#new-password").count() == 0  # shown once, on the answer that made it
    page.click("button.danger")
    page.wait_for_selector("text=The user is deactivated and signed out.")
    assert page.locator("#state").inner_text() == "deactivated"
    theirs.goto(f"{site}/console/cases")
    assert "/login" in theirs.url
    theirs.close()

    # The audit log shows both changes, by the admin, from the admin's address.
    page.click("nav.menu >> text=Audit log")
    page.fill("#action", "user.*")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**action=user.*")
    actions = page.locator("table.events td.action").all_inner_texts()
    assert actions[:2] == ["user.deactivate", "user.create"]
    assert page.locator("table.events tr").nth(1).locator("td.actor").inner_text() == "arman"
    page.screenshot(path=str(ARTIFACTS / "audit-log.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#export")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [row[2] for row in rows[1:3]] == ["user.deactivate", "user.create"]
    assert errors == []
    admin.close()
    operator.close()
