"""The JSON contracts as shipped are whole: each validates with plain ``jsonschema.validate`` and with
``check-jsonschema`` on the command line, no registry needed, and the trace schema's bundled report
schema is the report schema itself (``scripts/schemas.py`` writes it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import Cli

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import schemas  # noqa: E402


def shipped(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(resources.files("gru_shapes").joinpath(name).read_text())
    return document


def _documents(cli: Cli) -> dict[str, dict[str, Any]]:
    trace = cli("trace", str(ROOT / "examples" / "classifier.py") + ":build", "--json")
    assert trace.exit_code == 0, trace.output
    return {"report.schema.json": cli.json("--layers", "2"), "trace.schema.json": json.loads(trace.stdout)}


def test_the_trace_schema_bundles_the_report_schema_as_it_is() -> None:
    path = resources.files("gru_shapes").joinpath("trace.schema.json")
    text = path.read_text()
    assert schemas.bundled(text, shipped("report.schema.json")) == text, "run python scripts/schemas.py"
    assert '"$ref": "report.schema.json"' not in text


@pytest.mark.parametrize("name", ["report.schema.json", "trace.schema.json"])
def test_a_plain_jsonschema_validate_takes_each_schema_as_shipped(cli: Cli, name: str) -> None:
    # trace.schema.json referred to report.schema.json by a relative $id no default resolver finds:
    # Unresolvable: report.schema.json.
    schema = shipped(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    document = _documents(cli)[name]
    jsonschema.validate(document, schema)
    if name == "trace.schema.json":  # the bundled report schema is enforced inside each call
        document["calls"][0]["report"]["tensors"]["output"]["shape"] = "wrong"
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(document, schema)


@pytest.mark.skipif(shutil.which("check-jsonschema") is None, reason="check-jsonschema is not installed")
@pytest.mark.parametrize("name", ["report.schema.json", "trace.schema.json"])
def test_check_jsonschema_on_the_command_line_takes_each_schema(cli: Cli, name: str, tmp_path: Path) -> None:
    document = tmp_path / "document.json"
    document.write_text(json.dumps(_documents(cli)[name]))
    schema = resources.files("gru_shapes").joinpath(name)
    done = subprocess.run(
        ["check-jsonschema", "--schemafile", str(schema), str(document)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
