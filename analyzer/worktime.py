"""Working-hours arithmetic for reply norms: "30 working minutes" from a
message written at 23:40 on Friday ends at 09:30 on Monday."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


class Hours:
    def __init__(self, start: str = "09:00", end: str = "19:00",
                 weekdays: list[int] | None = None, tz: str = "Europe/Moscow"):
        self.start, self.end = time.fromisoformat(start), time.fromisoformat(end)
        self.weekdays = set(weekdays or [1, 2, 3, 4, 5])          # ISO: Monday = 1
        self.tz = ZoneInfo(tz)

    @classmethod
    def from_config(cls, table: dict | None, tz: str) -> Hours:
        table = table or {}
        return cls(table.get("start", "09:00"), table.get("end", "19:00"),
                   table.get("weekdays"), tz)

    def _open_at(self, day) -> datetime:
        return datetime.combine(day, self.start, self.tz)

    def _close_at(self, day) -> datetime:
        return datetime.combine(day, self.end, self.tz)

    def next_open(self, t: datetime) -> datetime:
        """`t` if it falls in working hours, else the next opening."""
        local = t.astimezone(self.tz)
        day = local.date()
        for _ in range(15):
            if day.isoweekday() in self.weekdays:
                if local < self._open_at(day):
                    return self._open_at(day)
                if local < self._close_at(day):
                    return local
            day += timedelta(days=1)
            local = self._open_at(day)
        return local

    def add(self, t: datetime, minutes: float) -> datetime:
        """The moment `minutes` working minutes after `t`."""
        left = timedelta(minutes=minutes)
        cur = self.next_open(t)
        for _ in range(400):
            close = self._close_at(cur.date())
            if cur + left <= close:
                return cur + left
            left -= close - cur
            cur = self.next_open(close + timedelta(seconds=1))
        return cur + left
