"""Run one job over many items: in this process, in a pool of worker processes, or on Ray Data.

A job is a picklable recipe whose `start()` runs once in every worker and returns the function that
handles one item: `start()` builds the worker's one `Pipeline`, so models load once per worker, never
per item. Items and results are JSON-ready dicts; the item function must not raise for a bad item
(it reports it in its result). Results come back as they are ready, in no particular order.

- `Engine("local", workers)`: one worker runs in this process; more start a pool of processes
  (`spawn`, each with its share of the CPU threads) whose initializer calls `start()`.
- `Engine("ray", workers, address)`: Ray Data — the items become a dataset, `map_batches` runs an
  actor class holding one started job per actor (a GPU per actor when the job runs a neural model
  and the cluster has GPUs), and the results stream back to the caller, which writes them.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from core.settings import PROJECT_ROOT, Settings

Item = dict[str, Any]
Handler = Callable[[Item], Item]

ENGINES = ("local", "ray")
CPU_KINDS = ("template",)  # checkpoint kinds that gain nothing from a GPU
RAY_INSTALL = "pip install -r requirements-ray.txt"
RAY_OBJECT_STORE_BYTES = 128 * 1024 * 1024  # items and results are small JSON strings
RAY_BATCH_SIZE = 4  # items per actor call: small, so results stream back steadily
# what a cluster does not need from the project folder when it ships the code to its workers
RAY_EXCLUDES = [".venv", ".venv-ci", "models", "runs", "out", "checkpoints/*/*.safetensors",
                "checkpoints/*/*.bin", "checkpoints/*/training", "__pycache__"]  # fmt: skip


class Job(Protocol):
    """What an engine runs: `start()` once per worker gives the function for one item."""

    def start(self) -> Handler: ...


class EngineError(RuntimeError):
    """An engine cannot run (Ray missing, a worker process died); the message is Russian."""


def default_workers() -> int:
    """The local engine's pool size by default: one process per CPU core."""
    return os.cpu_count() or 1


def is_neural(settings: Settings, name: str | None) -> bool:
    """Whether a registered checkpoint (None: the default one) is a neural model, which wants a GPU;
    an unknown name is not (its listings get an error of their own)."""
    from captioning.registry import Registry, UnknownCheckpointError

    try:
        return Registry(settings).info(name or settings.default_checkpoint).kind not in CPU_KINDS
    except UnknownCheckpointError:
        return False


@dataclass(frozen=True)
class Engine:
    """Where a job runs: "local" (this process or a process pool) or "ray" (Ray Data), with how many
    workers (None: one per core here, or per CPU of the Ray cluster) and the Ray cluster's address."""

    name: str = "local"
    workers: int | None = None
    ray_address: str | None = None

    def run(self, job: Job, items: list[Item], gpu: bool = False) -> Iterator[Item]:
        """Results of `job` over `items` as they are ready; `gpu`: the job runs a neural model."""
        if self.name == "ray":
            return run_ray(job, items, self.workers, self.ray_address, gpu)
        return run_local(job, items, self.workers or default_workers())


# -- local: this process or a pool of processes -------------------------------------------------
_handler: Handler | None = None  # the worker process's started job


def _start_worker(job: Job, threads: int) -> None:
    """Pool initializer: this worker's share of the cores for torch and OpenMP, then the job's start."""
    global _handler
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)
    _handler = job.start()


def _handle(item: Item) -> Item:
    assert _handler is not None, "the pool initializer did not run"
    return _handler(item)


def run_local(job: Job, items: Iterable[Item], workers: int) -> Iterator[Item]:
    """Results of `job` over `items`: in this process for one worker, else in a process pool.

    At most a few items per worker are in flight, so a stopped run leaves little undone work behind.
    """
    if workers <= 1:
        handler = job.start()
        yield from map(handler, items)
        return
    threads = max(1, default_workers() // workers)
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
        initargs=(job, threads),
    )  # fmt: skip
    pending: set[Future[Item]] = set()
    todo = iter(items)
    try:
        while True:
            for item in todo:
                pending.add(pool.submit(_handle, item))
                if len(pending) >= 4 * workers:
                    break
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield _result(future)
        pool.shutdown(wait=True)
    finally:  # stopped early (an error, a closed generator): leave the workers, drop queued items
        pool.shutdown(wait=False, cancel_futures=True)


def _result(future: Future[Item]) -> Item:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool as error:
        raise EngineError(
            "Рабочий процесс аварийно завершился; готовые объявления уже записаны — запустите команду "
            "ещё раз, она продолжит с места остановки"
        ) from error


# -- Ray Data -------------------------------------------------------------------------------------
class RayWorker:
    """The actor class of `map_batches`: one started job per actor, reused for every batch."""

    def __init__(self, job: Job) -> None:
        self.handle = job.start()

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        """A batch of JSON-encoded items → their JSON-encoded results."""
        return {
            "result": [json.dumps(self.handle(json.loads(raw)), ensure_ascii=False) for raw in batch["item"]]
        }


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineError(f"Для --engine ray нужен Ray: {RAY_INSTALL}") from None
    return ray


def connect_ray(address: str | None, workers: int | None) -> bool:
    """Join the cluster at `address` (or $RAY_ADDRESS), else start a local one with `workers` CPUs.

    Returns whether this call connected (and the caller should disconnect); a process that is already
    connected is reused as it is. A cluster gets the project's code shipped as the job's working folder.
    """
    ray = _import_ray()
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS") or None
    options: dict[str, Any] = {"logging_level": logging.WARNING, "include_dashboard": False}
    if address:
        options["runtime_env"] = {"working_dir": str(PROJECT_ROOT), "excludes": RAY_EXCLUDES}
        ray.init(address=address, **options)
    else:  # "local": a new cluster of this machine, even when another one runs here
        cpus = workers or default_workers()
        ray.init(address="local", num_cpus=cpus, object_store_memory=RAY_OBJECT_STORE_BYTES, **options)
    return True


def run_ray(
    job: Job,
    items: list[Item],
    workers: int | None = None,
    address: str | None = None,
    gpu: bool = False,
    batch_size: int = RAY_BATCH_SIZE,
) -> Iterator[Item]:
    """Results of `job` over `items` on Ray Data, streamed back as actors finish batches.

    `workers` actors (by default, and at most, one per cluster CPU; with `gpu` and GPUs in the
    cluster, one per GPU, each holding one). The items are read into a dataset from this process's
    memory. A failure of Ray itself (an actor lost, the cluster gone) is an EngineError.
    """
    if not items:
        return
    ray = _import_ray()
    connected = connect_ray(address, workers)
    try:
        from ray.data import ActorPoolStrategy, DataContext

        context = DataContext.get_current()
        context.enable_progress_bars = False  # the caller shows its own
        context.print_on_execution_start = False
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0)) if gpu else 0
        limit = gpus or max(1, int(resources.get("CPU", 1)))
        size = min(workers or limit, limit)
        dataset = ray.data.from_items([json.dumps(item, ensure_ascii=False) for item in items])
        mapped = dataset.map_batches(
            RayWorker, fn_constructor_args=(job,), batch_size=batch_size, batch_format="numpy",
            compute=ActorPoolStrategy(size=size), num_cpus=1, num_gpus=1 if gpus else 0,
        )  # fmt: skip
        for row in mapped.iter_rows():
            yield json.loads(row["result"])
    except ray.exceptions.RayError as error:
        raise EngineError(
            f"Ray не справился ({type(error).__name__}); готовые объявления уже записаны — запустите "
            "команду ещё раз, она продолжит с места остановки"
        ) from error
    finally:
        if connected:
            ray.shutdown()
