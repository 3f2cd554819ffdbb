"""Loads the conformance plugin (options, targets, reports); the suites are in suites/."""
pytest_plugins = ["smartcheck.plugin"]
