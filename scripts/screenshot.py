"""Draw the screenshot of the README and the docs' home page: `gru-shapes --layers 2 --bidirectional`
as SVG, the whole default view.

    python scripts/screenshot.py [docs/screenshot.svg]

The image is a real run, exported by rich, never drawn by hand; a test runs this script. It names
local monospace fonts only (no web font), so it draws the same offline.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

from gru_shapes.model.spec import make_spec
from gru_shapes.run.pipeline import report_for
from gru_shapes.show.render import render
from gru_shapes.show.svg import fit_svg

COMMAND = "gru-shapes --layers 2 --bidirectional"
WIDTH = 100


def main(target: Path) -> None:
    report = report_for(make_spec(layers=2, bidirectional=True, lang="en"))
    console = Console(
        record=True,
        width=WIDTH,
        file=io.StringIO(),
        color_system="truecolor",
        force_terminal=True,
        force_jupyter=False,
    )
    console.print(Text(f"$ {COMMAND}", style="bold"))
    console.print(render(report))
    target.write_text(fit_svg(console.export_svg(title=COMMAND)))


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "docs" / "screenshot.svg"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
