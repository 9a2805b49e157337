"""A tiny package for the import-hook test: nothing here is decorated by hand."""
