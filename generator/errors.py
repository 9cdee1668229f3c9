"""The one exception type that the CLI turns into a one-line message and exit code 2.

Every user-facing failure (a bad spec, an unreadable file, an output folder xgen must not
touch) is an `InputError` carrying where it happened and how to fix it, so that no command
ever shows a traceback for bad input.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input: names the file, the place in it, what is wrong and how to fix it."""

    def __init__(
        self, message: str, *, file: str | None = None, place: str | None = None, fix: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.place = place
        self.fix = fix

    def __str__(self) -> str:
        where = ":".join(part for part in (self.file, self.place) if part)
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text = f"{text} (fix: {self.fix})"
        # One line whatever the values in it: every break str.splitlines knows (\r, \v,
        # \x1c-\x1e, \x85, \u2028 ...) and not only \n, e.g. from a file name.
        return " ".join(text.splitlines())
