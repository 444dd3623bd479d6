"""The package's exceptions: one root, and one subclass per exit status."""

from __future__ import annotations

from gru_shapes.i18n import current


class GruShapesError(Exception):
    """Root of every error gru-shapes raises on purpose.

    ``exit_code`` is the process exit status the command line uses for it.
    """

    exit_code = 1
    # The option at fault, named as batch lines name it (``layers``), or None.
    option: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # The language the message was written in, for whatever is said around it.
        self.lang = current()


class OptionError(GruShapesError):
    """A bad argument: the value of one option is not allowed (exit status 2).

    >>> raise OptionError("layers", "--layers must be at least 1, got 0")
    Traceback (most recent call last):
    ...
    gru_shapes.errors.OptionError: --layers must be at least 1, got 0
    """

    exit_code = 2

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


class RunFailure(GruShapesError):
    """The arguments were fine but the run could not be done here (exit status 1):
    the device is missing, memory ran out, torch refused the computation. ``option`` names the
    option that led there when one did (``device`` for a missing GPU)."""

    exit_code = 1

    def __init__(self, message: str, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option
