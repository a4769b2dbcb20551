"""Pure formatting for the app: a Result's JSON (``Result.to_dict()``) → Russian Markdown and table rows.

Nothing here runs the pipeline or imports gradio; every function takes plain data and returns plain data.
Every text is rendered as what it is: Markdown widgets get escaped text (a seller's `<b>` or `**` shows
literally) with commands as code, toasts get escaped HTML, table cells get plain text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any, Protocol

from core.listing import NOT_AVAILABLE, STATUS_RU, format_score
from core.text import shorten
from moderation import LABELS_RU
from validation import EMPTY_LISTING_MESSAGE

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
    "clip_text_photo_mean": ("ruCLIP: описание ↔ фото, среднее", "ruCLIP описание↔фото"),
    "clip_text_photo_max": ("ruCLIP: описание ↔ фото, максимум", "ruCLIP описание↔фото, макс."),
    "clip_photo_photo_mean": ("ruCLIP: фото ↔ фото, среднее", "ruCLIP фото↔фото"),
    "clip_photo_photo_max": ("ruCLIP: фото ↔ фото, максимум", "ruCLIP фото↔фото, макс."),
    "clip_seller_text_photo_mean": ("ruCLIP: текст продавца ↔ фото, среднее", "ruCLIP продавец↔фото"),
    "bertscore_f1": ("BERTScore F1: описание ↔ ввод продавца", "BERTScore F1"),
    "coverage": ("Покрытие характеристик", "Покрытие"),
    "confidence": ("Уверенность модели", "Уверенность"),
}

MODERATION_HEADERS = ["Проверка", "Объект", "Итог", "Причина", "Время"]
MODERATION_WIDTHS = ["22%", "15%", "19%", "32%", "12%"]
MASKING_HEADERS = ["Токен", "Значение", "Откуда", "В описании"]
TIMING_HEADERS = ["Этап", "Время"]
SCORE_HEADERS = ["Метрика", "Значение"]
SCORE_WIDTHS = ["45%", "55%"]
COMPARE_FIXED_HEADERS = ["Модель", "Статус", "Описание", "Время"]

MISSING_MODEL = "см. «Чего не хватает» выше"
# A reason as the page says it, where the pipeline's wording is for every front (the CLI too).
WEB_REASONS = {
    EMPTY_LISTING_MESSAGE: "Объявление пустое: загрузите хотя бы одно фото, заполните характеристики "
    "(например, «Цена» и «Размер») или текст — или выберите готовый пример в «Тестовых примерах» выше.",
}
FILE_NAME_CHARS = 24  # a photo's file name in the route line
_CODE = re.compile(r"`([^`\n]+)`")
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]~])")  # emphasis, code, links, strike-through
_BLOCK_START = re.compile(r"^\s*(?:[#+=-]|\d+[.)])")  # a heading, a list or a rule opening the line


class CheckpointLike(Protocol):
    """What the model lists show about a caption checkpoint (captioning.registry.CheckpointInfo has it)."""

    name: str
    title: str
    present: bool  # its weights are there (or it needs none)
    problem: str | None  # why its weights can't load, when they are there
    state: str  # «готов», «не скачан» or «повреждён»
    status_ru: str  # the state, with the reason when the folder is broken


class FolderLike(Protocol):
    """A folder under the checkpoints folder as the registry saw it (captioning.registry.FolderState)."""

    shown_name: str
    status_ru: str
    info: Any  # the checkpoint, when the folder is one


# -- rendering text as what it is --------------------------------------------------------------
def short_file_name(name: str, limit: int = FILE_NAME_CHARS) -> str:
    """A file name cut in the middle, so its start and extension stay: «07cddef1…90.jpg»."""
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    tail = (dot + extension) if stem and len(extension) <= 5 else ""
    keep = limit - len(tail) - 1
    head, end = keep - keep // 3, keep // 3
    base = name[: -len(tail)] if tail else name
    return base[:head] + "…" + (base[-end:] if end else "") + tail


def _escape_markdown(text: str) -> str:
    one_line = re.sub(r"\s+", " ", text)
    return _INLINE_MARKUP.sub(r"\\\1", html.escape(one_line, quote=False))


def markdown_text(text: Any) -> str:
    """Text for a Markdown widget, shown literally: no markup, no HTML, no line breaks; a `command` in
    backticks stays code (Markdown shows code literally too). Only what could be markup is escaped, so
    the text stays readable where an API client receives it."""
    text, parts, last = str(text), [], 0
    for code in _CODE.finditer(text):
        parts += [_escape_markdown(text[last : code.start()]), f"`{code.group(1)}`"]
        last = code.end()
    escaped = "".join([*parts, _escape_markdown(text[last:])])
    marker = _BLOCK_START.match(escaped)  # escaped: its last character opens nothing any more
    return escaped if marker is None else escaped[: marker.end() - 1] + "\\" + escaped[marker.end() - 1 :]


def toast_html(text: Any) -> str:
    """Text for a toast, which Gradio renders as HTML: escaped, a `command` in backticks as code."""
    return _CODE.sub(r"<code>\1</code>", html.escape(str(text), quote=False))


def plain_text(text: Any) -> str:
    """Text for a table cell or a text box, which show it as it is: a `command` loses its backticks."""
    return _CODE.sub(r"\1", str(text))


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {markdown_text(item)}" for item in items)


# -- numbers ----------------------------------------------------------------------------------
def _number(value: Any, digits: int = 3) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else plain_text(value)
    return f"{value:.{digits}f}"


def duration(seconds: Any) -> str:
    """A stage's wall time for people: milliseconds under a second, seconds above."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return "—"
    if seconds < 0.001:
        return "< 1 мс"
    return f"{seconds * 1000:.0f} мс" if seconds < 1 else f"{seconds:.2f} с"


