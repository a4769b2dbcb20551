"""Pure formatting for the app: a Result's JSON (``Result.to_dict()``) → Russian Markdown and table rows.

Nothing here runs the pipeline or imports gradio; every function takes plain data and returns plain data.
"""

from __future__ import annotations

from typing import Any

from core.listing import NOT_AVAILABLE, STATUS_RU, format_score
from moderation import LABELS_RU

STATUS_TITLES = {
    "ok": "Описание готово",
    "rejected": "Объявление отклонено",
    "error": "Не удалось сгенерировать описание",
}

VERDICTS = {
    "pass": "пройдена",
    "warn": "предупреждение",
    "reject": "ОТКЛОНЕНО",
    "unavailable": "недоступна",
}

DIVERSITY = {
    "<SINGLE>": "один предмет",
    "<VARIATIVE>": "несколько вариантов или предметов",
}

# score key → (label in the scores table, short column header in the comparison table)
SCORES = {
    "clip_text_photo_mean": ("ruCLIP: описание ↔ фото, среднее", "CLIP описание↔фото, ср."),
    "clip_text_photo_max": ("ruCLIP: описание ↔ фото, максимум", "CLIP описание↔фото, макс."),
    "clip_photo_photo_mean": ("ruCLIP: фото ↔ фото, среднее", "CLIP фото↔фото, ср."),
    "clip_photo_photo_max": ("ruCLIP: фото ↔ фото, максимум", "CLIP фото↔фото, макс."),
    "clip_seller_text_photo_mean": ("ruCLIP: текст продавца ↔ фото, среднее", "CLIP продавец↔фото, ср."),
    "bertscore_f1": ("BERTScore F1", "BERTScore F1"),
    "coverage": ("Покрытие признаков", "Покрытие признаков"),
    "confidence": ("Уверенность", "Уверенность"),
}

MODERATION_HEADERS = ["Проверка", "Что проверено", "Вердикт", "Оценка", "Причина", "Время, с"]
MASKING_HEADERS = ["Токен", "Значение", "Откуда", "В описании"]
TIMING_HEADERS = ["Этап", "Время, с"]
SCORE_HEADERS = ["Метрика", "Значение"]
COMPARE_FIXED_HEADERS = ["Модель", "Статус", "Описание", "Время, с"]


def _number(value: Any, digits: int = 3) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else str(value)
    return f"{value:.{digits}f}"


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def status_markdown(result: dict[str, Any]) -> str:
    """The headline: ok / rejected / error with every reason and warning spelled out."""
    status = result.get("status", "error")
    parts = [f"### {STATUS_TITLES.get(status, status)}"]
    reasons = [str(r) for r in result.get("reasons") or []]
    if reasons:
        parts.append("**Причины:**\n" + _bullets(reasons))
    warnings = [str(w) for w in result.get("warnings") or []]
    if warnings:
        parts.append("**Предупреждения:**\n" + _bullets(warnings))
    suggestions = [str(s) for s in result.get("suggestions") or []]
    if suggestions:
        parts.append("**Советы продавцу:**\n" + _bullets(suggestions))
    return "\n\n".join(parts)


def route_markdown(result: dict[str, Any]) -> str:
    """Which route and checkpoint served the listing, which photos it saw, and the diversity label."""
    lines = []
    route = result.get("route") or {}
    if route:
        lines.append(f"- Маршрут: **{route.get('name_ru') or route.get('name')}**")
    checkpoint = result.get("checkpoint") or {}
    used = checkpoint.get("used") or route.get("checkpoint")
    if used:
        requested = checkpoint.get("requested") or route.get("requested")
        line = f"- Модель: `{used}`"
        if requested and requested != used:
            line += f" (выбрана `{requested}`, но она не может обслужить это объявление)"
        lines.append(line)
    photos = result.get("photos") or []
    if photos:
        lines.append("- Фото: " + "; ".join(_photo_line(p) for p in photos))
        if route.get("photos") is not None and route.get("name") != "text":
            seen = ", ".join(str(i + 1) for i in route["photos"]) or "ни одного"
            lines.append(f"- Модель видела фото: {seen}")
    diversity = result.get("diversity") or {}
    if diversity:
        label = str(diversity.get("label", ""))
        line = f"- Разнообразие: **{DIVERSITY.get(label, label)}** (`{label}`)"
        if isinstance(diversity.get("score"), int | float):
            line += f", оценка {_number(diversity['score'])}"
        reason = diversity.get("reason_ru")
        if reason:
            line += f" — {reason}"
        lines.append(line)
    return "\n".join(lines) or "Маршрут не выбран: обработка остановилась раньше."


def _photo_line(photo: dict[str, Any]) -> str:
    text = f"№{photo.get('number', '?')} {photo.get('name', '')}".strip()
    hints = photo.get("hints")
    if hints:
        shown = ", ".join(str(h) for h in hints) if isinstance(hints, list) else str(hints)
        text += f" ({shown})"
    return text


def _subject_cell(check: dict[str, Any]) -> str:
    """What a check looked at: a photo, the generated description, or the seller's input as a whole."""
    photo = check.get("photo")
    if check.get("target") == "description":
        return "описание"
    if photo is None or photo == "":
        return "—"
    if isinstance(photo, int):
        return f"фото {photo}"
    return str(photo)


