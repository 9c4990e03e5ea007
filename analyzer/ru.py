"""Russian wording helpers for auditors' messages."""

from __future__ import annotations


def plural(n: int, one: str, few: str, many: str) -> str:
    """The noun form for `n`: 1 лид, 3 лида, 5 лидов (11–14 take `many`)."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    return few if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else many


DIRECTION_NAMES = {"attentiveness": "Внимательность", "skills": "Навыки",
                   "analytics": "Аналитика", "scripts": "Скрипты"}

CHANNEL_NAMES = {"phone": "телефон", "whatsapp": "WhatsApp", "telegram": "Telegram",
                 "viber": "Viber", "max": "MAX", "vk": "ВКонтакте", "instagram": "Instagram",
                 "email": "e-mail", "sms": "SMS", "site_chat": "чат на сайте",
                 "meeting": "встречу", "other": "другой канал"}


def channel_name(code: str) -> str:
    """How an auditor reads a channel code: "phone" → "телефон"."""
    return CHANNEL_NAMES.get(code, code)
