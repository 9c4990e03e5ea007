"""The widget page in a real browser: a real server (uvicorn), headless Chromium
opens the page with a ticket, shows the findings by direction with the
evidence marked, and its buttons store labels."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.store import Store

from .api_support import synthetic_deals
from .server_support import Server, bearer, serving

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_COPY = Path("/tmp/crmqa_widget.png")
ACCOUNT = "acme"
# the headings the page must show, in this order (CONTRACT's four directions)
DIRECTIONS = {"attentiveness": "Внимательность", "skills": "Навыки", "analytics": "Аналитика",
              "scripts": "Скрипты"}
TEXT_KINDS = {"comment": "comments", "message": "messages", "task": "tasks"}

pytestmark = pytest.mark.browser


def _playwright():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    return sync_playwright, expect


def _marked_text(deal: dict, f: dict) -> str | None:
    """The text the page must show in <mark> for a finding, if any."""
    kind = TEXT_KINDS.get(f.get("entity"))
    span = f.get("span")
    if kind and span:
        for item in deal.get(kind) or ():
            if str(item.get("id")) == str(f.get("entity_id")):
                text = str(item.get("text") or "")
                if 0 <= span[0] < span[1] <= len(text):
                    return text[span[0]:span[1]]
    return f.get("evidence") or None


def _spans(deal: dict, rep: dict) -> int:
    """Findings marked inside a comment, message or task text."""
    return sum(f.get("entity") in TEXT_KINDS and bool(f.get("span"))
               and _marked_text(deal, f) is not None for f in rep["findings"])


@dataclass
class Scored:
    srv: Server
    admin: str
    deals: dict
    reports: dict
    used: set = field(default_factory=set)

    def pick(self) -> dict:
        """An unused report: most findings marked in a text, then most findings."""
        free = [r for r in self.reports.values() if r["deal_id"] not in self.used]
        best = max(free, key=lambda r: (_spans(self.deals[r["deal_id"]], r),
                                        len(r["findings"]), r["deal_id"]))
        assert best["findings"], "no synthetic deal left with findings"
        self.used.add(best["deal_id"])
        return best

    def ticket_url(self, deal_id: str) -> str:
        r = self.srv.client.post("/v1/widget/tickets", json={"deal_id": deal_id},
                                 headers=bearer(self.admin))
        assert r.status_code == 200, r.text
        assert r.json()["url"].startswith(f"/widget/deal/{deal_id}?ticket=")
        return self.srv.url + r.json()["url"]

    def labels(self, deal_id: str) -> list[dict]:
        r = self.srv.client.get(f"/v1/deals/{deal_id}/report", headers=bearer(self.admin))
        assert r.status_code == 200, r.text
        return r.json()["labels"]


@pytest.fixture(scope="module")
def pw():
    return _playwright()


@pytest.fixture(scope="module")
def scored(pw, tmp_path_factory):
    """A real server on a fresh SQLite database, 24 synthetic deals scored."""
    tmp = tmp_path_factory.mktemp("widget_browser")
    db_url = f"sqlite:///{tmp / 'crmqa.sqlite'}"
    store = Store(db_url)
    admin = store.create_token(ACCOUNT, "admin", "e2e")
    store.engine.dispose()
    with serving(db_url, tmp, workers=1) as srv:
        deals = {d["id"]: d for d in synthetic_deals(24)}
        r = srv.client.post("/v1/deals/score", json=list(deals.values()), headers=bearer(admin))
        assert r.status_code == 200, r.text
        assert r.json()["errors"] == []
        yield Scored(srv, admin, deals, {x["deal_id"]: x for x in r.json()["reports"]})


class Page:
    """A Chromium page that may reach only 127.0.0.1, with its errors kept."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 900, "height": 700}, locale="ru-RU")
        self.errors, self.console, self.outside, self.label_posts = [], [], [], []
        self.page.route("**/*", self._only_local)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.console.append(m.text))
        self.page.on("response", lambda r: urlsplit(r.url).path == "/v1/labels"
                     and self.label_posts.append(r.status))

    def _only_local(self, route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def check_clean(self):
        assert self.errors == [], f"JavaScript errors: {self.errors}"
        assert self.console == [], f"console errors: {self.console}"
        assert self.outside == [], f"the page tried to reach beyond 127.0.0.1: {self.outside}"


@pytest.fixture(scope="module")
def browser(pw):
    sync_playwright, _ = pw
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-proxy-server", "--disable-gpu",
                                    "--disable-background-networking",
                                    "--disable-component-update"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    p = Page(browser)
    try:
        yield p
    finally:
        p.page.close()


def test_widget_page_shows_findings_and_confirms_one(pw, scored, page, tmp_path):
    _, expect = pw
    rep = scored.pick()
    assert _spans(scored.deals[rep["deal_id"]], rep), \
        "no synthetic deal has a finding with a span in a text"
    deal_id, deal = rep["deal_id"], scored.deals[rep["deal_id"]]
    pg = page.page

    resp = pg.goto(scored.ticket_url(deal_id), wait_until="load")
    assert resp is not None and resp.status == 200
    assert resp.headers.get("cache-control") == "no-store"
    expect(pg).to_have_title(f"crmqa — сделка {deal_id}")
    expect(pg.locator("h1")).to_contain_text(f"Сделка {deal_id}")

    # one section per direction, Russian heading with its count
    sections = pg.locator("section[data-direction]")
    assert sections.evaluate_all("els => els.map(e => e.dataset.direction)") == list(DIRECTIONS)
    for key, title in DIRECTIONS.items():
        mine = [f for f in rep["findings"] if f["direction"] == key]
        sec = pg.locator(f'section[data-direction="{key}"]')
        expect(sec.locator("h2")).to_have_text(f"{title} ({len(mine)})")
        boxes = sec.locator(".finding")
        expect(boxes).to_have_count(len(mine))
        if not mine:
            expect(sec.locator(".empty")).to_have_text("замечаний нет")
        for i, f in enumerate(mine):
            box = boxes.nth(i)
            assert box.get_attribute("data-code") == f["code"]
            assert (box.get_attribute("data-entity-id") or None) == f.get("entity_id")
            expect(box.locator(".message")).to_have_text(f["message"])
            want = _marked_text(deal, f)
            if want is not None:
                mark = box.locator(".context mark")
                # whitespace-normalised: the evidence is the phrase
                expect(mark).to_have_text(f.get("evidence") or want)
                assert mark.text_content() == want          # exactly the span
            else:
                expect(box.locator("mark")).to_have_count(0)
            expect(box.locator("button.confirm")).to_have_text("подтвердить")
            expect(box.locator("button.reject")).to_have_text("отклонить")
            expect(box.locator(".state")).to_have_text("")

    # confirm the first finding on the page
    first = pg.locator(".finding").first
    code = first.get_attribute("data-code")
    entity_id = first.get_attribute("data-entity-id") or None
    first.locator("button.confirm").click()
    expect(first.locator(".state")).to_have_text("подтверждено", timeout=10_000)
    assert page.label_posts == [200]

    shot = tmp_path / "widget.png"
    pg.screenshot(path=str(shot), full_page=True)
    shutil.copyfile(shot, SCREENSHOT_COPY)

    # the verdict is shown again when the page is opened anew
    pg.reload(wait_until="load")
    expect(pg.locator(".finding").first.locator(".state")).to_have_text("подтверждено")
    page.check_clean()

    labels = scored.labels(deal_id)
    assert [(x["deal_id"], x["target"], x["code"], x["entity_id"], x["verdict"])
            for x in labels] == [(deal_id, "finding", code, entity_id, "confirmed")]


def test_the_last_click_is_the_verdict_kept(pw, scored, page):
    """confirm → reject → confirm: the page said "подтверждено" last, so the
    stored verdict, and the page opened again, must say so too."""
    _, expect = pw
    rep = scored.pick()
    deal_id = rep["deal_id"]
    pg = page.page
    pg.goto(scored.ticket_url(deal_id), wait_until="load")
    first = pg.locator(".finding").first
    code = first.get_attribute("data-code")
    entity_id = first.get_attribute("data-entity-id") or None
    for button, state in (("confirm", "подтверждено"), ("reject", "отклонено"),
                          ("confirm", "подтверждено")):
        first.locator(f"button.{button}").click()
        expect(first.locator(".state")).to_have_text(state, timeout=10_000)
    assert page.label_posts == [200, 200, 200]
    page.check_clean()

    mine = [x for x in scored.labels(deal_id)
            if (x["code"], x["entity_id"]) == (code, entity_id)]
    assert [x["verdict"] for x in mine][-1:] == ["confirmed"], \
        f"stored verdicts, oldest first: {[x['verdict'] for x in mine]}"
    pg.reload(wait_until="load")
    expect(pg.locator(".finding").first.locator(".state")).to_have_text("подтверждено")