def _numbers(numbers: Sequence[int]) -> str:
    """Photo numbers as runs: [1, 2, 3, 5] → «1–3, 5»."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


# -- the result ----------------------------------------------------------------------------------
def reasons(result: dict[str, Any]) -> list[str]:
    """Why a result is not ok, as the page says it."""
    return [WEB_REASONS.get(str(r), str(r)) for r in result.get("reasons") or []]


def toast_message(result: dict[str, Any]) -> str | None:
    """The toast for a result that is not ok (its title and every reason), as HTML; None when ok."""
    status = result.get("status", "error")
    if status == "ok":
        return None
    return toast_html(f"{STATUS_TITLES.get(status, status)}: {'; '.join(reasons(result))}")


def missing_models(result: dict[str, Any]) -> list[str]:
    """Why checks and scores are unavailable, each reason once (a missing model with its download command)."""
    reasons = [
        str(check.get("reason_ru"))
        for check in result.get("moderation") or []
        if check.get("verdict") == "unavailable" and check.get("reason_ru")
    ]
    reasons += [str(r) for r in ((result.get("scores") or {}).get("unavailable") or {}).values()]
    return list(dict.fromkeys(reasons))


def status_markdown(result: dict[str, Any]) -> str:
    """The headline: ok / rejected / error with every reason and warning spelled out (a missing model
    is not repeated here: `unavailable_markdown` names each one once)."""
    status = result.get("status", "error")
    parts = [f"### {STATUS_TITLES.get(status, markdown_text(status))}"]
    if result.get("reasons"):
        parts.append("**Причины:**\n" + _bullets(reasons(result)))
    missing = set(missing_models(result))
    warnings = [str(w) for w in result.get("warnings") or [] if str(w) not in missing]
    if warnings:
        parts.append("**Предупреждения:**\n" + _bullets(warnings))
    return "\n\n".join(parts)


def suggestions_markdown(result: dict[str, Any]) -> str:
    """Advice the seller may take or leave, shown right under the text («По фото похоже на …»)."""
    suggestions = [str(s) for s in result.get("suggestions") or []]
    return "**Советы продавцу:**\n" + _bullets(suggestions) if suggestions else ""


def unavailable_markdown(result: dict[str, Any]) -> str:
    """What is unavailable without a downloaded model, and the command that downloads it."""
    missing = missing_models(result)
    return "**Чего не хватает:**\n" + _bullets(missing) if missing else ""


def route_markdown(result: dict[str, Any]) -> str:
    """Which route and checkpoint served the listing, which photos it saw, and the diversity label."""
    route = result.get("route") or {}
    if route:
        lines = [f"- Маршрут: **{markdown_text(route.get('name_ru') or route.get('name'))}**"]
    else:
        lines = ["- Маршрут не выбран: обработка остановилась раньше, модель описаний не запускалась."]
    checkpoint = result.get("checkpoint") or {}
    used = checkpoint.get("used") or route.get("checkpoint")
    if used:
        requested = checkpoint.get("requested") or route.get("requested")
        line = f"- Модель: `{shorten(used)}`"
        if requested and requested != used:
            line += f" (выбрана `{shorten(requested)}`, но она не может обслужить это объявление)"
        lines.append(line)
    photos = result.get("photos") or []
    if photos:
        lines.append("- Фото: " + "; ".join(_photo_line(p) for p in photos))
        if route.get("photos") is not None and route.get("name") != "text":
            seen = _numbers([i + 1 for i in route["photos"]]) or "ни одного"
            lines.append(f"- Модель видела фото: {seen}")
    diversity = result.get("diversity") or {}
    if diversity:
        label = str(diversity.get("label", ""))
        line = f"- Разнообразие: **{markdown_text(DIVERSITY.get(label, label))}**"
        if isinstance(diversity.get("score"), int | float):
            line += f", оценка {_number(diversity['score'])}"
        reason = diversity.get("reason_ru")
        if reason:
            line += f" — {markdown_text(reason)}"
        lines.append(line)
    return "\n".join(lines)


def _photo_line(photo: dict[str, Any]) -> str:
    text = f"{photo.get('number', '?')} — {short_file_name(str(photo.get('name', '')))}"
    hints = photo.get("hints")
    if hints:
        text += " (" + (", ".join(str(h) for h in hints) if isinstance(hints, list) else str(hints)) + ")"
    return markdown_text(text)


def _subject(checks: list[dict[str, Any]]) -> str:
    """What a row's checks looked at: photos («фото 1–10»), the generated description, or the seller's
    attributes and text."""
    if checks[0].get("target") == "description":
        return "описание"
    photos = [c["photo"] for c in checks if isinstance(c.get("photo"), int)]
    return f"фото {_numbers(photos)}" if photos else "ввод продавца"


def moderation_rows(result: dict[str, Any]) -> list[list[str]]:
    """One row per check, target and verdict: the photos a check passed, or could not check for want of
    a model, share one row («фото 1–10»); a warning or a refusal keeps its own row per photo. A check runs
    on all its photos at once, so the row's time is that batch's."""
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for index, check in enumerate(result.get("moderation") or []):
        verdict = str(check.get("verdict", ""))
        shared = verdict in ("pass", "unavailable")
        reason = str(check.get("reason_ru") or "") if shared else str(index)
        key = (str(check.get("name", "")), str(check.get("target", "")), verdict, reason)
        groups.setdefault(key, []).append(check)
    rows = []
    for (name, _, verdict, _), checks in groups.items():
        scores = [c["score"] for c in checks if isinstance(c.get("score"), int | float)]
        seconds = [c["seconds"] for c in checks if isinstance(c.get("seconds"), int | float)]
        outcome = VERDICTS.get(verdict, verdict)
        if scores:
            outcome += (", до " if len(scores) > 1 else ", ") + _number(max(scores), 2)
        reason = MISSING_MODEL if verdict == "unavailable" else plain_text(checks[0].get("reason_ru") or "")
        rows.append(
            [
                LABELS_RU.get(name, name),
                _subject(checks),
                outcome,
                reason,
                duration(max(seconds)) if seconds else "—",
            ]
        )
    return rows


def masking_rows(result: dict[str, Any]) -> list[list[str]]:
    """Token → seller's value, where it came from, and what became of it in the generated text."""
    masking = result.get("masking") or {}
    values = masking.get("values") or {}
    sources = masking.get("sources") or {}
    restored = set(masking.get("restored") or [])
    generated = "restored" in masking
    rows = []
    for token, value in values.items():
        source = sources.get(token, "")
        source = "текст продавца" if source == "text" else f"поле «{source}»" if source else "—"
        fate = ("вставлен" if token in restored else "модель не использовала") if generated else "—"
        rows.append([str(token), str(value), source, fate])
    rows.extend(
        [str(token), "—", "придуман моделью", "стёрт: значения нет"]
        for token in masking.get("erased") or []
        if token not in values
    )
    return rows


