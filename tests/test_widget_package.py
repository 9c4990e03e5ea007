"""The amoCRM widget archive and the Bitrix24 install calls (widget/)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WIDGET = ROOT / "widget"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load("crmqa_widget_build", WIDGET / "build.py")
install = _load("crmqa_bitrix_install", WIDGET / "bitrix24" / "install.py")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> zipfile.ZipFile:
    out = build.build(build.WIDGET_DIR, tmp_path_factory.mktemp("dist") / "crmqa-amocrm-widget.zip")
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        yield zf


@pytest.fixture(scope="module")
def manifest(archive) -> dict:
    return json.loads(archive.read("manifest.json").decode("utf-8"))


@pytest.fixture(scope="module")
def ru(archive) -> dict:
    return json.loads(archive.read("i18n/ru.json").decode("utf-8"))


def test_manifest_is_at_the_archive_root(archive):
    names = archive.namelist()
    assert names[0] == "manifest.json"
    assert {"manifest.json", "script.js", "i18n/ru.json"} <= set(names)
    assert not any(n.startswith(("/", "amocrm/", "widget/")) or ".." in n for n in names)
    assert not any(Path(n).name.startswith(".") for n in names)


def test_manifest_shape(manifest):
    widget = manifest["widget"]
    assert widget["interface_version"] == 2
    assert widget["init_once"] is False and widget["installation"] is True
    assert widget["locale"] == ["ru"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", widget["version"])
    assert "lcard-1" in manifest["locations"]
    server = manifest["settings"]["server_url"]
    assert server["type"] == "text" and server["required"] is True


def test_manifest_i18n_keys_exist_in_russian(manifest, ru):
    keys = build.manifest_i18n_keys(manifest)
    assert {"widget.name", "widget.description", "widget.short_description", "settings.server_url"} <= set(keys)
    for key in keys:
        value = build.i18n_lookup(ru, key)
        assert isinstance(value, str) and re.search("[а-яё]", value, re.IGNORECASE), key


def test_script_texts_match_the_russian_i18n(archive, ru):
    script = archive.read("script.js").decode("utf-8")
    block = re.search(r"var FALLBACK_TEXT = \{(.*?)\};", script, re.S).group(1)
    fallback = dict(re.findall(r"(\w+): '([^']*)'", block))
    assert fallback == ru["panel"]
    used = set(re.findall(r"(?:text|showMessage)\('(\w+)'", script))
    error_keys = re.search(r"function errorKey\(xhr\) \{(.*?)\n    \}", script, re.S).group(1)
    used |= set(re.findall(r"'(\w+)'", error_keys))
    assert {"title", "loading", "unsaved", "no_server", "denied", "not_found", "unavailable"} <= used
    assert used <= set(ru["panel"]), used - set(ru["panel"])


def test_script_uses_the_documented_widget_api(archive):
    script = archive.read("script.js").decode("utf-8")
    for callback in ("render", "init", "bind_actions", "settings", "onSave", "destroy"):
        assert re.search(rf"\b{callback}: function", script), callback
    assert "AMOCRM.data.current_card" in script
    assert "self.$authorizedAjax(" in script
    assert "/widget/deal/' + encodeURIComponent(dealId) + '?crm=amocrm'" in script
    assert re.search(r"sandbox: '[^']*'", script) and "allow-same-origin" not in script


def test_script_is_valid_javascript(archive, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH")
    path = tmp_path / "script.js"
    path.write_bytes(archive.read("script.js"))
    result = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name, size", sorted(build.REQUIRED_IMAGES.items()))
def test_images_are_pngs_of_the_required_sizes(archive, name, size):
    data = archive.read(f"images/{name}")
    assert len(data) <= build.MAX_IMAGE_BYTES
    assert build.png_size(data) == size


def test_png_reader_refuses_broken_files():
    good = build.encode_png(3, 2, lambda x, y: (x * 80, y * 100, 0))
    assert build.png_size(good) == (3, 2)
    corrupt = bytearray(good)
    corrupt[-20] ^= 0xFF  # inside IDAT: its CRC no longer matches
    for data in (b"GIF89a", good[:30], bytes(corrupt), good[:-12]):
        with pytest.raises(ValueError):
            build.png_size(data)


def test_source_widget_is_valid():
    assert build.validate(build.WIDGET_DIR) == []


def _broken_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "amocrm"
    shutil.copytree(build.WIDGET_DIR, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["locations"] = ["llist-0", "nowhere"]
    manifest["widget"]["interface_version"] = 1
    manifest["settings"]["token"] = {"name": "settings.token", "type": "secret"}
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (copy / "images" / "logo_min.png").write_bytes(build.encode_png(10, 10, lambda x, y: (0, 0, 0)))
    (copy / "images" / "logo.png").unlink()
    return copy


def test_validation_reports_every_problem(tmp_path):
    problems = "\n".join(build.validate(_broken_copy(tmp_path)))
    for expected in ("interface_version", "unknown location 'nowhere'", "no deal-card location",
                     "settings.token.type", "images/logo_min.png: 10x10", "images/logo.png: missing"):
        assert expected in problems
    with pytest.raises(ValueError, match="not valid"):
        build.build(tmp_path / "amocrm", tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def test_missing_i18n_text_is_reported(tmp_path):
    copy = tmp_path / "amocrm"
    shutil.copytree(build.WIDGET_DIR, copy)
    ru = json.loads((copy / "i18n" / "ru.json").read_text(encoding="utf-8"))
    del ru["settings"]["server_url"]
    (copy / "i18n" / "ru.json").write_text(json.dumps(ru, ensure_ascii=False), encoding="utf-8")
    assert build.validate(copy) == ["i18n/ru.json: no text for 'settings.server_url'"]


def test_build_is_reproducible(tmp_path):
    first = build.build(build.WIDGET_DIR, tmp_path / "a.zip").read_bytes()
    second = build.build(build.WIDGET_DIR, tmp_path / "b.zip").read_bytes()
    assert first == second


def test_build_cli_check():
    assert build.main(["--check"]) == 0


# --------------------------------------------------------------------------- Bitrix24


def test_bitrix_install_calls():
    calls = install.install_calls("https://crmqa.example.ru/qa/")
    assert [c["method"] for c in calls] == ["placement.bind", "event.bind", "event.bind"]
    placement = calls[0]["params"]
    assert placement["PLACEMENT"] == "CRM_DEAL_DETAIL_TAB"
    assert placement["HANDLER"] == "https://crmqa.example.ru/qa/widget/bitrix24/placement"
    assert placement["LANG_ALL"]["ru"]["TITLE"] == "Контроль качества"
    assert {(c["params"]["event"], c["params"]["handler"]) for c in calls[1:]} == {
        ("ONCRMDEALUPDATE", "https://crmqa.example.ru/qa/webhooks/bitrix24"),
        ("ONCRMDEALADD", "https://crmqa.example.ru/qa/webhooks/bitrix24"),
    }
    undo = install.uninstall_calls("https://crmqa.example.ru/qa")
    assert [c["method"] for c in undo] == ["placement.unbind", "event.unbind", "event.unbind"]


@pytest.mark.parametrize("url", ["http://crmqa.example.ru", "https://localhost:8000", "crmqa.example.ru",
                                 "https://user:pw@crmqa.example.ru", "https://crmqa.example.ru/?x=1"])
def test_bitrix_install_refuses_unusable_urls(url):
    with pytest.raises(ValueError):
        install.install_calls(url)


def test_bitrix_install_cli_prints_json_lines_and_page(capsys):
    assert install.main(["https://crmqa.example.ru"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [json.loads(line)["method"] for line in lines] == ["placement.bind", "event.bind", "event.bind"]
    assert install.main(["https://crmqa.example.ru", "--format", "js"]) == 0
    page = capsys.readouterr().out
    assert "BX24.callBatch" in page and "BX24.installFinish()" in page and "CRM_DEAL_DETAIL_TAB" in page
