"""Bundle the report schema into the trace schema, so that each is whole as shipped.

    python scripts/schemas.py

``trace.schema.json`` embeds a report per call. Named by ``{"$ref": "report.schema.json"}`` it needed
a registry that knows that file (a plain ``jsonschema.validate(doc, schema)`` raised ``Unresolvable:
report.schema.json``), and a relative ``$id`` cannot be resolved as an embedded resource either. So
the trace schema carries the report schema in its own ``$defs`` (``report``, beside the report's
definitions it refers to) and refers to it as ``#/$defs/report``: every reference is a JSON pointer
into the document, and no valid document changes. Run this after editing ``report.schema.json``; a
test fails while the bundled copy differs from it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent / "gru_shapes"
REPORT = PACKAGE / "report.schema.json"
TRACE = PACKAGE / "trace.schema.json"
REFERENCE = '"$ref": "#/$defs/report"'
_BUNDLE = re.compile(r',\n  "\$defs": \{\n.*\n  \}\n\}\n\Z', re.DOTALL)


def definitions(report: dict[str, Any]) -> dict[str, Any]:
    """The trace schema's $defs: the report schema as ``report``, and the definitions it refers to."""
    inner = {key: value for key, value in report.items() if key not in ("$schema", "$id", "$defs")}
    shared = report.get("$defs", {})
    assert "report" not in shared, "the report schema's own definitions must not be named report"
    return {"report": inner, **shared}


def bundled(trace_text: str, report: dict[str, Any]) -> str:
    """The trace schema's text with the report bundled at its end (its own part left as written)."""
    body = _BUNDLE.sub("\n}\n", trace_text).rstrip()
    body = body.replace('"$ref": "report.schema.json"', REFERENCE)
    assert body.endswith("}") and REFERENCE in body, (
        "the trace schema is one JSON object that embeds a report"
    )
    # The trace's own definitions (its rule ids) stay, ahead of the bundled report's.
    report_names = {"report", *report.get("$defs", {})}
    own = {k: v for k, v in json.loads(trace_text).get("$defs", {}).items() if k not in report_names}
    copy = json.dumps({**own, **definitions(report)}, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    return body[:-1].rstrip() + ',\n  "$defs": ' + copy + "\n}\n"


def main() -> None:
    report = json.loads(REPORT.read_text())
    TRACE.write_text(bundled(TRACE.read_text(), report))


if __name__ == "__main__":
    main()
