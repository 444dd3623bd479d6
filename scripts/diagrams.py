"""Draw the diagrams of the unrolled network that the README and docs/pictures.md show, as vector SVG,
from real runs.

    python scripts/diagrams.py [FOLDER]      # default: docs/

Writes diagram.svg (the notebook's third cell, `--layers 2 --bidirectional`), diagram-packed.svg
(a packed batch, `--lengths 35,20,7 --bidirectional`) and diagram.ko.svg (the third cell in Korean,
shown in docs/notebook.md). Each is the `diagram` section of the run, never drawn by hand; a test
runs this script.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from gru_shapes.i18n import language
from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.diagram_svg import document
from gru_shapes.show.diagram_view import diagram_section
from gru_shapes.show.layout import Drawing

IMAGES: dict[str, dict[str, Any]] = {
    "diagram.svg": {"layers": 2, "bidirectional": True, "lang": "en"},
    "diagram-packed.svg": {"lengths": "35,20,7", "bidirectional": True, "lang": "en"},
    "diagram.ko.svg": {"layers": 2, "bidirectional": True, "lang": "ko"},
}


def main(folder: Path) -> None:
    for name, options in IMAGES.items():
        report = report_for(make_spec(**options))
        with language(report.spec.lang):
            (drawing,) = diagram_section(report)
        assert isinstance(drawing, Drawing)
        (folder / name).write_text(document(drawing))


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "docs"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
