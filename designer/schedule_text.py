"""A design schedule as one line of text, for people (forms, summaries): never parsed back."""

from __future__ import annotations

from typing import Any

from designer.model import (
    AssetAlias,
    AssetOrTimeSchedule,
    AssetSchedule,
    IntervalSchedule,
    NamedAsset,
    TimetableSchedule,
)


def schedule_text(schedule: Any) -> str:
    """`@daily`, `every 1:30:00`, `assets: s3://a & (s3://b | alias late)`, `timetable pkg.Cls(cron='0 * * * *')`,
    `0 1 * * 3 or assets: ...`; "" for manual runs only."""
    if schedule is None:
        return ""
    if isinstance(schedule, str):
        return schedule
    if isinstance(schedule, IntervalSchedule):
        return f"every {schedule.interval}"
    if isinstance(schedule, AssetSchedule):
        return f"assets: {_condition(schedule)}"
    if isinstance(schedule, TimetableSchedule):
        return _timetable(schedule)
    if isinstance(schedule, AssetOrTimeSchedule):
        time = schedule.timetable if isinstance(schedule.timetable, str) else _timetable(schedule.timetable)
        return f"{time} or assets: {_condition(schedule.assets)}"
    return str(schedule)


def _condition(condition: AssetSchedule, nested: bool = False) -> str:
    parts = [_condition(item, True) if isinstance(item, AssetSchedule) else _item(item) for item in condition.assets]
    text = (" & " if condition.mode == "all" else " | ").join(parts)
    return f"({text})" if nested and len(parts) > 1 else text


def _item(item: str | NamedAsset | AssetAlias) -> str:
    if isinstance(item, AssetAlias):
        return f"alias {item.alias}"
    if isinstance(item, NamedAsset):
        return f"{item.name} ({item.uri})" if item.name else item.uri
    return item


def _timetable(timetable: TimetableSchedule) -> str:
    args = ", ".join(f"{name}={value!r}" for name, value in timetable.kwargs.items())
    return f"timetable {timetable.timetable}({args})"
