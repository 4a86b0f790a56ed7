"""Everything that touches MkDocs: the `koc` plugin and the pieces it hands to MkDocs."""
