"""``flask places posters``: A4 PDFs whose QR code, read by a real decoder from the rendered page, opens the place's chat."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fontTools import subset

from app.i18n import load_catalogs
from tests.conftest import PUBLIC_BASE_URL

from .helpers import HEADER, SCHOOLS, decoded, import_file, pages, text_of, write_csv

CATALOGS = load_catalogs()
POSTER_KEYS = [key for key in CATALOGS["en"] if key.startswith("poster_")]
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture
def imported(runner, tmp_path):
    assert import_file(runner, write_csv(tmp_path, [HEADER, *SCHOOLS])).exit_code == 0


def posters(runner, *args: str):
    return runner.invoke(args=["places", "posters", *args])


def words(language: str, key: str) -> str:
    return " ".join(CATALOGS[language][key].split())


def test_a_batch_of_bilingual_posters_opens_each_places_chat(imported, runner, tmp_path):
    pdf = tmp_path / "batch.pdf"
    result = posters(runner, "ast-sch-012", "KRG-OTH-001", "--language", "both", "-o", str(pdf))
    assert result.exit_code == 0, result.output
    assert "2 poster(s) in" in result.output
    assert pages(pdf) == 2
    for page, (code, name) in enumerate([("ast-sch-012", "№12 мектеп-гимназия"),
                                         ("krg-oth-001", 'Детский дом "Үміт", Караганда')], start=1):
        assert decoded(pdf, page, tmp_path) == [f"{PUBLIC_BASE_URL}/q/{code}"]
        text = text_of(pdf, page)
        assert name in text
        assert f"{PUBLIC_BASE_URL}/q/{code}" in text  # printed under the code, for those who cannot scan
        for key in POSTER_KEYS:
            assert words("kk", key) in text, key
            assert words("ru", key) in text, key


def test_kazakh_letters_are_real_text_in_the_pdf(imported, runner, tmp_path):
    pdf = tmp_path / "kk.pdf"
    assert posters(runner, "alm-col-003", "--language", "kk", "-o", str(pdf)).exit_code == 0
    text = text_of(pdf, 1)
    assert "Алматы политехникалық колледжі" in text
    assert set("әғқңөұүі") <= set(text)  # the embedded font has them: no missing-glyph boxes


@pytest.mark.parametrize("language, other", [("kk", "ru"), ("ru", "kk")])
def test_one_pdf_per_place_in_one_language(imported, runner, tmp_path, language, other):
    folder = tmp_path / "out"
    result = posters(runner, "--region", "Астана", "--language", language, "--out-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in folder.iterdir()) == [f"ast-sch-012-{language}.pdf",
                                                            f"ast-sch-045-{language}.pdf"]
    for code in ("ast-sch-012", "ast-sch-045"):
        pdf = folder / f"{code}-{language}.pdf"
        assert pages(pdf) == 1
        assert decoded(pdf, 1, tmp_path) == [f"{PUBLIC_BASE_URL}/q/{code}"]
        text = text_of(pdf, 1)
        assert words(language, "poster_headline") in text and words(language, "poster_danger") in text
        assert words(other, "poster_headline") not in text


def test_all_prints_every_active_place_and_skips_retired_ones(imported, runner, tmp_path):
    runner.invoke(args=["places", "retire", "alm-col-003"])
    pdf = tmp_path / "all.pdf"
    result = posters(runner, "--all", "--language", "ru", "-o", str(pdf))
    assert result.exit_code == 0, result.output
    assert pages(pdf) == 3
    found = {url for page in (1, 2, 3) for url in decoded(pdf, page, tmp_path)}
    assert found == {f"{PUBLIC_BASE_URL}/q/{code}" for code in ("ast-sch-012", "ast-sch-045", "krg-oth-001")}


def test_the_qr_code_is_drawn_as_vectors_not_a_picture(imported, runner, tmp_path):
    pdf = tmp_path / "vector.pdf"
    assert posters(runner, "ast-sch-012", "--language", "both", "-o", str(pdf)).exit_code == 0
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) == 2  # pdfimages' two header lines, and no image
    # Sharp at any size: a small rendering still decodes.
    assert decoded(pdf, 1, tmp_path, dpi=40) == [f"{PUBLIC_BASE_URL}/q/ast-sch-012"]


def test_the_url_follows_public_base_url(make_app, tmp_path):
    app = make_app(PUBLIC_BASE_URL="https://help.example.kz/111/")
    runner = app.test_cli_runner()
    import_file(runner, write_csv(tmp_path, [HEADER, SCHOOLS[0]]))
    pdf = tmp_path / "prefix.pdf"
    assert posters(runner, "ast-sch-012", "--language", "ru", "-o", str(pdf)).exit_code == 0
    assert decoded(pdf, 1, tmp_path) == ["https://help.example.kz/111/q/ast-sch-012"]


@pytest.mark.parametrize("args, message", [
    (["ast-sch-999", "ast-sch-012"], "no place with code ast-sch-999"),
    (["alm-col-003"], "retired (restore first): alm-col-003"),
    (["--region", "Атырау"], "no active place to print in region 'Атырау'"),
    ([], "name the places: CODE ..., --all or --region REGION"),
], ids=["unknown", "retired", "empty region", "nothing named"])
def test_nothing_is_printed_for_places_that_cannot_be_printed(imported, runner, tmp_path, args, message):
    runner.invoke(args=["places", "retire", "alm-col-003"])
    pdf = tmp_path / "none.pdf"
    result = posters(runner, *args, "--language", "kk", "-o", str(pdf))
    assert result.exit_code != 0
    assert message in result.output
    assert not pdf.exists()


def test_either_one_file_or_a_folder(imported, runner, tmp_path):
    both = posters(runner, "--all", "--language", "kk", "-o", str(tmp_path / "a.pdf"), "--out-dir", str(tmp_path))
    neither = posters(runner, "--all", "--language", "kk")
    assert both.exit_code == neither.exit_code == 2
    assert "give either -o FILE.pdf or --out-dir DIR" in both.output and "give either" in neither.output


def test_a_missing_font_is_named_with_the_package_that_brings_it(make_app, tmp_path):
    app = make_app(POSTER_FONT=str(tmp_path / "DejaVuSans.ttf"))
    runner = app.test_cli_runner()
    import_file(runner, write_csv(tmp_path, [HEADER, SCHOOLS[0]]))
    result = posters(runner, "--all", "--language", "kk", "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 1
    assert f"poster font {tmp_path / 'DejaVuSans.ttf'} not found: install Debian's fonts-dejavu-core" in result.output
    assert not (tmp_path / "p.pdf").exists()


def test_a_font_without_the_kazakh_letters_is_refused(make_app, tmp_path):
    # A real TrueType font with Latin and Russian letters only: DejaVu Sans cut down to them.
    russian_only = tmp_path / "russian-only.ttf"
    options = subset.Options()
    with subset.load_font(str(DEJAVU), options) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[*range(0x20, 0x7F), *range(0x400, 0x460), ord("—"), ord("№")])
        subsetter.subset(font)
        subset.save_font(font, str(russian_only), options)
    app = make_app(POSTER_FONT=str(russian_only))
    runner = app.test_cli_runner()
    import_file(runner, write_csv(tmp_path, [HEADER, SCHOOLS[1]]))
    result = posters(runner, "--all", "--language", "ru", "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 0, result.output  # a Russian poster of a Russian name needs no Kazakh letter
    result = posters(runner, "--all", "--language", "kk", "-o", str(tmp_path / "p.pdf"))
    assert result.exit_code == 1
    assert f"poster font {russian_only} has no letters" in result.output
    assert "ә" in result.output.split("has no letters")[1]
