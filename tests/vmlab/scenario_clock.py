"""Pass molecule's output through and print how long each scenario and step took.

Usage: molecule test ... 2>&1 | scenario_clock.py

Molecule announces each step as ``<scenario> ➜ <step>: Executing`` and ends it
with ``... Executed: <result>``; the clock is this process's, taken as each
line arrives. At the end of the input a table of every scenario's steps and
its total is printed, in the order the scenarios ran.
"""

from __future__ import annotations

import re
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\x1b\]8;;[^\x1b]*\x1b\\")
STEP = re.compile(r"^\S+\s+(?P<scenario>\S+)\s+➜\s+(?P<step>[\w-]+):\s+(?P<state>Executing|Executed)(?::\s*(?P<result>.*))?")


def parse(line: str) -> tuple[str, str, str, str] | None:
    """``(scenario, step, state, result)`` of a step line, None for any other line."""
    match = STEP.match(ANSI.sub("", line).strip())
    if not match:
        return None
    return match["scenario"], match["step"], match["state"], (match["result"] or "").strip()


class Clock:
    """Seconds of each scenario's steps, in the order they started."""

    def __init__(self, now=time.monotonic):
        self.now = now
        self.started: dict[tuple[str, str], float] = {}
        self.steps: list[dict] = []

    def feed(self, line: str) -> None:
        parsed = parse(line)
        if parsed is None:
            return
        scenario, step, state, result = parsed
        if state == "Executing":
            self.started[(scenario, step)] = self.now()
        elif (scenario, step) in self.started:
            seconds = self.now() - self.started.pop((scenario, step))
            self.steps.append({"scenario": scenario, "step": step, "seconds": seconds, "result": result})

    def table(self) -> str:
        order: list[str] = []
        for step in self.steps:
            if step["scenario"] not in order:
                order.append(step["scenario"])
        rows = [("scenario", "seconds", "steps")]
        for scenario in order:
            mine = [step for step in self.steps if step["scenario"] == scenario]
            detail = ", ".join(f"{step['step']} {step['seconds']:.0f}"
                               + ("" if step["result"].startswith("Successful") else f" ({step['result']})")
                               for step in mine)
            rows.append((scenario, f"{sum(step['seconds'] for step in mine):.0f}", detail))
        rows.append(("all", f"{sum(step['seconds'] for step in self.steps):.0f}", ""))
        widths = [max(len(row[column]) for row in rows) for column in range(2)]
        lines = [f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]}".rstrip() for row in rows]
        lines.insert(1, f"{'-' * widths[0]}  {'-' * widths[1]}  -----")
        return "\n".join(lines)


def main() -> int:
    clock = Clock()
    for line in sys.stdin:
        sys.stdout.write(line)
        sys.stdout.flush()
        clock.feed(line)
    if clock.steps:
        print("run-scenarios: time per scenario (s)")
        print(clock.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
