"""Validate and zip the amoCRM widget: widget/amocrm → dist/crmqa-amocrm-widget.zip.

    python widget/build.py                 # validate, then write the zip (manifest.json at its root)
    python widget/build.py --check         # validate only
    python widget/build.py --images        # redraw images/*.png (stdlib zlib, no downloads)
    python widget/build.py --out widget.zip

amoCRM's upload docs (developers → integrations → upload) say the archive must be named
widget.zip: rename the default archive before uploading, or pass ``--out dist/widget.zip``.
No network is used.
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

WIDGET_DIR = Path(__file__).resolve().parent / "amocrm"
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "dist" / "crmqa-amocrm-widget.zip"

# amoCRM "Structure of widget": five logos, each at most 300 KB.
REQUIRED_IMAGES: dict[str, tuple[int, int]] = {
    "logo_min.png": (84, 84),
    "logo_medium.png": (240, 84),
    "logo_main.png": (400, 272),
    "logo_small.png": (108, 108),
    "logo.png": (130, 100),
}
MAX_IMAGE_BYTES = 300 * 1024
REQUIRED_FILES = ("manifest.json", "script.js")
WIDGET_KEYS = ("name", "description", "short_description", "version", "interface_version",
               "init_once", "locale", "installation")
SETTING_TYPES = {"text", "pass", "users", "users_lp", "custom"}
LOCATION = re.compile(
    r"(?:lcard|ccard|comcard|cucard|llist|clist|culist|tlist)-[01]"
    r"|settings|advanced_settings|card_sdk|catalogs|digital_pipeline|lead_sources"
    r"|whatsapp_modal|everywhere|sms|mobile_card|amoforms|salesbot_designer"
)
VERSION = re.compile(r"\d+\.\d+\.\d+")
ZIP_TIME = (2024, 1, 1, 0, 0, 0)  # fixed, so the same sources give the same archive

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- PNG


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """An 8-bit RGB PNG whose pixel (x, y) is ``pixel(x, y)``."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(pixel(x, y))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + _chunk(b"IEND", b""))


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = len(PNG_SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError("truncated PNG chunk header")
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise ValueError("truncated PNG chunk")
        if struct.unpack(">I", crc)[0] != zlib.crc32(kind + body):
            raise ValueError(f"bad CRC in PNG chunk {kind!r}")
        yield kind, body
        pos += 12 + length


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a well-formed PNG: signature, CRCs, IHDR first, IDAT inflates, IEND."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    chunks = list(_chunks(data))
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise ValueError("PNG does not start with IHDR")
    if chunks[-1][0] != b"IEND":
        raise ValueError("PNG does not end with IEND")
    idat = b"".join(body for kind, body in chunks if kind == b"IDAT")
    try:
        zlib.decompress(idat)
    except zlib.error:
        raise ValueError("PNG image data does not inflate") from None
    width, height = struct.unpack(">II", chunks[0][1][:8])
    return width, height


BRAND = (37, 99, 235)  # crmqa blue
PAPER = (241, 245, 249)
WHITE = (255, 255, 255)


def _segment_distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return ((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5


def logo_pixel(width: int, height: int) -> Callable[[int, int], tuple[int, int, int]]:
    """A rounded blue square with a white check mark, centred on a light background."""
    side = min(width, height) * 0.86
    left, top = (width - side) / 2, (height - side) / 2
    radius = side * 0.2
    stroke = side * 0.07
    p1 = (left + side * 0.25, top + side * 0.52)
    p2 = (left + side * 0.43, top + side * 0.70)
    p3 = (left + side * 0.76, top + side * 0.32)

    def inside_square(x: float, y: float) -> bool:
        cx = min(max(x, left + radius), left + side - radius)
        cy = min(max(y, top + radius), top + side - radius)
        return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        fx, fy = x + 0.5, y + 0.5
        if not inside_square(fx, fy):
            return PAPER
        near = min(_segment_distance(fx, fy, p1, p2), _segment_distance(fx, fy, p2, p3))
        return WHITE if near <= stroke else BRAND

    return pixel


def draw_images(widget_dir: Path = WIDGET_DIR) -> list[Path]:
    """(Re)write every required logo under ``widget_dir/images``."""
    out = widget_dir / "images"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (width, height) in REQUIRED_IMAGES.items():
        path = out / name
        path.write_bytes(encode_png(width, height, logo_pixel(width, height)))
        written.append(path)
    return written


# --------------------------------------------------------------------------- validation


def i18n_lookup(messages: dict, key: str) -> object:
    """``"widget.name"`` → messages["widget"]["name"], or None."""
    node: object = messages
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def manifest_i18n_keys(manifest: dict) -> list[str]:
    """Every i18n key the manifest refers to (widget texts and setting names)."""
    widget = manifest.get("widget") or {}
    keys = [widget[k] for k in ("name", "description", "short_description") if isinstance(widget.get(k), str)]
    for setting in (manifest.get("settings") or {}).values():
        if isinstance(setting, dict) and isinstance(setting.get("name"), str):
            keys.append(setting["name"])
    advanced = manifest.get("advanced") or {}
    if isinstance(advanced.get("title"), str):
        keys.append(advanced["title"])
    return keys


def _check_widget_block(widget: object) -> list[str]:
    if not isinstance(widget, dict):
        return ["manifest: 'widget' must be an object"]
    problems = [f"manifest: widget.{k} is missing" for k in WIDGET_KEYS if k not in widget]
    if "version" in widget and not VERSION.fullmatch(str(widget["version"])):
        problems.append("manifest: widget.version must look like 1.2.3")
    if widget.get("interface_version") != 2:
        problems.append("manifest: widget.interface_version must be 2")
    for flag in ("init_once", "installation"):
        if flag in widget and not isinstance(widget[flag], bool):
            problems.append(f"manifest: widget.{flag} must be true or false")
    locale = widget.get("locale")
    if not isinstance(locale, list) or not locale or not all(isinstance(x, str) for x in locale):
        problems.append("manifest: widget.locale must be a non-empty list of language codes")
    return problems


def _check_locations(locations: object) -> list[str]:
    if not isinstance(locations, list) or not locations:
        return ["manifest: 'locations' must be a non-empty list"]
    problems = [f"manifest: unknown location {loc!r}" for loc in locations
                if not isinstance(loc, str) or not LOCATION.fullmatch(loc)]
    if not any(isinstance(loc, str) and loc.startswith("lcard-") for loc in locations):
        problems.append("manifest: no deal-card location (lcard-0 / lcard-1)")
    return problems


def _check_settings(settings: object) -> list[str]:
    if settings is None:
        return []
    if not isinstance(settings, dict):
        return ["manifest: 'settings' must be an object"]
    problems = []
    for code, setting in settings.items():
        if not isinstance(setting, dict) or not isinstance(setting.get("name"), str):
            problems.append(f"manifest: settings.{code} needs a name")
        elif setting.get("type") not in SETTING_TYPES:
            problems.append(f"manifest: settings.{code}.type must be one of {sorted(SETTING_TYPES)}")
        elif not isinstance(setting.get("required", False), bool):
            problems.append(f"manifest: settings.{code}.required must be true or false")
    return problems


def _load_json(path: Path, problems: list[str]) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path.name}: missing")
        return None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path.name}: not valid UTF-8 JSON ({exc.__class__.__name__})")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name}: must be a JSON object")
        return None
    return data


