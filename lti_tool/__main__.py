"""`python -m lti_tool` runs the same command line as `lti-tool`."""

from lti_tool.cli import run

run()
