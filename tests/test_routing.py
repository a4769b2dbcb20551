"""Every branch of the routing decision."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pipeline.routing import decide, requested_checkpoint, route_name, serving_routes


@dataclass
class Manifest:
    """The routing-relevant fields of a checkpoint manifest."""

    name: str
    images: str
    routes: tuple[str, ...]
    present: bool = True
    problem: str | None = None


TEMPLATE = Manifest("template", "multi", ("text", "single", "multi"))
SINGLE = Manifest("vit", "single", ("single", "multi"))
MULTI = Manifest("vlm", "multi", ("text", "single", "multi"))
TEXT_ONLY = Manifest("textgen", "none", ("text",))


def _never() -> int | None:
    raise AssertionError("photo choice must not be asked for")


@pytest.mark.parametrize(("count", "expected"), [(0, "text"), (1, "single"), (2, "multi"), (10, "multi")])
def test_route_by_photo_count(count: int, expected: str) -> None:
    assert route_name(count) == expected


def test_requested_checkpoint_per_route() -> None:
    assert requested_checkpoint("multi", "a", "b", "template") == "b"
    assert requested_checkpoint("single", "a", "b", "template") == "a"
    assert requested_checkpoint("text", "a", "b", "template") == "a"
    assert requested_checkpoint("multi", "a", None, "template") == "template"


def test_multi_model_sees_every_photo() -> None:
    route = decide(3, MULTI, TEMPLATE, _never)
    assert (route.name, route.checkpoint, route.photos, route.notes) == ("multi", "vlm", [0, 1, 2], [])


def test_single_model_with_many_photos_gets_best_match() -> None:
    route = decide(4, SINGLE, TEMPLATE, lambda: 2)
    assert route.checkpoint == "vit" and route.photos == [2]
    assert "фото 3" in route.notes[0]


def test_single_model_with_many_photos_and_no_ruclip_gets_first() -> None:
    route = decide(4, SINGLE, TEMPLATE, lambda: None)
    assert route.photos == [0]
    assert "первое" in route.notes[0]


def test_single_model_with_one_photo() -> None:
    route = decide(1, SINGLE, TEMPLATE, _never)
    assert (route.name, route.photos, route.notes) == ("single", [0], [])


def test_route_not_served_falls_back_and_says_so() -> None:
    route = decide(0, SINGLE, TEMPLATE, _never)
    assert route.name == "text" and route.requested == "vit" and route.checkpoint == "template"
    assert "vit" in route.notes[0] and "template" in route.notes[0]


def test_missing_weights_fall_back_with_download_command() -> None:
    absent = Manifest("vlm", "multi", ("text", "single", "multi"), present=False)
    route = decide(2, absent, TEMPLATE, _never)
    assert route.checkpoint == "template" and route.photos == [0, 1]
    assert "python -m pipeline download vlm" in route.notes[0]


def test_broken_weights_fall_back_with_the_reason() -> None:
    broken = Manifest("vlm", "multi", ("text", "single", "multi"), problem="не хватает файлов: config.json")
    route = decide(1, broken, TEMPLATE, _never)
    assert route.checkpoint == "template"
    assert "повреждена" in route.notes[0] and "config.json" in route.notes[0]


def test_text_only_model_sees_no_photos() -> None:
    route = decide(0, TEXT_ONLY, TEMPLATE, _never)
    assert (route.checkpoint, route.photos) == ("textgen", [])


def test_route_dict_names_route_in_russian() -> None:
    assert decide(0, TEMPLATE, TEMPLATE, _never).to_dict()["name_ru"] == "только текст (без фото)"


def test_serving_routes_filters_dropdown() -> None:
    found = serving_routes([TEMPLATE, SINGLE, MULTI, TEXT_ONLY], "text")
    assert [c.name for c in found] == ["template", "vlm", "textgen"]
