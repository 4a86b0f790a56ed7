"""Catalog: what the library holds in one edition, who may see it, and how works rank."""
