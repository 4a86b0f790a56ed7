"""The `koc` command line."""

from generator.cli.commands import build_parser, main

__all__ = ["build_parser", "main"]
