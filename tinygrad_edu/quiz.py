"""A quiz: questions (``exercises.Question``) asked one at a time, at a terminal or from a file.

``Quiz`` keeps the session: the current question, the tries left (a hint after a wrong answer, the
worked answer after the last try; an unreadable answer uses none), the score and the kinds of step
missed. ``ask`` asks one question through any read/write pair; ``run`` asks them all at a prompt
(or from a list of answers) and prints the score, also when input ends or Ctrl-C stops it.

    >>> quiz = Quiz(Exercise(parse("tanh(w*x + b)", w=-3, x=2, b=6.88)).questions())
    >>> run(quiz)        # prompts, verdicts, hints, the score
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

from .exercises import Question, Verdict
from .files import read_limited, shorten
from .mathpage import number

__all__ = ["Quiz", "Reply", "ask", "run", "line_editing", "read_answers", "ANSWERS_MAX_BYTES"]

ANSWERS_MAX_BYTES = 2**20  # an answers file: a line per question, far less than a megabyte


@dataclass
class _Asked:
    question: Question
    tries: int = 0
    right: bool = False


@dataclass(frozen=True)
class Reply:
    """What the quiz says to an answer: the verdict, then a hint or the solution; ``moved_on``
    when the question is over (right, or out of tries)."""

    verdict: Verdict
    text: str
    moved_on: bool


class Quiz:
    """Questions asked one at a time: ``current``, ``answer(text)``, ``score()``.

    ``tries``: answers per question before the solution is shown (an unreadable answer uses none).
    """

    def __init__(self, questions: Iterable[Question], tries: int = 3) -> None:
        if not (isinstance(tries, int) and not isinstance(tries, bool) and tries >= 1):
            raise ValueError(f"Quiz(tries): a whole number >= 1, got {tries!r}")
        self.records = [_Asked(q) for q in questions]
        self.tries = tries
        self.index = 0

    def add(self, question: Question) -> None:
        """One more question at the end (a walkthrough asks as it goes)."""
        self.records.append(_Asked(question))

    @property
    def current(self) -> Question | None:
        return self.records[self.index].question if self.index < len(self.records) else None

    @property
    def done(self) -> bool:
        return self.index >= len(self.records)

    def answer(self, text: str) -> Reply:
        if self.done:
            raise ValueError("Quiz.answer: every question has been answered")
        record = self.records[self.index]
        verdict = record.question.check(text)
        if verdict.status == "unreadable":
            return Reply(verdict, f"  ? {verdict.message}", False)
        record.tries += 1
        if verdict.ok:
            record.right = True
            self.index += 1
            return Reply(verdict, f"  ✓ {verdict.message}", True)
        lines = [f"  ✗ {verdict.message}"]
        if record.tries < self.tries:
            left = self.tries - record.tries
            lines.append(f"    hint: {record.question.hint}" if record.question.hint else "")
            lines.append(f"    ({left} {'try' if left == 1 else 'tries'} left)")
        else:
            self.index += 1
            lines.append(f"    the answer: {record.question.solution or number(record.question.answer)}")
        return Reply(verdict, "\n".join(line for line in lines if line), not record.tries < self.tries)

    def score(self) -> str:
        """The score so far, and which kinds of step were missed at the first try."""
        asked = [r for r in self.records if r.tries]
        if not self.records:
            return "No questions were asked."
        right = sum(r.right for r in asked)
        first = sum(r.right and r.tries == 1 for r in asked)
        total = len(self.records)
        unasked = f"; {total - len(asked)} of {total} questions not answered" if len(asked) < total else ""
        lines = [f"Score: {right} of {len(asked)} right ({first} at the first try){unasked}"]
        missed: dict[str, list[int]] = {}
        for r in asked:
            if not (r.right and r.tries == 1):
                missed.setdefault(r.question.topic or r.question.prompt, []).append(r.right)
        if missed:
            lines.append("Missed at the first try: " + "; ".join(
                f"{topic} ({len(rs)}{'' if all(rs) else f', {len(rs) - sum(rs)} not at all'})"
                for topic, rs in missed.items()))
        elif asked:
            lines.append("Nothing missed." if len(asked) == total
                         else f"Nothing missed in the {len(asked)} answered.")
        return "\n".join(lines)


def line_editing() -> None:
    """Line editing and history for ``input()`` when the answers are typed at a terminal
    (Python's readline, where this Python has it)."""
    if sys.stdin.isatty():
        try:
            import readline  # noqa: F401  (importing it is what turns it on)
        except ImportError:
            pass


def read_answers(path: str | os.PathLike) -> list[str]:
    """The answers in a file, one a line; blank lines and ``#`` comments are skipped. Read strictly
    (UTF-8, at most ``ANSWERS_MAX_BYTES``: /dev/zero is refused, not read forever): a file that
    cannot be read is an OSError or a ValueError naming it."""
    try:
        lines = read_limited(path, ANSWERS_MAX_BYTES, "an answers file").decode("utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise ValueError(f"cannot read the answers from {shorten(repr(str(path)))}: not UTF-8 text "
                         f"({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise OSError(f"cannot read the answers from {shorten(repr(str(path)))}: {e.strerror or e}") from None
    return [answer for line in lines if (answer := line.split("#", 1)[0].strip())]


def ask(quiz: Quiz, read: Callable[[str], str | None], write: Callable[[str], None],
        heading: str | None = None) -> bool:
    """Ask ``quiz.current`` until it is over (right, or out of tries): ``read(prompt)`` gives an
    answer, None when there are no more. False when the answers ran out. ``heading`` comes before
    the question's topic (default: [k/N])."""
    q = quiz.current
    if q is None:
        raise ValueError("ask: every question of the quiz has been asked")
    context = f"   ({q.context})" if q.context else ""
    heading = f"[{quiz.index + 1}/{len(quiz.records)}]" if heading is None else heading
    write(f"\n{heading} {q.topic or q.kind}{context}\n")
    while True:
        text = read(f"  {q.prompt} = ? ")
        if text is None:
            return False
        reply = quiz.answer(text)
        write(reply.text + "\n")
        if reply.moved_on:
            return True


def run(quiz: Quiz, answers: Iterator[str] | None = None, out: TextIO | None = None, intro: str = "") -> Quiz:
    """Ask the quiz's questions: typed at a prompt, or read from ``answers`` (echoed after the
    prompt). End of input or Ctrl-C stop the quiz; the score so far is printed either way."""
    out = out or sys.stdout

    def write(text: str) -> None:
        out.write(text)
        out.flush()

    def read(prompt: str) -> str | None:
        if answers is None:
            return input(prompt)
        write(prompt)
        text = next(answers, None)
        write("\n(no more answers)\n" if text is None else text + "\n")
        return text

    if intro:
        write(intro.rstrip("\n") + "\n")
    try:
        while not quiz.done and ask(quiz, read, write):
            pass
    except (EOFError, KeyboardInterrupt):
        write("\n(stopped)\n")
    write("\n" + quiz.score() + "\n")
    return quiz