def masking_markdown(result: dict[str, Any]) -> str:
    """The numbers the model invented and that were removed from its text; nothing when no model ran."""
    masking = result.get("masking") or {}
    if "restored" not in masking:  # the run stopped before a caption model wrote anything
        return ""
    removed = masking.get("removed_numbers") or []
    if not removed:
        return "Выдуманных моделью чисел не найдено."
    return "Удалены числа, которых нет во вводе продавца: " + ", ".join(f"`{n}`" for n in removed)


def timing_rows(result: dict[str, Any], stage_names: dict[str, str]) -> list[list[str]]:
    """Wall time of each stage (named by `stage_names`), the total last."""
    timings = dict(result.get("timings") or {})
    total = timings.pop("total", None)
    rows = [[stage_names.get(stage, stage), duration(seconds)] for stage, seconds in timings.items()]
    if total is not None:
        rows.append(["Всего", duration(total)])
    return rows


def _coverage_text(coverage: Any) -> str:
    if not isinstance(coverage, dict):
        return NOT_AVAILABLE if coverage is None else str(coverage)
    covered = coverage.get("covered") or []
    missing = coverage.get("missing") or []
    fraction = coverage.get("fraction")
    text = f"{len(covered)} из {len(covered) + len(missing)}"
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


# -- comparison -----------------------------------------------------------------------------------
def compare_headers() -> list[str]:
    """Columns of the side-by-side comparison table."""
    return COMPARE_FIXED_HEADERS + [short for _, short in SCORES.values()]


