"""publisher: articles in, print-ready PDF and valid EPUB 3 out, Arabic first.

The Python API (see README, "From Python"):

    import publisher
    publisher.build("articles/", out="dist", options=publisher.Options(formats=("pdf", "epub")))

Importing the package is cheap on purpose: the names below are loaded on first use, and
WeasyPrint, ebooklib and fontTools by the modules that use them, so `publisher --help` and
`import publisher` start fast.
"""

from importlib import import_module
from pathlib import Path

__version__ = "0.1.0"

# layouts/ and fonts/ are data folders beside the package, found from here and nothing else.
DATA_ROOT = Path(__file__).resolve().parent.parent

# name -> the module that defines it
_API = {
    "read": "publisher.api", "build": "publisher.api", "render": "publisher.api", "check": "publisher.api",
    "Article": "publisher.model", "Options": "publisher.model", "Publication": "publisher.model",
    "PublisherError": "publisher.errors", "InputError": "publisher.errors", "UsageError": "publisher.errors",
    "LayoutError": "publisher.errors", "RenderError": "publisher.errors",
    "EnvironmentProblem": "publisher.errors",
}
__all__ = [*_API, "__version__"]


def __getattr__(name: str):
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value  # found once
        return value
    raise AttributeError(f"module 'publisher' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
