"""User-facing errors: each one prints as a single line naming the file, the field and the fix."""

from __future__ import annotations


class SimInputError(Exception):
    """Bad input from a user file, flag or database; the CLI prints it as one line, no traceback."""

    def __init__(self, source: str, field: str, problem: str, fix: str = "") -> None:
        self.source = source
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(self.line())

    def line(self) -> str:
        """Render as `source: field: problem (fix: ...)`."""
        where = f"{self.source}: {self.field}" if self.field else self.source
        text = f"{where}: {self.problem}"
        return f"{text} (fix: {self.fix})" if self.fix else text
