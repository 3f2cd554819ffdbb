"""Report writers: terminal summary, HTML sections, endpoints.json."""
