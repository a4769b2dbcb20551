"""What every command line of the project shares: the Russian argument parser and its help formatter,
the exit codes, and how a failure reaches the user (one Russian line; the traceback goes to the log
file or, with --verbose, to stderr)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

EXIT_OK, EXIT_ERROR, EXIT_REJECTED = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C
EXIT_CODES = {"ok": EXIT_OK, "rejected": EXIT_REJECTED, "error": EXIT_ERROR}
VERBOSE = "--verbose"
VERBOSE_HELP = "печатать подробности ошибок (с трассировкой) в stderr, а не в журнал"

log = logging.getLogger(__name__)


class RussianParser(argparse.ArgumentParser):
    """argparse that reports bad arguments in Russian with the usage line and exit code 1."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"Ошибка в аргументах: {message}\nПодробнее: {self.prog} --help\n")


class RussianDefaultsFormatter(argparse.HelpFormatter):
    """argparse's ArgumentDefaultsHelpFormatter in Russian: each option's help ends with its default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        shown = action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE)
        unset = action.default is None or action.default is False or action.default in ("", argparse.SUPPRESS)
        if "%(default)" in text or unset or not shown:
            return text
        return f"{text} (по умолчанию %(default)s)"


def configure_logging(log_file: Path, verbose: bool) -> Path | None:
    """Send the log (tracebacks included) to stderr when `verbose`, else to `log_file`, appending.

    Returns the log file in use, or None (verbose, or the file can't be opened: then the log is
    dropped rather than printed beside the command's own output).
    """
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)  # library warnings belong in the log, not between the results
    handler: logging.Handler
    used: Path | None = None
    if verbose:
        handler = logging.StreamHandler(sys.stderr)
    else:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(log_file, encoding="utf-8")
            used = log_file
        except OSError:
            handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return used


def details_hint(log_file: Path | None) -> str:
    """Where the details of a failure are: the log file, or how to see them."""
    if log_file is None:
        return f"Подробности: повторите команду с {VERBOSE}."
    return f"Подробности — в журнале {log_file} (или повторите команду с {VERBOSE})."


def run_guarded(command: Callable[[], int], log_file: Path | None) -> int:
    """Run a command: Ctrl-C and unexpected failures end it with one Russian line on stderr and an exit
    code; the traceback goes to the log."""
    try:
        return command()
    except KeyboardInterrupt:
        print("\nПрервано (Ctrl-C).", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # a bug or an unforeseen failure: the user gets one line, the log the rest
        log.exception("the command failed")
        reason = f"непредвиденный сбой ({type(error).__name__})"
        print(f"Ошибка: {reason}. {details_hint(log_file)}", file=sys.stderr)
        return EXIT_ERROR