def moderation_rows(result: dict[str, Any]) -> list[list[str]]:
    """One row per moderation check (per photo where a check runs per photo)."""
    rows = []
    for check in result.get("moderation") or []:
        verdict = str(check.get("verdict", ""))
        rows.append(
            [
                LABELS_RU.get(str(check.get("name", "")), str(check.get("name", ""))),
                _subject_cell(check),
                VERDICTS.get(verdict, verdict),
                _number(check.get("score"), 2),
                str(check.get("reason_ru") or ""),
                _number(check.get("seconds"), 2),
            ]
        )
    return rows


def masking_rows(result: dict[str, Any]) -> list[list[str]]:
    """Token → seller's value, where it came from, and what became of it in the generated text."""
    masking = result.get("masking") or {}
    values = masking.get("values") or {}
    sources = masking.get("sources") or {}
    restored = set(masking.get("restored") or [])
    rows = []
    for token, value in values.items():
        source = sources.get(token, "")
        source = "текст продавца" if source == "text" else f"поле «{source}»" if source else "—"
        fate = "вставлен" if token in restored else "модель не использовала"
        rows.append([str(token), str(value), source, fate])
    rows.extend(
        [str(token), "—", "придуман моделью", "стёрт: значения нет"]
        for token in masking.get("erased") or []
        if token not in values
    )
    return rows


def masking_markdown(result: dict[str, Any]) -> str:
    """The numbers the model invented and that were removed from its text."""
    removed = (result.get("masking") or {}).get("removed_numbers") or []
    if not removed:
        return "Выдуманных моделью чисел не найдено."
    return "Удалены числа, которых нет во вводе продавца: " + ", ".join(f"`{n}`" for n in removed)


def timing_rows(result: dict[str, Any], stage_names: dict[str, str]) -> list[list[str]]:
    """Wall time of each stage (named by `stage_names`), the total last."""
    timings = dict(result.get("timings") or {})
    total = timings.pop("total", None)
    rows = [[stage_names.get(stage, stage), _number(seconds, 2)] for stage, seconds in timings.items()]
    if total is not None:
        rows.append(["Всего", _number(total, 2)])
    return rows


def _coverage_text(coverage: Any) -> str:
    if not isinstance(coverage, dict):
        return NOT_AVAILABLE if coverage is None else str(coverage)
    covered = coverage.get("covered") or []
    missing = coverage.get("missing") or []
    total = len(covered) + len(missing)
    fraction = coverage.get("fraction")
    text = f"{len(covered)} из {total}"
    if isinstance(fraction, int | float):
        text += f" ({fraction:.0%})"
    if missing:
        text += "; нет в тексте: " + ", ".join(str(m) for m in missing)
    return text


def score_text(scores: dict[str, Any], key: str) -> str:
    """One score as shown to the user: a number, the coverage summary, or "недоступно"."""
    value = scores.get(key)
    if key == "coverage":
        return _coverage_text(value)
    return format_score(value)


def score_rows(result: dict[str, Any]) -> list[list[str]]:
    """Every known score, "недоступно" where its model is missing; none if the run stopped before scoring."""
    scores = result.get("scores") or {}
    if not scores:
        return []
    return [[label, score_text(scores, key)] for key, (label, _) in SCORES.items()]


def unavailable_markdown(result: dict[str, Any]) -> str:
    """Why some checks or scores are unavailable and how to get the missing models."""
    unavailable = (result.get("scores") or {}).get("unavailable") or {}
    messages = list(dict.fromkeys(str(message) for message in unavailable.values()))
    return "**Почему недоступно:**\n" + _bullets(messages) if messages else ""


def compare_headers() -> list[str]:
    """Columns of the side-by-side comparison table."""
    return COMPARE_FIXED_HEADERS + [short for _, short in SCORES.values()]


def compare_widths() -> list[str]:
    """Column widths of the comparison table (full page width): a wide text column, narrow scores."""
    return ["12%", "7%", "31%", "6%"] + [f"{44 / len(SCORES):.2f}%"] * len(SCORES)


def compare_rows(entries: list[dict[str, Any]]) -> list[list[str]]:
    """One row per compared checkpoint ({"name", "result"}): its text or why there is none, time, scores."""
    rows = []
    for entry in entries:
        name, result = str(entry.get("name", "")), entry.get("result") or {}
        used = (result.get("checkpoint") or {}).get("used")
        model = f"{name} (текст написала {used})" if used and used != name else name
        status = result.get("status", "error")
        text = result.get("text") or "; ".join(str(r) for r in result.get("reasons") or [])
        total = (result.get("timings") or {}).get("total")
        scores = result.get("scores") or {}
        rows.append(
            [model, STATUS_RU.get(status, status), text, _number(total, 2)]
            + [score_text(scores, key) for key in SCORES]
        )
    return rows


def checkpoint_label(name: str, title: str, present: bool) -> str:
    """A dropdown entry: the model's title and name, marked "не скачан" while its weights are missing."""
    label = f"{title} ({name})" if title and title != name else name
    return label if present else f"{label} — не скачан"
