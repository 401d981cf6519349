"""The README is executable: its shell blocks run, as pasted, against a live system.

Every ```sh, ```bash and ```console block of README.md runs in order in one bash session, so
that what a block captures (``$PROGRAMME``, tokens, …) is there for the next ones, under
``set -euo pipefail``: a command that fails, a curl answered 400 or more, a check of the
README's own that does not hold fails the test, which names the block and shows its output. The
system runs as ``make dev`` runs it, on free ports; the README's commands read the gateway's
address from ``$API``, which the test sets. A block that cannot run here says why on its first
line (``# not run by tests/test_readme.py: <reason>``) and its reason is listed in
:data:`SKIPPED`; every other block must run.
"""

import os
import re
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import RunDatabase
from tests.system import running_system

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SHELLS = frozenset({"sh", "bash", "console"})
MARK = "# not run by tests/test_readme.py: "
# The blocks that cannot run inside a test, by the reason their first line gives.
SKIPPED = {
    "`make dev` runs until Ctrl-C; `make test` runs that test too":
        "the test starts the system itself; the suite runs this test",
    "seeding a pilot takes minutes (tests/test_demo_homere.py does)":
        "seeding takes minutes; tests/test_demo_homere.py seeds HOMERe on a live system",
    "needs a Docker engine":
        "no Docker engine on the machines this project is built on (tests/deploy checks "
        "the files offline)",
}
STEP = "::readme-block::"  # printed before each block runs, then its number
TIMEOUT = 300.0  # seconds for every block together; a hang fails rather than blocks the suite


@dataclass(frozen=True)
class Block:
    """One shell block: the README line its fence opens on, its language and its text."""

    line: int
    language: str
    text: str

    @property
    def skip_reason(self) -> str | None:
        """The reason its first line gives for not running it, if it gives one."""
        first = self.text.split("\n", 1)[0]
        return first[len(MARK):].strip() if first.startswith(MARK) else None

    @property
    def commands(self) -> str:
        """What to run: the text, or a console block's commands (its ``$ `` lines and their
        continuation lines) without the output shown."""
        if self.language != "console":
            return self.text
        kept: list[str] = []
        continued = False
        for line in self.text.split("\n"):
            if continued or line.startswith("$ "):
                kept.append(line if continued else line[2:])
                continued = line.endswith("\\")
        return "\n".join(kept)


def shell_blocks(text: str) -> list[Block]:
    """The shell blocks of a Markdown text, in order (other fenced blocks are passed over)."""
    blocks: list[Block] = []
    body: list[str] | None = None
    language, opened = "", 0
    for number, line in enumerate(text.split("\n"), start=1):
        if body is None:
            if line.startswith("```"):
                body, opened = [], number
                language = (line[3:].split() or [""])[0]
        elif line.startswith("```"):
            if language in SHELLS:
                blocks.append(Block(opened, language, "\n".join(body)))
            body = None
        else:
            body.append(line)
    assert body is None, f"README.md: the block opened on line {opened} is never closed"
    return blocks


BLOCKS = shell_blocks(README.read_text(encoding="utf-8"))
RUNNABLE = [(number, block) for number, block in enumerate(BLOCKS, start=1)
            if block.skip_reason is None]


def _script(blocks: list[tuple[int, Block]]) -> str:
    parts = ["set -euo pipefail", "shopt -s inherit_errexit",
             # Name the command that stopped the script, under its output.
             "trap 'echo \"^ this command failed ($?): $BASH_COMMAND\"' ERR"]
    for number, block in blocks:
        # On a line of its own even after an answer printed without a final newline.
        parts += [f"printf '\\n{STEP}{number}\\n'", block.commands]
    parts.append(f"printf '\\n{STEP}done\\n'")
    return "\n".join(parts) + "\n"


def _run(script: str, env: dict[str, str]) -> tuple[int | None, str]:
    """Run ``script`` with bash in the project's folder: its exit status (None when it ran out
    of time, then killed with whatever it started) and its output, stdout and stderr in order."""
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as file:
        file.write(script)
    try:
        process = subprocess.Popen(["bash", file.name], cwd=ROOT, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            output, _ = process.communicate(timeout=TIMEOUT)
            return process.returncode, output
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return None, output
    finally:
        os.unlink(file.name)


def _outputs(output: str) -> Iterator[tuple[str, str]]:
    """(block number, or "" before the first and "done" after the last; its output)."""
    for piece in re.split(f"^(?={re.escape(STEP)})", output, flags=re.M):
        head, _, rest = piece.partition("\n")
        yield (head[len(STEP):], rest) if head.startswith(STEP) else ("", piece)


# --- without a system ---------------------------------------------------------------------------


def test_each_block_runs_or_says_why_not() -> None:
    """Only the blocks listed here, for the reason their first line gives, are not run."""
    reasons = [block.skip_reason for block in BLOCKS if block.skip_reason is not None]
    assert sorted(reasons) == sorted(SKIPPED), (
        "a README block not run must give one of SKIPPED's reasons on its first line, once")
    assert RUNNABLE


@pytest.mark.parametrize(("number", "block"), RUNNABLE,
                         ids=[f"block{n}-line{b.line}" for n, b in RUNNABLE])
def test_block_is_valid_bash(number: int, block: Block) -> None:
    """Each block parses alone: an unclosed quote cannot swallow the blocks after it."""
    checked = subprocess.run(["bash", "-n"], input=block.commands, text=True,
                             capture_output=True, check=False)
    assert checked.returncode == 0, f"README block {number} (line {block.line}): " \
        f"{checked.stderr}"


# --- against a live system ------------------------------------------------------------------------


def test_readme_blocks_run(scratch_database: RunDatabase) -> None:
    """Every runnable block, in order in one bash session, against the whole system."""
    with running_system(scratch_database.admin_url) as system:
        env = {**os.environ, "API": system["gateway"],
               # `pathways create-admin` writes to the system's database, as under `make dev`.
               "DATABASE_URL": scratch_database.admin_url}
        code, output = _run(_script(RUNNABLE), env)
    outputs = list(_outputs(output))
    reached = [name for name, _ in outputs if name.isdigit()]
    if code == 0 and outputs[-1][0] == "done":
        skipped = [(n, b.skip_reason) for n, b in enumerate(BLOCKS, start=1) if b.skip_reason]
        print(f"README: {len(RUNNABLE)} blocks run, {len(skipped)} skipped: "
              + "; ".join(f"block {n}: {SKIPPED[str(reason)]}" for n, reason in skipped))
        return
    failed = int(reached[-1]) if reached else RUNNABLE[0][0]
    block = BLOCKS[failed - 1]
    shown = next(text for name, text in outputs if name == str(failed)) if reached else output
    how = f"ran out of time after {TIMEOUT:.0f} s" if code is None else f"exited with {code}"
    pytest.fail(f"README block {failed} (line {block.line}) {how}.\n--- the block:\n"
                f"{block.text}\n--- its output:\n{shown}", pytrace=False)
