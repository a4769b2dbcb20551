"""What every command line of the project shares: the Russian argument parser and the exit codes."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

EXIT_OK, EXIT_ERROR, EXIT_REJECTED = 0, 1, 2
EXIT_CODES = {"ok": EXIT_OK, "rejected": EXIT_REJECTED, "error": EXIT_ERROR}


class RussianParser(argparse.ArgumentParser):
    """argparse that reports bad arguments in Russian with the usage line and exit code 1."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"Ошибка в аргументах: {message}\nПодробнее: {self.prog} --help\n")
