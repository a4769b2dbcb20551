"""The page around the widgets: Russian for Gradio's own strings in any browser, and a layout for narrow
screens.

Gradio translates its strings by the browser's language and has no setting to fix one, and a few of
its strings are English in every language. So the page (1) adds the Russian strings Gradio's `ru`
dictionary lacks (`TRANSLATIONS`, through `gr.I18n`), (2) switches Gradio's language to Russian once
the page has loaded, whatever the browser's language, and (3) replaces Gradio's hard-coded English
labels, tooltips, sizes and toast titles (`HARD_CODED`, `HARD_CODED_PATTERNS`) as they appear. The
seller's own text (text boxes, table cells, Markdown, file names) is never touched.
"""

from __future__ import annotations

import json

import gradio as gr

# Keys of Gradio's English dictionary that its Russian one lacks, and two keys its components use that
# no dictionary has (Gradio 6.31).
TRANSLATIONS: dict[str, str] = {
    "common.complete": "Готово",
    "common.upload": "Загрузить",
    "common.download_all": "Скачать всё",
    "common.runs": "Запуски",
    "common.runs_description": "Запуски, сохранённые в этом браузере",
    "common.back_to_app": "Приложение",
    "common.back_to_app_description": "Вернуться в приложение",
    "common.progress": "Ход работы",
    "common.record": "Записать",
    "common.stop_recording": "Остановить запись",
    "common.screen_studio": "Запись экрана",
    "common.share_gradio_tab": "[Ссылка] вкладка Gradio",
    "common.run": "Запустить",
    "dataframe.import_empty_file": "Перетащенный файл пуст.",
    "dataframe.import_no_column_names": "В перетащенном файле нет названий столбцов.",
    "dataframe.import_ragged_row": "В строке {line} файла {fields} полей, а в заголовке {columns}.",
    "dataframe.import_static_columns": "В таблицу с неизменяемыми столбцами импортировать нельзя.",
    "dataframe.import_fixed_columns": "В этой таблице ровно {expected} столбца, а в файле {actual}.",
    "dataframe.import_fixed_rows": "В этой таблице ровно {expected} строк, а в файле {actual}.",
    "dataframe.filter": "Фильтр",
    "dataframe.clear_filter": "Сбросить фильтры",
    "status.queue_position": "В очереди: {position} из {size}",
}

# Gradio's strings that no dictionary covers: the whole text of a label, tooltip or toast part.
HARD_CODED: dict[str, str] = {
    "Error": "Ошибка",
    "Warning": "Внимание",
    "Info": "Сообщение",
    "Success": "Готово",
    "An error occurred.": "Произошла ошибка.",
    "Warning.": "Внимание.",
    "Info.": "Сообщение.",
    "Success.": "Готово.",
    "Close": "Закрыть",
    "Copy": "Копировать",
    "Copied": "Скопировано",
    "Copy table data": "Скопировать таблицу",
    "Copied to clipboard": "Скопировано",
    "Fullscreen": "Во весь экран",
    "Exit fullscreen mode": "Выйти из полноэкранного режима",
    "Click to upload or drop files": "Нажмите или перетащите файлы",
    "File upload": "Загрузка файлов",
    "Remove this file": "Убрать этот файл",
    "Delete image": "Убрать фото",
    "detailed view of selected image": "Выбранное фото крупно",
    "Gallery": "Галерея",
    "Download": "Скачать",
    "Empty value": "Пусто",
    "Edit cell": "Изменить ячейку",
    "Open cell menu": "Меню ячейки",
    "Table actions": "Действия с таблицей",
    "More tabs": "Другие вкладки",
    "Gradio footer navigation": "Ссылки внизу страницы",
    "This application is currently busy. Please try again.": "Приложение занято. Попробуйте ещё раз.",
    "Connection to the server was lost. Attempting reconnection...": "Связь с сервером потеряна. "
    "Переподключаемся…",
}
# The same for strings with numbers in them: (JavaScript regular expression, replacement).
HARD_CODED_PATTERNS: list[tuple[str, str]] = [
    (r"^Thumbnail (\d+) of (\d+)$", "Фото $1 из $2"),
    (r"^([\d.]+)\sB$", "$1 Б"),
    (r"^([\d.]+)\sKB$", "$1 КБ"),
    (r"^([\d.]+)\sMB$", "$1 МБ"),
    (r"^([\d.]+)\sGB$", "$1 ГБ"),
]

