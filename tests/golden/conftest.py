# Golden files are expected exporter output, not tests: the generated `tests/test_dag_*.py` modules
# in here must not be collected by the project's own test run.
collect_ignore_glob = ["*"]
