"""Schedule strings: Airflow's presets and cron expressions."""

from __future__ import annotations

from croniter import CroniterError, croniter

# Presets Airflow accepts as `schedule=` strings, with the cron they stand for (None: not a cron).
PRESETS: dict[str, str | None] = {
    "@once": None,
    "@continuous": None,
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


def cron_problem(schedule: str) -> str | None:
    """Why `schedule` is neither an Airflow preset nor a valid cron expression, or None."""
    if schedule in PRESETS:
        return None
    if schedule.startswith("@"):
        return f"is not a preset Airflow knows ({', '.join(PRESETS)})"
    fields = schedule.split()
    if len(fields) not in (5, 6, 7):
        return f"has {len(fields)} fields; a cron expression has 5 (minute hour day month weekday)"
    try:
        croniter(schedule)
    except (CroniterError, ValueError, KeyError) as exc:
        return f"is not a valid cron expression ({exc})"
    return None
