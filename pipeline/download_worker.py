"""The process that fetches one model for `pipeline.downloader` (run as `python -m pipeline.download_worker
JOB`, JOB a JSON object; never by hand).

It reports on stdout, one JSON object a line: {"fraction", "text"} as bytes arrive (when asked), then
{"commit"} when done, {"error": Russian message} when the hub or the disk refused, or {"crash": traceback,
"type"} on anything else. It ignores Ctrl-C (the downloader stops it) and ends by itself as soon as the
downloader goes away (its stdin closes), so a killed downloader never leaves it running.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from core.catalogue import download_command
from pipeline.downloader import Downloadable, folder_error, progress_bar_class

_COMMIT = re.compile(r"[0-9a-f]{40}")
_HUB_CACHE = Path(".cache") / "huggingface" / "hub"


_STDOUT = threading.Lock()  # the hub client downloads several files at once: one line at a time


def _say(**message: Any) -> None:
    line = json.dumps(message, ensure_ascii=False) + "\n"
    with _STDOUT:
        sys.stdout.write(line)
        sys.stdout.flush()


def _failure_message(item: Downloadable, error: BaseException) -> str:
    """Russian explanation of a failed snapshot download, from the most specific error in its chain."""
    from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

    retry = f"Повторите `{download_command(item.name)}`"
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    for cause in chain:
        if isinstance(cause, RevisionNotFoundError):
            return f"В репозитории {item.hub_id} нет версии «{item.revision}»."
        if isinstance(cause, RepositoryNotFoundError):
            return (
                f"Репозиторий {item.hub_id} не найден на Hugging Face Hub или закрыт (нужен токен HF_TOKEN)."
            )
        if isinstance(cause, HfHubHTTPError):
            status = cause.response.status_code if cause.response is not None else "?"
            return (
                f"Hugging Face Hub ответил ошибкой {status} при загрузке {item.name}. "
                f"{retry} позже — уже скачанные файлы сохранятся, загрузка продолжится."
            )
    return (
        f"Не удалось связаться с Hugging Face Hub, чтобы скачать {item.name} ({item.hub_id}): нет сети "
        f"или включён режим HF_HUB_OFFLINE. Подключитесь к интернету и {retry[0].lower()}{retry[1:]} — "
        "уже скачанные файлы сохранятся, загрузка продолжится."
    )


def fetch(item: Downloadable, endpoint: str | None, report: bool) -> str:
    """Download the item's snapshot into its folder; return the commit. Hub errors propagate."""
    from huggingface_hub import HfApi, snapshot_download

    # One quick lookup first: it fails fast when offline (the file listing retries for long) and fixes
    # the exact commit a branch or tag points to now.
    info = HfApi(endpoint=endpoint).model_info(item.hub_id, revision=item.revision)
    commit = item.revision if _COMMIT.fullmatch(item.revision) else info.sha or item.revision
    bars = progress_bar_class(lambda fraction, text: _say(fraction=fraction, text=text), item.name)
    snapshot_download(
        item.hub_id,
        revision=commit,
        local_dir=item.folder / item.hub_subfolder,
        cache_dir=item.folder / _HUB_CACHE,
        allow_patterns=list(item.allow_patterns) or None,
        ignore_patterns=list(item.ignore_patterns) or None,
        tqdm_class=bars if report else None,
        endpoint=endpoint,
    )
    if report:  # the hub's byte bars may stop short of their total (it grows as files are found)
        _say(fraction=1.0, text=f"Загрузка {item.name}")
    return commit


def _exit_with_the_downloader() -> None:
    """End this process as soon as the downloader's end of stdin closes (it finished, or died)."""
    sys.stdin.read()
    os._exit(1)


def main(argv: list[str]) -> int:
    """Run one job (see the module docstring); the exit status is 0 whatever the outcome it reported."""
    import signal

    import httpx2
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the downloader decides what Ctrl-C does
    threading.Thread(target=_exit_with_the_downloader, daemon=True).start()
    job = json.loads(argv[0])
    item = Downloadable(
        job["name"], job["hub_id"], job["revision"], Path(job["folder"]), "",
        tuple(job["allow"]), tuple(job["ignore"]), kind=job["kind"], hub_subfolder=job["subfolder"],
    )  # fmt: skip
    try:
        _say(commit=fetch(item, job["endpoint"], job["progress"]))
    except (HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled, httpx2.TransportError) as error:
        _say(error=_failure_message(item, error))
    except OSError as error:  # the disk: no space, no rights
        _say(error=str(folder_error(item, error)))
    except Exception as error:
        _say(crash=traceback.format_exc(), type=type(error).__name__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
