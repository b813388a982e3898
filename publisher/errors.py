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


class Bug(Exception):
    """A failure in publisher's own code, not in the input, the machine or WeasyPrint, while
    making `label`: reported as a bug (exit status 70, the traceback with --debug). It carries
    its traceback as text, so that one raised in a worker process reaches the CLI whole."""

    exit_code = 70

    def __init__(self, label: str, cause: str, trace: str = ""):
        super().__init__(label, cause, trace)
        self.label, self.cause, self.trace = label, cause, trace

    @classmethod
    def of(cls, label: str, exc: BaseException) -> Bug:
        import traceback

        if isinstance(exc, Bug):
            return exc
        return cls(label, f"{type(exc).__name__}: {exc}", "".join(traceback.format_exception(exc)))

    def __str__(self) -> str:
        return f"{self.label}: {self.cause}"

    def one_line(self) -> str:
        return (f"bug: {self} (a fault in publisher, not in the article: run with --debug for the traceback, "
                "and report it)")
