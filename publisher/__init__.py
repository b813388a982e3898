"""publisher: articles in, print-ready PDF and valid EPUB 3 out, Arabic first.

Importing the package is cheap on purpose: WeasyPrint, ebooklib and fontTools are imported by
the modules that use them, so `publisher --help` starts fast.
"""

from pathlib import Path

__version__ = "0.1.0"

# layouts/ and fonts/ are data folders beside the package, found from here and nowhere else.
DATA_ROOT = Path(__file__).resolve().parent.parent
