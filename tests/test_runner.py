"""Pipeline.run end to end on the real stages: order, timings, refusals, compare, shared embeddings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from captioning.base import LOW_CONFIDENCE
from captioning.registry import KINDS
from core.settings import PROJECT_ROOT
from core.text import INVISIBLE
from masking import mask
from moderation import ModerationConfig
from pipeline import Listing, Pipeline, Settings
from pipeline.runner import STAGES_RU
from ruclip_port import load_ruclip
from tests.checkpoint_folders import TEMPLATE, write_manifest
from tests.neural_fixtures import build_vit_gpt2
from tests.tiny_models import make_tiny_ruclip

ALL_STAGES = [*STAGES_RU, "total"]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(Settings.from_env())


def _photos(tmp_path: Path, count: int) -> list[Path]:
    paths = []
    for index in range(count):
        path = tmp_path / f"photo{index + 1}.jpg"
        Image.new("RGB", (96, 72), (40 + 50 * index, 90, 160)).save(path)
        paths.append(path)
    return paths


def test_stages_run_in_design_order_and_are_timed(pipeline: Pipeline) -> None:
    result = pipeline.run(Listing([], {"Тип": "Чашка", "Цена": "350"}, "Чашка с блюдцем."))
    assert result.status == "ok", result.reasons
    assert list(result.timings) == ALL_STAGES
    assert all(seconds >= 0 for seconds in result.timings.values())
    assert result.timings["total"] >= sum(v for k, v in result.timings.items() if k != "total") * 0.99
    assert "350" in result.text and "<PRICE>" not in result.text
    assert result.masking["values"] == {"<PRICE>": "350"}


def test_validation_refusal_stops_before_moderation(pipeline: Pipeline, tmp_path: Path) -> None:
    result = pipeline.run(Listing(_photos(tmp_path, 11), {"Цена": "100"}))
    assert result.status == "rejected"
    assert list(result.timings) == ["validate", "total"]
    assert result.text == "" and not result.moderation


def test_moderation_refusal_reports_checks_and_stops(pipeline: Pipeline) -> None:
    result = pipeline.run(Listing([], {"Цена": "100"}, "Звоните +7 999 123-45-67"))
    assert result.status == "rejected"
    assert list(result.timings) == ["validate", "moderate", "total"]
    assert result.moderation and any("123-45-67" in reason for reason in result.reasons)


def test_unknown_checkpoint_refused_with_list(pipeline: Pipeline) -> None:
    result = pipeline.run(Listing([], {"Цена": "100"}), single_checkpoint="../../etc")
    assert result.status == "error"
    assert "template" in result.reasons[0]


def test_compare_shares_stages_before_generation(pipeline: Pipeline) -> None:
    results = pipeline.compare(Listing([], {"Тип": "Стол", "Цена": "900"}), ["template", "template"])
    assert [r.status for r in results] == ["ok", "ok"]
    assert results[0].timings["moderate"] == results[1].timings["moderate"]
    assert results[0] is not results[1] and results[0].scores is not results[1].scores


def test_progress_reports_every_stage_and_ends_at_one(pipeline: Pipeline) -> None:
    seen: list[tuple[float, str]] = []
    pipeline.run(Listing([], {"Цена": "100"}, "Чашка"), progress=lambda f, s: seen.append((f, s)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {s for _, s in seen} >= set(STAGES_RU.values())


# The tiny ruCLIP's random weights rank the text anywhere among the category prompts; a moderation
# config that only warns on a mismatch lets the run through every stage.
LENIENT = ModerationConfig(mismatch_verdict="warn")


def test_full_pass_with_scores_and_each_photo_encoded_once(tmp_path: Path) -> None:
    models = tmp_path / "models"
    make_tiny_ruclip(models / "ruclip-vit-base-patch32-384")
    pipeline = Pipeline(Settings(models_dir=models), moderation=LENIENT)
    model = load_ruclip(pipeline.models)
    assert model is not None
    encoded: list[int] = []
    real_encode = model.encode_images

    def counting_encode(images, *args, **kwargs):  # type: ignore[no-untyped-def]
        encoded.append(len(images))
        return real_encode(images, *args, **kwargs)

    model.encode_images = counting_encode  # type: ignore[method-assign]
    try:
        listing = Listing(_photos(tmp_path, 3), {"Тип": "Чашка", "Цена": "300"}, "Чашка")
        result = pipeline.run(listing)
    finally:
        del model.encode_images
    assert result.status == "ok", result.reasons
    assert encoded == [3]  # moderation, diversity and scoring shared one batch of the three photos
    assert list(result.timings) == ALL_STAGES
    assert "300" in result.text
    for name in ("clip_text_photo_mean", "clip_text_photo_max", "clip_photo_photo_mean"):
        assert -1.0 <= result.scores[name] <= 1.0
    match = [c for c in result.moderation if c["name"] == "photo_text_match"]
    assert len(match) == 3 and all(c["verdict"] in ("pass", "warn") for c in match)
    assert result.diversity["signals"]["photos_zero_shot"] is not None


def _blue_item_photos(tmp_path: Path, count: int) -> list[Path]:
    """Photos of one plain blue item on a light background: the colour estimate names it «синий»."""
    paths = []
    for index in range(count):
        image = Image.new("RGB", (400, 600), (235, 235, 230))
        image.paste(Image.new("RGB", (240, 400), (25, 40, 190)), (80, 100))
        path = tmp_path / f"blue{index + 1}.jpg"
        image.save(path)
        paths.append(path)
    return paths


def test_a_photo_colour_is_a_fact_only_when_ruclip_matched_every_photo(tmp_path: Path) -> None:
    models = tmp_path / "models"
    make_tiny_ruclip(models / "ruclip-vit-base-patch32-384")
    listing = Listing(_blue_item_photos(tmp_path, 2), {"Тип": "Куртка", "Цена": "3000"}, "Куртка тёплая.")
    everything_matches = ModerationConfig(match_top_k=1000)  # the text always ranks within the top k
    matched = Pipeline(Settings(models_dir=models), moderation=everything_matches).run(listing)
    assert [c["verdict"] for c in matched.moderation if c["name"] == "photo_text_match"] == ["pass", "pass"]
    assert "син" in matched.text.lower() and "определён по фото" in matched.suggestions[0]
    nothing_matches = ModerationConfig(match_top_k=0, mismatch_verdict="warn")
    unmatched = Pipeline(Settings(models_dir=models), moderation=nothing_matches).run(listing)
    assert unmatched.status == "ok" and "син" not in unmatched.text.lower()
    assert unmatched.suggestions == ["По фото похоже на синий — добавьте цвет в характеристики, если это так"]
    offline = Pipeline(Settings(models_dir=tmp_path / "no-models")).run(listing)
    assert "син" not in offline.text.lower() and offline.suggestions == unmatched.suggestions


@pytest.fixture(scope="module")
def neural_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    """A pipeline whose checkpoints folder holds the template and a tiny ViT + GPT-2 captioner "vit"."""
    checkpoints = tmp_path_factory.mktemp("checkpoints")
    shutil.copytree(PROJECT_ROOT / "checkpoints" / "template", checkpoints / "template")
    build_vit_gpt2(checkpoints / "vit")
    return Pipeline(Settings(checkpoints_dir=checkpoints))


def test_single_image_model_on_many_photos_sees_one_and_says_which(
    neural_pipeline: Pipeline, tmp_path: Path
) -> None:
    listing = Listing(_photos(tmp_path, 3), {"Тип": "Чашка", "Цена": "300"})
    result = neural_pipeline.run(listing, single_checkpoint="vit", multi_checkpoint="vit")
    assert result.status == "ok", result.reasons
    assert (result.route["name"], result.route["checkpoint"], result.route["photos"]) == ("multi", "vit", [0])
    assert any("первое" in note for note in result.route["notes"])
    confidence = result.scores["confidence"]
    assert confidence is not None and 0 < confidence <= 1
    warned = any("не уверена" in w for w in result.warnings)
    assert warned == (confidence < LOW_CONFIDENCE)


def test_photo_model_on_a_text_only_listing_falls_back_to_the_template(neural_pipeline: Pipeline) -> None:
    result = neural_pipeline.run(Listing([], {"Тип": "Чашка", "Цена": "300"}), single_checkpoint="vit")
    assert result.status == "ok"
    assert (result.route["checkpoint"], result.checkpoint["requested"]) == ("template", "vit")
    assert result.scores["confidence"] is None and "300" in result.text


def test_compare_totals_exclude_other_checkpoints(neural_pipeline: Pipeline, tmp_path: Path) -> None:
    listing = Listing(_photos(tmp_path, 1), {"Тип": "Чашка", "Цена": "300"})
    first, second = neural_pipeline.compare(listing, ["vit", "template"])
    assert (first.route["checkpoint"], second.route["checkpoint"]) == ("vit", "template")
    for result in (first, second):
        stages = sum(v for k, v in result.timings.items() if k != "total")
        assert stages <= result.timings["total"]
    second_stages = sum(v for k, v in second.timings.items() if k != "total")
    assert second.timings["total"] < second_stages + first.timings["generate"]


def test_a_compare_reads_the_checkpoints_folder_once(
    neural_pipeline: Pipeline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = neural_pipeline.registry
    scans = []
    monkeypatch.setattr(registry, "scan", lambda scan=registry.scan: scans.append(scan()) or scans[-1])
    listing = Listing(_photos(tmp_path, 2), {"Тип": "Чашка", "Цена": "300"})
    results = neural_pipeline.compare(listing, ["vit", ("template", "vit")])
    assert [r.status for r in results] == ["ok", "ok"], [r.reasons for r in results]
    assert [r.checkpoint["used"] for r in results] == ["vit", "vit"]
    assert len(scans) == 1  # names, working side, routing and loading: one look at the folder
    prepared = neural_pipeline.prepare(listing)
    neural_pipeline.generate(prepared, "vit", "vit")
    assert len(scans) == 3  # prepare and generate called apart: one each


@pytest.mark.parametrize(
    ("model", "files"),
    [
        ("ruclip-vit-base-patch32-384", ("config.json", "pytorch_model.bin", "bpe.model")),
        ("rubert-tiny-toxicity", ("config.json", "model.safetensors", "vocab.txt")),
    ],
)
def test_a_broken_model_folder_is_an_error_naming_the_folder(
    tmp_path: Path, model: str, files: tuple[str, ...]
) -> None:
    folder = tmp_path / "models" / model
    folder.mkdir(parents=True)
    for name in files:
        (folder / name).write_text("not a model")
    pipeline = Pipeline(Settings(models_dir=tmp_path / "models"))
    result = pipeline.run(Listing(_photos(tmp_path, 1), {"Цена": "1"}, "Чашка фарфоровая."))
    assert result.status == "error"
    (reason,) = result.reasons
    assert reason.startswith("Ошибка на этапе «Модерация фото и текста»: Модель в папке")
    assert str(folder.resolve()) in reason
    assert f"python -m pipeline download {model}" in reason
    assert list(result.timings) == ["validate", "moderate", "total"]


def test_an_english_failure_reaches_the_user_as_a_russian_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Failing:
        def generate(self, masked: object, diversity: str, images: list) -> None:
            raise RuntimeError("CUDA error: device-side assert triggered")

    monkeypatch.setitem(KINDS, "failing", lambda folder, manifest, models: Failing())
    write_manifest(tmp_path, "failing", {"kind": "failing", "title": "Сбой", "images": "none"})
    write_manifest(tmp_path, "template", TEMPLATE)
    result = Pipeline(Settings(checkpoints_dir=tmp_path)).run(Listing([], {"Цена": "1"}), "failing")
    assert result.status == "error"
    [reason] = result.reasons
    assert reason == (
        "Ошибка на этапе «Генерация описания»: непредвиденный сбой (RuntimeError), "
        "подробности записаны в журнал"
    )


def test_prepare_once_then_generate_equals_run(pipeline: Pipeline) -> None:
    listing = Listing([], {"Тип": "Чашка", "Цена": "350"}, "Чашка с блюдцем.")
    prepared = pipeline.prepare(listing)
    assert prepared.ok and prepared.masked is not None
    assert list(prepared.result.timings) == ["validate", "moderate", "mask", "diversity", "total"]
    generated = pipeline.generate(prepared, "template", "template")
    assert generated.text == pipeline.run(listing).text
    assert generated.timings["total"] >= prepared.seconds
    assert "generate" not in prepared.result.timings  # generate worked on its own copy


def test_generate_returns_a_refused_listing_as_it_was(pipeline: Pipeline) -> None:
    prepared = pipeline.prepare(Listing([], {"Цена": "100"}, "Звоните +7 999 123-45-67"))
    assert not prepared.ok and prepared.masked is None
    result = pipeline.generate(prepared, "template")
    assert (result.status, result.reasons) == ("rejected", prepared.result.reasons)
    assert result.text == "" and "generate" not in result.timings


def test_invisible_characters_never_reach_a_check_or_the_description(pipeline: Pipeline) -> None:
    listing = Listing(
        [], {"Ти\u200bп": "Чаш\u00adка", "Цена": "3\u200b500"}, "\u202eЧашка\x00 с блюд\ufeffцем,\r\nновая."
    )
    result = pipeline.run(listing)
    assert result.status == "ok", result.reasons
    assert not INVISIBLE.search(result.text)
    assert result.masking["values"] == {"<PRICE>": "3500"}  # the seller's visible characters, verbatim
    assert "3500" in result.text and "блюдцем" in result.text


@pytest.mark.parametrize(
    ("attributes", "text", "quoted"),
    [
        ({"Тип": "Чашка", "Цена": "200"}, "Звоните 8\u200b(999)\u200b123-45-67", "8(999)123-45-67"),
        ({"Тип": "Чашка", "Телефон": "8\u00ad999\u00ad123\u00ad45\u00ad67"}, "", "89991234567"),
        ({"Тип": "Чашка"}, "канал t\u200b.me/seller", "t.me/seller"),
        ({"Тип": "Чашка"}, "б\u200bл\u200bя, отличная", "бля"),
    ],
)
def test_obfuscated_contacts_and_obscenity_are_refused_naming_what_the_seller_sees(
    pipeline: Pipeline, attributes: dict[str, str], text: str, quoted: str
) -> None:
    result = pipeline.run(Listing([], attributes, text))
    assert result.status == "rejected"
    assert any(f"«{quoted}»" in reason for reason in result.reasons), result.reasons


def test_caption_output_is_cleaned_and_held_to_the_sellers_text_moderation(pipeline: Pipeline) -> None:
    """The description passes the same text checks as the input: a contact the evaluation let through
    with a warning comes back into the description (numbers are restored verbatim) and is refused there."""
    text = "Чашка с блюдцем\ufffd. Звоните 8 999 123-45-67\x13"
    listing = Listing([], {"Тип": "Чашка", "Цена": "350"}, text)
    lenient = Pipeline(pipeline.settings, ModerationConfig(contacts_verdict="warn"), models=pipeline.models)
    prepared = lenient.prepare(listing)
    assert prepared.ok, prepared.result.reasons
    warned = lenient.generate(prepared, "template")
    assert warned.status == "ok" and not INVISIBLE.search(warned.text)
    described = [c for c in warned.moderation if c["target"] == "description"]
    assert [c["name"] for c in described] == ["obscenity", "insults", "contacts", "toxicity"]
    assert next(c for c in described if c["name"] == "contacts")["verdict"] == "warn"
    assert list(warned.timings) == ALL_STAGES
    refused = pipeline.generate(prepared, "template")
    assert refused.status == "rejected" and refused.text == ""
    assert refused.reasons[0].startswith("Сгенерированное описание не прошло модерацию. В тексте есть")
    assert "«8 999 123-45-67»" in refused.reasons[0]


def test_whatever_a_caption_model_writes_is_cleaned_before_the_numbers_are_restored(
    pipeline: Pipeline,
) -> None:
    """The template copies its masked input into the text, so a masked listing carrying control characters
    stands in for a model that emits them (a tiny random VLM writes \\x13, \\r and U+FFFD)."""
    prepared = pipeline.prepare(Listing([], {"Тип": "Чашка", "Цена": "350"}, "Чашка с блюдцем."))
    dirty = {"Тип": "Чаш\u200bка\x13", "Цена": "3\ufeff50"}
    prepared.masked = mask(dirty, "Чашка\ufffd с блю\u202eдцем.\r\nНовая.")
    result = pipeline.generate(prepared, "template")
    assert result.status == "ok", result.reasons
    assert not INVISIBLE.search(result.text) and "\r" not in result.text
    assert "Чашка" in result.text and "блюдцем" in result.text and "350" in result.text


def test_warm_up_loads_everything_a_first_request_loads(tmp_path: Path) -> None:
    models = tmp_path / "models"
    make_tiny_ruclip(models / "ruclip-vit-base-patch32-384")
    pipeline = Pipeline(Settings(models_dir=models), moderation=LENIENT)
    assert pipeline.models.loaded() == []
    pipeline.warm_up()
    warmed = set(pipeline.models.loaded())
    assert len(warmed) >= 3  # NudeNet's session, ruCLIP and the default caption model at least
    for photos in (0, 1, 3):  # every route: a seller's first request loads nothing more
        listing = Listing(_photos(tmp_path, photos), {"Тип": "Чашка", "Цена": "300"}, "Белая чашка.")
        assert pipeline.run(listing).status == "ok"
        assert set(pipeline.models.loaded()) == warmed


def test_photos_decode_as_large_as_a_registered_model_reads_them(tmp_path: Path) -> None:
    photo = tmp_path / "phone.jpg"
    Image.new("RGB", (4000, 3000), (180, 120, 60)).save(photo, quality=90)
    checkpoints = tmp_path / "checkpoints"
    write_manifest(checkpoints, "template", TEMPLATE)
    settings = Settings(models_dir=tmp_path / "models", checkpoints_dir=checkpoints)
    sizes = []
    for max_image_side in (None, 1000):
        if max_image_side:  # a multi-image model reading photos at 1000 px (not downloaded: listed still)
            vlm = {"kind": "vlm", "title": "VLM", "images": "multi", "source": {"hub": "org/vlm"},
                   "generation": {"max_image_side": max_image_side}}  # fmt: skip
            write_manifest(checkpoints, "vlm", vlm)
        prepared = Pipeline(settings).prepare(Listing([photo], {"Цена": "5000"}))
        assert prepared.ok and prepared.valid is not None
        [valid] = prepared.valid.photos
        assert valid.size == (4000, 3000)
        sizes.append(valid.image.size)
    assert sizes == [(500, 375), (1000, 750)]  # a 1/8 DCT scale by default, 1/4 for that model
