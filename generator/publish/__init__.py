"""Publish: build into a temporary folder and swap it into place, or export page sources."""
