#!/usr/bin/env python3
"""The schemathesis command line, with one workaround for this machine's Python.

CPython 3.11.7's ast.parse now and then raises "SystemError: AST constructor recursion depth mismatch" when
hypothesis parses source files to describe a lambda for a strategy's repr; schemathesis then reports a flaky
runtime error that has nothing to do with the server. The descriptions are only shown in messages, so they are
replaced by a fixed text. Everything else is schemathesis as installed.
"""
import sys

from hypothesis.internal import lambda_sources

lambda_sources.lambda_description = lambda f: "lambda"

from schemathesis.cli import schemathesis  # noqa: E402  (after the patch)

sys.exit(schemathesis())
