"""Progress of long work (reading, scoring, planning) as it happens.

Every long call takes ``progress=``: ``True`` shows tqdm bars (or plain lines on stderr without tqdm), a callable
is called as ``callback(event, stage, value)``:

- ``"begin"``: a stage starts; ``stage`` names it, ``value`` is its number of steps or None;
- ``"advance"``: ``value`` more steps are done;
- ``"end"``: the stage is done; ``value`` is its one-line summary.

:class:`Tqdm` is such a callable; pass ``Tqdm(file=..., leave=...)`` for its options.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

Callback = Callable[[str, str, Any], None]


class Tqdm:
    """One tqdm bar per stage (a bar with a total when the stage says how many steps it has)."""

    def __init__(self, **options: Any) -> None:
        from tqdm.auto import tqdm  # an optional dependency: imported when used

        self._tqdm = tqdm
        self._options = options
        self._bar: Any = None

    def __call__(self, event: str, stage: str, value: Any) -> None:
        if event == "begin":
            self._close()
            self._bar = self._tqdm(total=value, desc=stage, **self._options)
        elif event == "advance" and self._bar is not None:
            self._bar.update(value)
        elif event == "end" and self._bar is not None:
            self._bar.set_postfix_str(str(value), refresh=False)
            self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class Lines:
    """One line per finished stage, with its summary and time, on ``file`` (stderr by default)."""

    def __init__(self, file: IO[str] | None = None) -> None:
        self._file = file
        self._stage = ""
        self._started = 0.0

    def __call__(self, event: str, stage: str, value: Any) -> None:
        if event == "begin":
            self._stage, self._started = stage, time.perf_counter()
        elif event == "end":
            seconds = time.perf_counter() - self._started
            print(f"✓ {self._stage}: {value} ({seconds:.1f} s)", file=self._file or sys.stderr)


def callback(progress: bool | Callback | None) -> Callback | None:
    """The callable for a ``progress=`` argument."""
    if progress is None or progress is False:
        return None
    if progress is True:
        try:
            return Tqdm()
        except ImportError:
            return Lines()
    if not callable(progress):
        raise TypeError(f"progress is {progress!r}; expected True, False, None or a callable(event, stage, value)")
    return progress
