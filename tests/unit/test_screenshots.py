"""The README's screenshots and scripts/screenshots.py agree: every image the README shows exists,
and every scene the script takes is shown. Reads the scene list without starting anything."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
# Markdown images and HTML <img> tags pointing into docs/screenshots/.
IMAGE_REF = re.compile(r"""(?:\]\(|src=["'])(docs/screenshots/[^)"'\s]+)""")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)


def load_script():
    path = ROOT / "scripts" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("tasks_sse_screenshots", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def readme_images() -> list[str]:
    text = HTML_COMMENT.sub("", (ROOT / "README.md").read_text())
    return IMAGE_REF.findall(text)


def test_every_image_the_readme_shows_exists():
    images = readme_images()
    assert images, "the README shows no screenshots"
    missing = [i for i in images if not (ROOT / i).is_file()]
    assert missing == [], f"the README shows images that are not in docs/screenshots: {missing}"


def test_every_scene_is_shown_in_the_readme():
    scenes = load_script().SCENES
    names = [s.name for s in scenes]
    assert len(names) == len(set(names)), f"two scenes share a name: {names}"
    shown = set(readme_images())
    unshown = [n for n in names if f"docs/screenshots/{n}.png" not in shown]
    assert unshown == [], f"scenes whose image the README does not show: {unshown}"


def test_every_scene_has_a_sentence_and_a_way_there():
    for scene in load_script().SCENES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", scene.name), scene.name
        assert scene.shows.strip().endswith("."), scene.name
        assert callable(scene.reach), scene.name


def test_no_image_in_docs_screenshots_is_left_unshown():
    shown = set(readme_images())
    stale = sorted(
        p.relative_to(ROOT).as_posix()
        for p in SHOTS.glob("*.png")
        if p.relative_to(ROOT).as_posix() not in shown
    )
    assert stale == [], f"images no scene or README line uses any more: {stale}"
