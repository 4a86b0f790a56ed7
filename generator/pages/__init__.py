"""Pages: the catalog → page sources (site path → Markdown), with the media they use."""
