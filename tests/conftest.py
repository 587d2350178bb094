"""Shared pytest setup. Its presence also puts tests/ on sys.path (pytest inserts the
folder of a conftest that is not inside a package), so test files anywhere below can
`import oracle`."""
