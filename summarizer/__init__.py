"""summarizer: Chinese local-government reports -> English briefings with grounded action lists."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("summarizer")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
