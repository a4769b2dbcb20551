"""NudeNet photo moderation: verdicts on plain detections with skin evidence, decoding, the real detector
on real photos (dark fur, leather, knitwear and shoes never reject; skin-coloured explicit boxes do)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from core.listing import Photo
from core.models import ModelStore
from core.settings import Settings
from moderation.config import EXPLICIT_LABELS_RU, ModerationConfig
from moderation.images import (
    NUDENET_LABELS,
    bundled_model_path,
    check_photos,
    decode,
    letterbox,
    nudenet_session,
    photo_check,
)

CONFIG = ModerationConfig()
HARMLESS = [label for label in NUDENET_LABELS if label not in EXPLICIT_LABELS_RU]
SKIN = (224, 172, 140)  # a medium skin tone
# Colours of fabrics that NudeNet's 320n mistakes for body parts, none of them skin-coloured.
FABRICS = {
    "black fur": (18, 17, 19), "charcoal velvet": (52, 50, 56), "black leather": (30, 28, 27),
    "grey knitwear": (128, 126, 124), "navy wool": (30, 40, 80), "denim": (70, 90, 130),
    "pink faux fur": (230, 170, 200), "burgundy velvet": (110, 20, 40), "olive suede": (110, 110, 60),
    "white fleece": (245, 245, 245),
}  # fmt: skip
# Shared real photos that NudeNet 320n scores highest for an exposed class (all dressed objects): pink fur
# boots 0.72, jeans on a beige sheet 0.68, a knitted hat 0.55, black trainers on a rug 0.53.
HARDEST_REAL = (
    "clothing-train/shoes/ac8a9f3c-6436-4bfa-8a08-978ec833045c.jpg",
    "clothing-train/pants/45039ee5-2d40-4a5e-a92f-7912e520575b.jpg",
    "clothing-train/hat/7b9bdb6d-e380-4f48-9bc0-e3233a556849.jpg",
    "clothing-train/shoes/70d6fdd0-4a24-429f-a00c-dc946a90f9e3.jpg",
    "clothing-train/shoes/cadf29a3-b15b-49fa-ab60-34534d07e6bb.jpg",
)


def _photo(
    number: int = 1,
    name: str = "a.jpg",
    size: tuple[int, int] = (40, 30),
    colour: tuple[int, int, int] = SKIN,
) -> Photo:
    return Photo(number, name, Image.new("RGB", size, colour))


def _load(path: Path, number: int) -> Photo:
    return Photo(number, path.name, ImageOps.exif_transpose(Image.open(path)).convert("RGB"))


def _detection(label: str, score: float) -> dict:
    return {"class": label, "score": score, "box": [1, 2, 30, 24]}


@pytest.mark.parametrize("label", sorted(EXPLICIT_LABELS_RU))
def test_explicit_detection_rejects_and_names_photo_and_body_part(label: str) -> None:
    check = photo_check(_photo(3, "Beach_IMG.JPG"), [_detection(label, 0.8)], CONFIG, 0.01)
    assert check.verdict == "reject"
    assert check.photo == 3
    assert check.score == pytest.approx(0.8)
    assert check.reason_ru.startswith("Фото 3 (Beach_IMG.JPG): ")
    assert EXPLICIT_LABELS_RU[label] in check.reason_ru


@pytest.mark.parametrize("label", HARMLESS)
def test_feet_belly_armpits_faces_and_covered_parts_never_reject(label: str) -> None:
    check = photo_check(_photo(), [_detection(label, 0.99)], CONFIG, 0.0)
    assert check.verdict == "pass"
    assert check.reason_ru == ""


def test_explicit_detection_below_threshold_passes_and_threshold_is_configurable() -> None:
    detections = [_detection("BUTTOCKS_EXPOSED", 0.45)]
    assert photo_check(_photo(), detections, CONFIG, 0.0).verdict == "pass"
    strict = ModerationConfig(explicit_threshold=0.4)
    assert photo_check(_photo(), detections, strict, 0.0).verdict == "reject"
    only_genitalia = ModerationConfig(explicit_labels=("MALE_GENITALIA_EXPOSED",))
    assert photo_check(_photo(), [_detection("BUTTOCKS_EXPOSED", 0.9)], only_genitalia, 0.0).verdict == "pass"


def test_a_class_can_have_its_own_threshold() -> None:
    breast = CONFIG.explicit_threshold_for("FEMALE_BREAST_EXPOSED")
    assert breast > CONFIG.explicit_threshold == CONFIG.explicit_threshold_for("BUTTOCKS_EXPOSED")
    below = [_detection("FEMALE_BREAST_EXPOSED", round(breast - 0.02, 2))]
    assert photo_check(_photo(), below, CONFIG, 0.0).verdict == "pass"
    other = [_detection("BUTTOCKS_EXPOSED", breast - 0.02)]
    assert photo_check(_photo(), other, CONFIG, 0.0).verdict == "reject"


@pytest.mark.parametrize("fabric", sorted(FABRICS))
@pytest.mark.parametrize("label", sorted(EXPLICIT_LABELS_RU))
def test_exposed_detection_on_fabric_without_skin_passes(fabric: str, label: str) -> None:
    score = round(CONFIG.explicit_certain - 0.01, 2)
    check = photo_check(_photo(colour=FABRICS[fabric]), [_detection(label, score)], CONFIG, 0.0)
    assert check.verdict == "pass"
    assert check.details["explicit"] == []


def test_a_nearly_certain_detection_rejects_whatever_the_colours() -> None:
    grey = _photo(colour=FABRICS["grey knitwear"])
    check = photo_check(grey, [_detection("ANUS_EXPOSED", CONFIG.explicit_certain)], CONFIG, 0.0)
    assert check.verdict == "reject"
    assert check.details["explicit"][0]["skin"] == 0.0


def test_skin_is_judged_in_the_middle_of_the_box_not_its_surroundings() -> None:
    image = Image.new("RGB", (100, 100), SKIN)  # skin-coloured floor around a black boot
    image.paste(FABRICS["black fur"], (25, 25, 75, 75))
    boot = Photo(1, "boot.jpg", image)
    detection = {"class": "MALE_GENITALIA_EXPOSED", "score": 0.8, "box": [0, 0, 100, 100]}
    assert photo_check(boot, [detection], CONFIG, 0.0).verdict == "pass"
    image.paste(SKIN, (25, 25, 75, 75))
    assert photo_check(boot, [detection], CONFIG, 0.0).verdict == "reject"


def test_letterbox_keeps_aspect_and_pads_right_and_bottom_with_black() -> None:
    wide = Image.new("RGB", (640, 320), (255, 0, 0))
    tall = Image.new("RGB", (100, 400), (0, 255, 0))
    batch, factors = letterbox([wide, tall], 320)
    assert batch.shape == (2, 3, 320, 320) and batch.dtype == np.float32
    assert factors == [pytest.approx(2.0), pytest.approx(1.25)]
    assert batch[0, 0, :160].min() == pytest.approx(1.0)  # red channel of the image part
    assert batch[0, 1, :160].max() == pytest.approx(0.0)
    assert batch[0, :, 160:].max() == pytest.approx(0.0)  # padding below
    assert batch[1, 1, :, :80].min() == pytest.approx(1.0)  # green channel of the tall image
    assert batch[1, 0].max() == pytest.approx(0.0)
    assert batch[1, :, :, 80:].max() == pytest.approx(0.0)  # padding on the right


def _raw_output(anchors: int = 50) -> np.ndarray:
    return np.zeros((4 + len(NUDENET_LABELS), anchors), dtype=np.float32)


def test_decode_maps_boxes_to_original_pixels_and_suppresses_duplicates() -> None:
    raw = _raw_output()
    anus = 4 + NUDENET_LABELS.index("ANUS_EXPOSED")
    feet = 4 + NUDENET_LABELS.index("FEET_EXPOSED")
    raw[:4, 0] = [100, 100, 40, 20]  # centre x, y, width, height in model pixels
    raw[anus, 0] = 0.9
    raw[:4, 1] = [101, 100, 40, 20]  # near-duplicate box, lower score: suppressed
    raw[anus, 1] = 0.7
    raw[:4, 2] = [250, 250, 20, 20]
    raw[feet, 2] = 0.5
    raw[:4, 3] = [10, 10, 5, 5]  # below the minimum score: dropped
    raw[feet, 3] = 0.1
    detections = decode(raw, factor=2.0, size=(640, 600), config=CONFIG)
    assert [(d["class"], d["score"]) for d in detections] == [("ANUS_EXPOSED", 0.9), ("FEET_EXPOSED", 0.5)]
    assert detections[0]["box"] == [160, 180, 80, 40]
    assert detections[1]["box"] == [480, 480, 40, 40]


@pytest.mark.slow
def test_every_shared_photo_passes(shared_photos: Path) -> None:
    paths = sorted(shared_photos.rglob("*.jpg"))
    assert len(paths) > 300
    checks = check_photos([_load(p, i) for i, p in enumerate(paths, 1)], ModelStore(Settings()), CONFIG)
    assert len(checks) == len(paths)
    rejected = [(paths[c.photo - 1].name, c.details["detections"]) for c in checks if c.verdict != "pass"]
    assert rejected == []
    assert all(c.seconds > 0 for c in checks)


def test_real_session_output_with_an_explicit_box_rejects_only_where_it_shows_skin(
    shared_photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: only the ONNX session's output is replaced; preprocessing, decoding and verdict run.

    Photos 2 and 3 get the same exposed-breast box at 0.8: on photo 2 (a dress) a skin-coloured patch is
    pasted where the box is, photo 3 is the real pink fur boots photo.
    """
    dresses = sorted((shared_photos / "clothing" / "dress").glob("*.jpg"))[:2]
    paths = [*dresses, shared_photos / HARDEST_REAL[0]]
    photos = [_load(p, i) for i, p in enumerate(paths, 1)]
    factor = max(photos[1].image.size) / CONFIG.nudenet_resolution
    photos[1].image.paste(SKIN, tuple(round(v * factor) for v in (110, 110, 210, 210)))
    models = ModelStore(Settings())
    session = models.load(bundled_model_path(), nudenet_session)  # the instance check_photos will use
    real_run = session.run
    batches = []

    def run_with_explicit_boxes(output_names, feeds):
        (blob,) = feeds.values()
        batches.append(blob.shape)
        (output,) = real_run(output_names, feeds)
        output = output.copy()
        for image in (1, 2):
            output[image, :4, 0] = [160, 160, 100, 100]
            output[image, 4:, 0] = 0.0
            output[image, 4 + NUDENET_LABELS.index("FEMALE_BREAST_EXPOSED"), 0] = 0.8
        return [output]

    monkeypatch.setattr(session, "run", run_with_explicit_boxes)
    checks = check_photos(photos, models, CONFIG)
    assert batches == [(3, 3, 320, 320)]  # one batched run for the listing
    assert [c.verdict for c in checks] == ["pass", "reject", "pass"]
    assert f"Фото 2 ({paths[1].name})" in checks[1].reason_ru
    assert "грудь" in checks[1].reason_ru
    assert checks[1].score == pytest.approx(0.8, abs=1e-4)
    assert checks[1].details["explicit"][0]["skin"] > 0.9
    assert checks[2].score == pytest.approx(0.8, abs=1e-4)


@pytest.mark.parametrize("name", HARDEST_REAL)
def test_hardest_real_clothing_photos_pass(shared_photos: Path, name: str) -> None:
    check = check_photos([_load(shared_photos / name, 1)], ModelStore(Settings()), CONFIG)[0]
    assert check.verdict == "pass"
    assert check.score > 0.5  # NudeNet does see an exposed class in it: the decision is what lets it through


def test_no_photos_no_checks() -> None:
    assert check_photos([], ModelStore(Settings()), CONFIG) == []