def compare_widths() -> list[str]:
    """Column widths of the comparison table (full page width): a wide text column, narrow scores."""
    return ["11%", "7%", "30%", "6%"] + [f"{46 / len(SCORES):.2f}%"] * len(SCORES)


def compare_rows(entries: list[dict[str, Any]]) -> list[list[str]]:
    """One row per compared checkpoint ({"name", "result"}): its text or why there is none, time, scores."""
    rows = []
    for entry in entries:
        name, result = str(entry.get("name", "")), entry.get("result") or {}
        used = (result.get("checkpoint") or {}).get("used")
        model = f"{name} (текст написала {used})" if used and used != name else name
        status = result.get("status", "error")
        text = result.get("text") or "; ".join(str(r) for r in result.get("reasons") or [])
        scores = result.get("scores") or {}
        rows.append(
            [plain_text(model), STATUS_RU.get(status, status), plain_text(text)]
            + [duration((result.get("timings") or {}).get("total"))]
            + [score_text(scores, key) for key in SCORES]
        )
    return rows


def compare_plan(
    checkpoints: Sequence[CheckpointLike], chosen: Sequence[str], fallback: str
) -> tuple[str, bool]:
    """Before a comparison: which models really run, which fall back to `fallback` (their weights are
    not downloaded, or broken), and whether the chosen ones would write at least two different texts."""
    by_name = {c.name: c for c in checkpoints}
    missing = {c.name for c in checkpoints if not c.present}
    broken = {c.name for c in checkpoints if c.present and c.problem}

    def titles(names: set[str]) -> str:
        return ", ".join(markdown_text(checkpoint_title(c)) for c in checkpoints if c.name in names)

    lines = ["Готовы: " + (titles(set(by_name) - missing - broken) or "ни одной")]
    writer = markdown_text(checkpoint_title(by_name[fallback]) if fallback in by_name else fallback)
    if missing:
        lines.append(f"Не скачаны, вместо них текст напишет «{writer}»: {titles(missing)}")
    if broken:
        lines.append(f"Повреждены, вместо них текст напишет «{writer}»: {titles(broken)}")
    writers = {fallback if name in missing | broken else name for name in chosen}
    runnable = len(writers) >= 2
    if len(set(chosen)) < 2:
        lines.append("Отметьте две модели или больше.")
    elif not runnable:
        lines.append(
            "Отмеченные модели не скачаны или повреждены, и все тексты написал бы один и тот же шаблон — "
            "сравнивать нечего. Отметьте хотя бы одну готовую модель кроме шаблона или скачайте модель."
        )
    return "\n\n".join(lines), runnable and len(set(chosen)) >= 2


# -- model lists ----------------------------------------------------------------------------------
def checkpoint_title(checkpoint: CheckpointLike) -> str:
    """A checkpoint's short title for lists: its title up to the first «:» or «(», else its name."""
    title = re.split(r"\s*[:(]", checkpoint.title or "", maxsplit=1)[0].strip()
    return title or checkpoint.name


def checkpoint_choices(checkpoints: Sequence[CheckpointLike]) -> list[tuple[str, str]]:
    """Dropdown entries (label, name): the short title, the name where two titles coincide, and the
    state unless the model is ready («— не скачан», «— повреждён»; the reason is in the details)."""
    titles = [checkpoint_title(c) for c in checkpoints]
    choices = []
    for checkpoint, title in zip(checkpoints, titles, strict=True):
        label = title if titles.count(title) == 1 else f"{title} ({checkpoint.name})"
        ready = checkpoint.present and not checkpoint.problem
        choices.append((label if ready else f"{label} — {checkpoint.state}", checkpoint.name))
    return choices


def folders_markdown(folders: Sequence[FolderLike]) -> str:
    """The folders under the checkpoints folder that are not models (a broken manifest, a name against
    the rule), each with why; nothing when there are none."""
    broken = [f"«{f.shown_name}» — {f.status_ru}" for f in folders if f.info is None]
    return "**Папки в checkpoints/, которые не стали моделями:**\n" + _bullets(broken) if broken else ""


def checkpoint_details(checkpoints: Sequence[CheckpointLike], name: str | None) -> str:
    """The line under a model dropdown: the chosen model's full title, name and state."""
    checkpoint = next((c for c in checkpoints if c.name == name), None)
    if checkpoint is None:
        return "Модель не выбрана: описание напишет модель по умолчанию."
    return f"{checkpoint.title or checkpoint.name} · {checkpoint.name} · {checkpoint.status_ru}"
