"""Print the Bitrix24 REST calls that install (or remove) the crmqa deal tab and deal events.

    python widget/bitrix24/install.py https://crmqa.example.ru            # JSON lines: {"method", "params"}
    python widget/bitrix24/install.py https://crmqa.example.ru --format js # an install page for BX24.js
    python widget/bitrix24/install.py https://crmqa.example.ru --uninstall

Nothing is sent: run the calls from the app's context (its install page, or any REST
client with the app's OAuth token). ``placement.bind`` needs an administrator and an
application context; an incoming webhook cannot call it. See install.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from urllib.parse import urlsplit

PLACEMENT = "CRM_DEAL_DETAIL_TAB"
PLACEMENT_PATH = "/widget/bitrix24/placement"
EVENTS_PATH = "/webhooks/bitrix24"
DEAL_EVENTS = ("ONCRMDEALUPDATE", "ONCRMDEALADD")
TAB_TITLE = "Контроль качества"
TAB_DESCRIPTION = "Проверка качества работы по сделке (crmqa)"


def server_base(url: str) -> str:
    """The server URL without a trailing slash; ValueError unless it is a plain https URL.

    Bitrix24 calls the handlers from its own servers, so they must be reachable from the
    internet over https (no localhost).
    """
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("server URL must look like https://host[/prefix]")
    if parts.username or parts.password:
        raise ValueError("server URL must not carry credentials")
    if parts.hostname in {"localhost", "127.0.0.1", "::1"}:
        raise ValueError("Bitrix24 cannot reach localhost; use a public https URL")
    return f"https://{parts.netloc}{parts.path.rstrip('/')}"


def install_calls(server: str) -> list[dict]:
    """placement.bind for the deal tab, then event.bind for each deal event."""
    base = server_base(server)
    calls = [{
        "method": "placement.bind",
        "params": {
            "PLACEMENT": PLACEMENT,
            "HANDLER": base + PLACEMENT_PATH,
            "TITLE": TAB_TITLE,
            "DESCRIPTION": TAB_DESCRIPTION,
            "LANG_ALL": {"ru": {"TITLE": TAB_TITLE, "DESCRIPTION": TAB_DESCRIPTION}},
        },
    }]
    calls += [{"method": "event.bind", "params": {"event": event, "handler": base + EVENTS_PATH}}
              for event in DEAL_EVENTS]
    return calls


def uninstall_calls(server: str) -> list[dict]:
    """The matching placement.unbind / event.unbind calls."""
    base = server_base(server)
    calls = [{"method": "placement.unbind",
              "params": {"PLACEMENT": PLACEMENT, "HANDLER": base + PLACEMENT_PATH}}]
    calls += [{"method": "event.unbind", "params": {"event": event, "handler": base + EVENTS_PATH}}
              for event in DEAL_EVENTS]
    return calls


def as_json_lines(calls: list[dict]) -> str:
    return "\n".join(json.dumps(call, ensure_ascii=False, sort_keys=True) for call in calls)


def as_install_page(calls: list[dict]) -> str:
    """A minimal install page: BX24.callBatch with the calls, then BX24.installFinish()."""
    batch = {f"c{i}": [call["method"], call["params"]] for i, call in enumerate(calls)}
    payload = json.dumps(batch, ensure_ascii=False, indent=2).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="ru">
<head><meta charset="utf-8"><title>crmqa: установка</title>
<script src="//api.bitrix24.com/api/v1/"></script></head>
<body>
<p id="status">Устанавливаем вкладку «{TAB_TITLE}»…</p>
<script>
BX24.init(function () {{
  var calls = {payload};
  BX24.callBatch(calls, function (result) {{
    var failed = Object.keys(result).filter(function (key) {{ return result[key].error(); }});
    if (failed.length) {{
      document.getElementById('status').textContent = 'Ошибка установки: ' + failed.join(', ');
      return;
    }}
    BX24.installFinish();
  }});
}});
</script>
</body>
</html>"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print Bitrix24 REST calls for the crmqa deal tab.")
    parser.add_argument("server", help="public https URL of the crmqa server")
    parser.add_argument("--format", choices=("json", "js"), default="json")
    parser.add_argument("--uninstall", action="store_true", help="print the unbind calls instead")
    args = parser.parse_args(argv)
    try:
        calls = uninstall_calls(args.server) if args.uninstall else install_calls(args.server)
    except ValueError as exc:
        parser.error(str(exc))
    print(as_install_page(calls) if args.format == "js" else as_json_lines(calls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
