from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner

from gru_shapes.cli import app

# Forward passes take milliseconds, with outliers on a busy machine: no per-example deadline.
settings.register_profile(
    "default", deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("default")


class Cli:
    """Runs the command line in-process, stdout and stderr kept apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Any:
        return self.runner.invoke(app, list(args), env=env)

    def json(self, *args: str) -> dict[str, Any]:
        result = self("--json", *args)
        assert result.exit_code == 0, result.output
        report: dict[str, Any] = json.loads(result.stdout)
        return report


@pytest.fixture
def cli() -> Cli:
    return Cli()
