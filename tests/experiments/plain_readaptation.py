"""Plain-Python tallies of re-adaptation after goal switches: the references the experiments'
jitted `Readaptation` records are checked against."""
from __future__ import annotations


def plain_readaptation(goals: list[int], hits: list[bool], solved_at: list[int]) -> tuple[list[int], int]:
    """Re-adaptation times and missed switches, read off per-generation records: goals[g], whether
    an individual reached the criterion on goals[g] at g, and the run's solved generation as
    known at g (-1 before). A switch at s counts when the run was solved before s; its time is
    the first g in [s, next switch) with a hit, minus s."""
    switches = [g for g in range(1, len(goals)) if goals[g] != goals[g - 1]]
    times, missed = [], 0
    for i, s in enumerate(switches):
        if not 0 <= solved_at[s - 1] < s:
            continue
        end = switches[i + 1] if i + 1 < len(switches) else len(goals)
        found = [g - s for g in range(s, end) if hits[g]]
        if found:
            times.append(found[0])
        elif i + 1 < len(switches):
            missed += 1
    return times, missed


def solved_while_active(goals: list[int], hits: list[bool], listed: list[int]) -> list[int]:
    """Clune's rule for when a run is solved, per generation g: the first generation by which
    every listed goal has had a hit while it was the active goal (-1 before)."""
    seen, solved_at, first = set(), [], -1
    for g, (goal, hit) in enumerate(zip(goals, hits)):
        if hit:
            seen.add(goal)
        if first < 0 and seen >= set(listed):
            first = g
        solved_at.append(first)
    return solved_at
