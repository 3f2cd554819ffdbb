"""Fixtures for the project's own tests: pytester, loopback servers, suite runs."""
pytest_plugins = ["pytester"]
