"""One error hierarchy, raised where a problem is found and printed once, at the CLI."""

from __future__ import annotations

from pathlib import Path


class PublisherError(Exception):
    """A problem the user can act on: what is wrong, where, and what to do about it."""

    category = "error"
    exit_code = 2

    def __init__(
        self, message: str, *, path: Path | str | None = None, hint: str | None = None, record: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.path = path
        self.hint = hint
        self.record = record
        """The record, counting from 1, in a file of many articles."""

    def __str__(self) -> str:
        where = f"{self.path}{f' record {self.record}' if self.record else ''}: " if self.path else ""
        fix = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{fix}"

    def one_line(self) -> str:
        """The line the CLI prints: category, file, what is wrong, what to do."""
        return f"{self.category}: {self}"


class InputError(PublisherError):
    """An article or an option that cannot be used as given."""

    category = "input"


class UsageError(PublisherError):
    """A command line that asks for something that does not exist."""

    category = "usage"


class LayoutError(PublisherError):
    """A layout that is missing or broken."""

    category = "layout"


class EnvironmentProblem(PublisherError):
    """The machine lacks something the work needs: a system library, Java."""

    category = "environment"
    exit_code = 3


class RenderError(PublisherError):
    """An output could not be made from a valid article."""

    category = "render"
    exit_code = 1
