"""The evaluation tool measures exactly the product: it runs the pipeline's own public stages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from captioning.base import Generation
from captioning.registry import KINDS
from core.models import ModelStore
from core.settings import PROJECT_ROOT, Settings
from masking.types import MaskedListing
from pipeline import Listing, Pipeline
from tools import evaluate as evaluation
from tools.engines import Engine

ROW = {
    "images": ["photo.png"],
    "attributes": {"Тип": "Куртка", "Размер": "48", "Цена": "2500 руб."},
    "text": "Куртка зимняя, носил один сезон.",
    "description": "Зимняя куртка, размер 48, 2500 руб.",
}


class Inventing:
    """A caption model that restates the masked text, writes a token with no value and invents a number."""

    def generate(self, masked: MaskedListing, diversity: str, images: list) -> Generation:
        return Generation(f"{masked.text} Размер <SIZE>, рост <HEIGHT_7>, гарантия 12 месяцев.", tokens=12)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A checkpoints folder with the template and an "inventing" checkpoint, and a one-row data file."""
    monkeypatch.setitem(KINDS, "inventing", lambda folder, manifest, models: Inventing())
    checkpoints = tmp_path / "checkpoints"
    shutil.copytree(PROJECT_ROOT / "checkpoints" / "template", checkpoints / "template")
    (checkpoints / "inventing").mkdir()
    routes = ["text", "single", "multi"]
    manifest = {"kind": "inventing", "title": "Выдумщик", "images": "multi", "routes": routes}
    (checkpoints / "inventing" / "checkpoint.json").write_text(json.dumps(manifest), encoding="utf-8")
    Image.new("RGB", (64, 48), (120, 40, 40)).save(tmp_path / "photo.png")
    data = tmp_path / "listings.jsonl"
    data.write_text(json.dumps(ROW, ensure_ascii=False) + "\n", encoding="utf-8")
    settings = Settings(checkpoints_dir=checkpoints, models_dir=tmp_path / "models")
    return {"root": tmp_path, "data": data, "checkpoints": checkpoints, "settings": settings}  # type: ignore[dict-item]


@pytest.mark.parametrize("checkpoint", ["template", "inventing"])
def test_evaluation_and_the_runner_give_the_same_listing(world: dict, checkpoint: str) -> None:
    settings = world["settings"]
    output = world["root"] / "report"
    evaluation.evaluate(world["data"], [checkpoint], output, settings)
    (sample,) = [json.loads(line) for line in (output / f"{checkpoint}.jsonl").read_text().splitlines()]

    listing = Listing([world["root"] / "photo.png"], ROW["attributes"], ROW["text"])
    pipeline = Pipeline(settings, evaluation.EVALUATION_MODERATION, models=ModelStore(settings))
    result = pipeline.run(listing, checkpoint, checkpoint)

    assert result.status == "ok" and sample["error"] is None
    assert sample["text"] == result.text
    assert sample["restored"] == result.masking["restored"]
    assert sample["erased"] == result.masking["erased"]
    assert sample["removed_numbers"] == result.masking["removed_numbers"]
    if checkpoint == "inventing":  # the comparison is not vacuous: restore had work to do
        assert result.masking["erased"] == ["<HEIGHT_7>"] and result.masking["removed_numbers"]
        assert "12" not in result.text and "48" in result.text
        assert sample["invented_before"] == 2 and sample["invented_after"] == 0


def test_evaluation_at_scale_gives_the_same_figures_on_every_engine(world: dict, local_ray: None) -> None:
    """In this process, on two worker processes and on Ray Data: the same outputs and the same metrics
    (only the timing column may differ), for every listing in file order."""
    colours = [(120, 40, 40), (40, 40, 160), (30, 140, 60), (200, 190, 40), (20, 20, 20), (230, 230, 230)]
    rows = []
    for i, colour in enumerate(colours):
        Image.new("RGB", (64, 48), colour).save(world["root"] / f"p{i}.png")
        size, price = 44 + i, 1000 + 300 * i
        rows.append({
            "images": [f"p{k}.png" for k in range(i % 3 + 1)],
            "attributes": {"Тип": "Куртка", "Размер": str(size), "Цена": f"{price} руб."},
            "text": f"Куртка, размер {size}.",
            "description": f"Куртка размера {size}, цена {price} руб.",
        })  # fmt: skip
    data = world["root"] / "many.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tables = {}
    for label, engine in (("here", None), ("pool", Engine("local", 2)), ("ray", Engine("ray", 2))):
        output = world["root"] / label
        (report,) = evaluation.evaluate(data, ["template"], output, world["settings"], engine=engine)
        assert (report.rows, report.failed) == (6, 0)
        samples = [json.loads(line) for line in (output / "template.jsonl").read_text().splitlines()]
        assert [s["line"] for s in samples] == [1, 2, 3, 4, 5, 6]
        metrics = {k: v for k, v in report.values.items() if k != "seconds"}
        tables[label] = (metrics, [s["text"] for s in samples])
    assert tables["here"] == tables["pool"] == tables["ray"]
    assert tables["here"][0]["chrf"] > 0 and len(set(tables["here"][1])) == 6