_SCRIPT = """
<script>
(() => {
  const RU = %s;
  const PATTERNS = %s.map(([pattern, russian]) => [new RegExp(pattern), russian]);
  const russian = (key) => {
    if (key in RU) return RU[key];
    const found = PATTERNS.find(([pattern]) => pattern.test(key));
    return found ? key.replace(found[0], found[1]) : null;
  };
  const ATTRIBUTES = ["title", "aria-label", "placeholder"];
  // the seller's own text and file names, where an "Error" must stay "Error"
  const SELLERS_NAMES = ".filename, .caption-label, .caption";
  const SELLERS_TEXT = `textarea, input, [role=grid], .prose, .md, pre, code, ${SELLERS_NAMES}`;
  const text = (node) => {
    const key = node.nodeValue.trim();
    const translated = key && russian(key);
    if (translated && !node.parentElement?.closest(SELLERS_TEXT)) {
      node.nodeValue = node.nodeValue.replace(key, translated);
    }
  };
  const attributes = (element) => {
    if (element.closest(SELLERS_NAMES)) return;
    for (const name of ATTRIBUTES) {
      const key = element.getAttribute(name)?.trim();
      const translated = key && russian(key);
      if (translated) element.setAttribute(name, translated);
    }
  };
  const walk = (root) => {
    if (root.nodeType === Node.TEXT_NODE) return text(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    attributes(root);
    root.querySelectorAll("*").forEach(attributes);
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (texts.nextNode()) text(texts.currentNode);
  };
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "childList") change.addedNodes.forEach(walk);
      else if (change.type === "characterData") text(change.target);
      else attributes(change.target);
    }
  }).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRIBUTES,
  });
  walk(document.body);
  // Gradio picks its language from the browser's; this app is Russian in every browser. Gradio's
  // language switch lives in its `core` module, already loaded: importing it again returns the same one.
  // Gradio sets its language up again from the browser's once the app's config arrives, which may come
  // after this script, so the switch is repeated for the first 30 seconds (the same language again
  // changes nothing).
  let attempts = 0;
  const speakRussian = () => {
    const core = [
      ...[...document.querySelectorAll("link[rel=modulepreload]")].map((link) => link.href),
      ...performance.getEntriesByType("resource").map((entry) => entry.name),
    ].find((url) => /\\/assets\\/core-[\\w-]+\\.js$/.test(url));
    if (core) import(core).then((module) => module.changeLocale?.("ru"));
    if (++attempts < 120) setTimeout(speakRussian, 250);
  };
  speakRussian();
})();
</script>
"""

CSS = """
/* table text wraps between words, never inside one («Оцен ка», «недоступн а»), in the page's font */
[role="grid"] .text {
  word-break: normal !important; overflow-wrap: break-word !important; font-family: var(--font) !important;
}
/* a phone-sized screen: the columns stack (Gradio's own wrapping), and a wide table keeps readable
   columns and scrolls sideways */
@media (max-width: 640px) {
  .wide-table [role="grid"] { min-width: 540px; }
}
"""


def i18n() -> gr.I18n:
    """Gradio's translations completed with the Russian it lacks."""
    return gr.I18n(ru=TRANSLATIONS)


def head() -> str:
    """The script that makes Gradio's own strings Russian in every browser."""
    return _SCRIPT % (json.dumps(HARD_CODED, ensure_ascii=False), json.dumps(HARD_CODED_PATTERNS))
