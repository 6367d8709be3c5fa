"""Drawing QR posters as an A4 PDF with fpdf2: text in an embedded TrueType font, the QR code as vector squares."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

from app.core.posters import QUIET_ZONE, Poster, PosterText, dark_runs

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 210.0, 297.0, 15.0  # mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
COLUMN_GAP = 10.0
QR_MAX, QR_MIN = 130.0, 60.0  # the code's side with its quiet zone; smaller is hard to scan from a wall
FONT = "poster"
PT = 25.4 / 72  # one point in mm


class FontMissing(RuntimeError):
    """The poster font is not there or lacks letters the poster needs; the message says how to fix it."""


def render(posters: Sequence[Poster], font: Path, bold_font: Path) -> bytes:
    """One page per poster, in order; ``font`` and ``bold_font`` are TrueType files with Kazakh letters."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_creator("Qorgau")
    pdf.set_title("111")
    try:
        _add_fonts(pdf, font, bold_font, set().union(*(poster.characters() for poster in posters)))
        for poster in posters:
            pdf.add_page()
            _draw(pdf, poster)
        return bytes(pdf.output())
    finally:  # the font files stay open until output() closes them; a refusal before it must close them too
        for loaded in pdf.fonts.values():
            loaded.close()


def _add_fonts(pdf: FPDF, font: Path, bold_font: Path, characters: set[str]) -> None:
    for style, path in (("", font), ("B", bold_font)):
        if not Path(path).is_file():
            raise FontMissing(f"poster font {path} not found: install Debian's fonts-dejavu-core (make system-deps) "
                              "or set POSTER_FONT and POSTER_FONT_BOLD to TrueType files with Kazakh letters")
        pdf.add_font(FONT, style, str(path))
        glyphs = pdf.fonts[FONT + style].cmap
        missing = sorted(char for char in characters if ord(char) not in glyphs and not char.isspace())
        if missing:
            raise FontMissing(f"poster font {path} has no letters {' '.join(missing)}: choose a font that has them "
                              "(POSTER_FONT, POSTER_FONT_BOLD)")


def _draw(pdf: FPDF, poster: Poster) -> None:
    texts = poster.texts
    two = len(texts) > 1
    pdf.set_y(MARGIN)
    for text in texts:
        _lines(pdf, text.helpline, 9, align="C", gray=90)
    pdf.ln(3)
    top = pdf.get_y()
    bottoms = []
    column = (WIDTH - COLUMN_GAP * (len(texts) - 1)) / len(texts)
    for index, text in enumerate(texts):
        x = MARGIN + index * (column + COLUMN_GAP)
        pdf.set_xy(x, top)
        _column(pdf, text, x, column, small=two)
        bottoms.append(pdf.get_y())
    pdf.set_y(max(bottoms) + 4)
    for text in texts:
        _lines(pdf, text.scan, 15 if two else 17, bold=True, align="C")
    qr_top = pdf.get_y() + 1

    # From the bottom up: the place's name, the phone line, the address under the code.
    name_height = _height(pdf, poster.place_name, 14, bold=True)
    call_height = sum(_height(pdf, text.call, 11) for text in texts)
    address_height = sum(_height(pdf, text.no_scan, 10) for text in texts) + _height(pdf, poster.url, 13, bold=True)
    bottom = PAGE_HEIGHT - MARGIN - name_height - 4 - call_height - 3 - address_height - 1
    side = min(QR_MAX, bottom - qr_top)
    if side < QR_MIN:
        raise ValueError(f"the poster for {poster.place_name!r} leaves {side:.0f} mm for the QR code: shorten its texts")
    _qr(pdf, poster.modules, (PAGE_WIDTH - side) / 2, qr_top, side)

    pdf.set_y(qr_top + side + 1)
    for text in texts:
        _lines(pdf, text.no_scan, 10, align="C", gray=60)
    _lines(pdf, poster.url, 13, bold=True, align="C")
    pdf.set_y(PAGE_HEIGHT - MARGIN - name_height - 4 - call_height)
    for text in texts:
        _lines(pdf, text.call, 11, align="C")
    pdf.set_draw_color(150)
    pdf.line(MARGIN, pdf.get_y() + 2, PAGE_WIDTH - MARGIN, pdf.get_y() + 2)
    pdf.set_y(pdf.get_y() + 4)
    _lines(pdf, poster.place_name, 14, bold=True, align="C")


def _column(pdf: FPDF, text: PosterText, x: float, width: float, *, small: bool) -> None:
    """One language's message: headline, who, why, anonymous and free, and the danger line in a frame."""
    body = 11.5 if small else 14
    _lines(pdf, text.headline, 20 if small else 28, bold=True, align="C", x=x, width=width)
    pdf.ln(2)
    for paragraph in (text.who, text.why):
        _lines(pdf, paragraph, body, x=x, width=width)
        pdf.ln(1.5)
    _lines(pdf, text.anonymous, body, bold=True, x=x, width=width)
    pdf.ln(3)
    pdf.set_line_width(0.8)
    pdf.set_draw_color(0)
    _lines(pdf, text.danger, body, bold=True, x=x, width=width, framed=True)


def _lines(pdf: FPDF, text: str, size: float, *, bold: bool = False, align: str = "L", gray: int = 0,
           x: float = MARGIN, width: float = WIDTH, framed: bool = False) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(gray)
    pdf.set_x(x)
    pdf.multi_cell(width, size * PT * 1.25, text, align=align, border=1 if framed else 0,
                   padding=2 if framed else 0, new_x="LMARGIN", new_y="NEXT")


def _height(pdf: FPDF, text: str, size: float, *, bold: bool = False) -> float:
    pdf.set_font(FONT, "B" if bold else "", size)
    return pdf.multi_cell(WIDTH, size * PT * 1.25, text, align="C", dry_run=True, output="HEIGHT")


def _qr(pdf: FPDF, modules: tuple[tuple[bool, ...], ...], x: float, y: float, side: float) -> None:
    """The code as one filled path of dark runs inside a white quiet zone, so no printer blurs it into a bitmap."""
    module = side / (len(modules) + 2 * QUIET_ZONE)
    left, top = x + QUIET_ZONE * module, y + QUIET_ZONE * module
    with pdf.new_path() as path:
        path.style.fill_color = "#000000"
        path.style.stroke_color = None
        for row, column, length in dark_runs(modules):
            path.rectangle(left + column * module, top + row * module, length * module, module)
