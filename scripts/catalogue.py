"""Keep the Korean message catalogue in step with the code.

    python scripts/catalogue.py update    # add new strings to the .po, drop the ones no longer used
    python scripts/catalogue.py compile   # .po -> .mo, the file gettext reads at run time

Translate in ``gru_shapes/locale/ko/LC_MESSAGES/gru_shapes.po`` between the two. The tests fail
while a string lacks its Korean, or while the .mo is older than the .po. Needs Babel (the test extra).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gru_shapes"
PO = PACKAGE / "locale" / "ko" / "LC_MESSAGES" / "gru_shapes.po"
MO = PO.with_suffix(".mo")
# _() translates where the string is used; N_() marks one defined before the language is known.
KEYWORDS = {"_": None, "N_": None}


def extract() -> Catalog:
    """Every string the package marks for translation, with where it is used."""
    catalog = Catalog(project="gru-shapes", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        catalog.add(
            message, None, [(f"gru_shapes/{filename}", lineno)], auto_comments=comments, context=context
        )
    return catalog


def read() -> Catalog:
    with PO.open("rb") as file:
        return read_po(file, locale="ko")


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


HEADER = """\
# Korean messages of gru-shapes: each English string of the code (msgid) and its Korean (msgstr).
# Edit the Korean here, then run: python scripts/catalogue.py compile
#"""


def write(catalog: Catalog) -> None:
    catalog.header_comment = HEADER
    catalog.project, catalog.version = "gru-shapes", "1"
    catalog.last_translator = catalog.language_team = "gru-shapes"
    catalog.msgid_bugs_address = ""
    # No line numbers: they would change the file with every edit of the code.
    with PO.open("wb") as file:
        write_po(file, catalog, width=0, sort_output=True, include_lineno=False)


def update() -> int:
    catalog = read()
    created = catalog.creation_date  # Catalog.update takes the template's; keep ours so an update
    catalog.update(extract(), no_fuzzy_matching=True)  # with nothing new changes nothing
    catalog.creation_date = created
    catalog.obsolete.clear()  # strings the code no longer uses
    write(catalog)
    missing = [m.id for m in catalog if m.id and not m.string]
    for message in missing:
        print(f"to translate: {message!r}")
    return 1 if missing else 0


def compile_catalogue() -> int:
    MO.write_bytes(compiled(read()))
    return 0


if __name__ == "__main__":
    commands = {"update": update, "compile": compile_catalogue}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    sys.exit(commands[sys.argv[1]]())
