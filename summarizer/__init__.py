"""summarizer: Chinese local-government reports -> English briefings with grounded action lists."""

# the one place the version is written (pyproject.toml reads it: [tool.setuptools.dynamic])
__version__ = "0.2.0"
