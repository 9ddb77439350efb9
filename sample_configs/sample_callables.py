"""Python callables that the sample designs name by dotted path (`sample_callables.<name>`).

Copy this module next to an exported DAG (or onto the workers' PYTHONPATH) to run the samples.
"""

from __future__ import annotations


def extract(**_context):
    return [{"id": i, "value": i * 10} for i in range(3)]


def choose_load_mode(**context):
    """Branch: a full load on the first of the month, else an incremental one."""
    logical_date = context.get("logical_date")
    return "full_load" if logical_date is not None and logical_date.day == 1 else "incremental_load"


def list_files(**_context):
    return [["a.csv"], ["b.csv"], ["c.csv"]]


def process_file(name, **_context):
    return len(name)


def summarize(**context):
    return sum(context["ti"].xcom_pull(task_ids="process_file") or [])


def read_watermark(**_context):
    return "2024-01-01T00:00:00"


def write_watermark(**_context):
    return None


def check_health(**_context):
    return True


def notify_failure(context):
    print(f"task failed: {context.get('task_instance')}")
