"""The CJK font for the PDF and the charts.

fpdf2 embeds TrueType outlines correctly (a CFF-flavoured .otf gets wrong glyph widths in fpdf2 2.8,
which spaces every Chinese character apart), so we use WenQuanYi Micro Hei, a TrueType collection
(.ttc, face 0). It comes with the project's install from PyPI (package ``paperang-p2-fonts-cjk``);
Debian's ``fonts-wqy-microhei`` / ``fonts-wqy-zenhei`` are accepted too, and ``RW_REPORT_FONT``
names any other TrueType font.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path

_DEBIAN = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


class FontMissing(RuntimeError):
    pass


@cache
def cjk_font_path() -> Path:
    configured = os.environ.get("RW_REPORT_FONT")
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise FontMissing(f"RW_REPORT_FONT={configured} is not a file")
        return path
    spec = importlib.util.find_spec("paperang_p2_fonts_cjk")
    if spec and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "wqy-microhei.ttc"
        if path.is_file():
            return path
    for candidate in _DEBIAN:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "no CJK font found for the report: install the project (pip package paperang-p2-fonts-cjk), "
        "or apt-get install fonts-wqy-microhei, or set RW_REPORT_FONT to a TrueType font with Chinese glyphs"
    )


@cache
def matplotlib_font_name() -> str:
    """Register the font with matplotlib once and return its family name."""
    from matplotlib import font_manager

    path = str(cjk_font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()