def _check_i18n(widget_dir: Path, manifest: dict) -> list[str]:
    problems: list[str] = []
    locales = (manifest.get("widget") or {}).get("locale") or []
    for lang in locales if isinstance(locales, list) else []:
        messages = _load_json(widget_dir / "i18n" / f"{lang}.json", problems)
        if messages is None:
            continue
        for key in manifest_i18n_keys(manifest):
            value = i18n_lookup(messages, key)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"i18n/{lang}.json: no text for {key!r}")
    return problems


def _check_images(widget_dir: Path) -> list[str]:
    problems = []
    for name, size in REQUIRED_IMAGES.items():
        path = widget_dir / "images" / name
        if not path.is_file():
            problems.append(f"images/{name}: missing")
            continue
        data = path.read_bytes()
        if len(data) > MAX_IMAGE_BYTES:
            problems.append(f"images/{name}: larger than 300 KB")
        try:
            actual = png_size(data)
        except ValueError as exc:
            problems.append(f"images/{name}: {exc}")
            continue
        if actual != size:
            problems.append(f"images/{name}: {actual[0]}x{actual[1]}, expected {size[0]}x{size[1]}")
    return problems


def validate(widget_dir: Path = WIDGET_DIR) -> list[str]:
    """Problems that would make amoCRM refuse (or misshow) the widget; [] when fine."""
    problems = [f"{name}: missing" for name in REQUIRED_FILES if not (widget_dir / name).is_file()]
    manifest = _load_json(widget_dir / "manifest.json", problems) if not problems else None
    if manifest is None:
        return problems
    problems += _check_widget_block(manifest.get("widget"))
    problems += _check_locations(manifest.get("locations"))
    problems += _check_settings(manifest.get("settings"))
    problems += _check_i18n(widget_dir, manifest)
    problems += _check_images(widget_dir)
    return problems


# --------------------------------------------------------------------------- zip


def package_files(widget_dir: Path = WIDGET_DIR) -> list[Path]:
    """The files to ship, manifest.json first; hidden files and caches left out."""
    files = [p for p in sorted(widget_dir.rglob("*")) if p.is_file()
             and not any(part.startswith(".") or part == "__pycache__"
                         for part in p.relative_to(widget_dir).parts)]
    return sorted(files, key=lambda p: (p.name != "manifest.json", p.relative_to(widget_dir).as_posix()))


def build(widget_dir: Path = WIDGET_DIR, out: Path = DEFAULT_OUT) -> Path:
    """Validate, then write the archive with manifest.json at its root. ValueError if invalid."""
    problems = validate(widget_dir)
    if problems:
        raise ValueError("widget is not valid:\n  " + "\n  ".join(problems))
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in package_files(widget_dir):
            info = zipfile.ZipInfo(path.relative_to(widget_dir).as_posix(), date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate and zip the crmqa amoCRM widget.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="archive path")
    parser.add_argument("--check", action="store_true", help="validate only")
    parser.add_argument("--images", action="store_true", help="redraw images/*.png first")
    args = parser.parse_args(argv)
    if args.images:
        for path in draw_images(WIDGET_DIR):
            print(f"drew {path.relative_to(WIDGET_DIR.parent)}")
    problems = validate(WIDGET_DIR)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems or args.check:
        return 1 if problems else 0
    print(build(WIDGET_DIR, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
