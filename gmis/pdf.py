"""Print-ready PDFs (WeasyPrint): A4, page numbers, Japanese text in IPAex Gothic.

The stylesheet is read from the package, not fetched over HTTP, so that a PDF needs no
request to the server itself; the font comes from the system (``make run`` installs
fonts-ipaexfont-gothic), found by fontconfig under the name the stylesheet asks for.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from gmis.web import content_disposition

PRINT_CSS = Path(__file__).resolve().parent / "static" / "css" / "print.css"


@cache
def _stylesheet() -> tuple[CSS, FontConfiguration]:
    # Parsed once per process: the font configuration caches the fonts it has loaded.
    fonts = FontConfiguration()
    return CSS(filename=str(PRINT_CSS), font_config=fonts), fonts


def render_pdf(html: str) -> bytes:
    stylesheet, fonts = _stylesheet()
    return HTML(string=html, base_url=str(PRINT_CSS.parent)).write_pdf(
        stylesheets=[stylesheet], font_config=fonts)


def pdf_response_headers(filename: str) -> dict[str, str]:
    """Shown in the browser's PDF viewer (to print), saved under ``filename``."""
    return {"Content-Type": "application/pdf", "Cache-Control": "no-store",
            "Content-Disposition": content_disposition(filename, "inline")}
