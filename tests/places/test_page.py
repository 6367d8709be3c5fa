"""The admins' places page (``/admin/places``): places by region and kind, each place's poster a PDF that scans."""

from __future__ import annotations

import pytest
from lxml import html

from tests.conftest import PUBLIC_BASE_URL

from .helpers import HEADER, SCHOOLS, decoded, import_file, write_csv


@pytest.fixture
def admin(app, runner, signed_in, tmp_path):
    script = '"shy-sch-007","<script>alert(1)</script> №7 мектеп",Шымкент,Абай ауданы,school'
    assert import_file(runner, write_csv(tmp_path, [HEADER, *SCHOOLS, script])).exit_code == 0
    assert runner.invoke(args=["places", "retire", "alm-col-003"]).exit_code == 0
    return signed_in("arman")


def rows(client, query: str = "") -> dict[str, list[str]]:
    response = client.get(f"/admin/places{query}")
    assert response.status_code == 200
    page = html.fromstring(response.data)
    assert not page.xpath("//main//script")
    assert page.xpath("//nav[@class='langs']/a/text()") == ["KK", "RU", "EN"]  # the page's own names shadow none
    return {row.get("data-code"): [" ".join(cell.text_content().split()) for cell in row.xpath("td")]
            for row in page.xpath("//table[@class='places']/tbody/tr[@data-code]")}


def test_the_page_lists_active_places_with_their_posters(admin):
    listed = rows(admin)
    assert list(listed) == ["ast-sch-012", "ast-sch-045", "krg-oth-001", "shy-sch-007"]
    assert listed["ast-sch-012"] == ["ast-sch-012", "№12 мектеп-гимназия", "Астана", "Есіл ауданы", "school",
                                     "Kazakh · Russian · both"]
    assert listed["shy-sch-007"][1] == "<script>alert(1)</script> №7 мектеп"  # shown as text, never run


def test_filters_by_region_and_kind_and_retired_places_on_request(admin):
    assert list(rows(admin, "?region=Астана")) == ["ast-sch-012", "ast-sch-045"]
    assert list(rows(admin, "?kind=other")) == ["krg-oth-001"]
    with_retired = rows(admin, "?kind=college&retired=1")
    assert list(with_retired) == ["alm-col-003"]
    assert with_retired["alm-col-003"][-1].startswith("retired since")  # and no poster to print


@pytest.mark.parametrize("language", ["kk", "ru", "both"])
def test_a_poster_downloads_as_a_pdf_whose_code_opens_the_place(admin, tmp_path, language):
    response = admin.get(f"/admin/places/ast-sch-045/poster-{language}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="ast-sch-045-{language}.pdf"'
    pdf = tmp_path / "downloaded.pdf"
    pdf.write_bytes(response.data)
    assert decoded(pdf, 1, tmp_path) == [f"{PUBLIC_BASE_URL}/q/ast-sch-045"]


@pytest.mark.parametrize("path", ["/admin/places/alm-col-003/poster-kk.pdf", "/admin/places/nope/poster-kk.pdf",
                                  "/admin/places/ast-sch-012/poster-en.pdf"])
def test_no_poster_for_a_retired_or_unknown_place_or_another_language(admin, path):
    assert admin.get(path).status_code == 404
