"""A queue's service-level goal: checked when set, described as the CLI prints it."""

from __future__ import annotations

import pytest

from onduty.server.core.service_goal import ServiceGoal, service_goal


def test_the_default_goal_is_80_percent_within_20_seconds() -> None:
    assert ServiceGoal() == ServiceGoal(20.0, 0.8)
    assert ServiceGoal().describe() == "80% within 20s"
    assert service_goal(45, 0.95).describe() == "95% within 45s"


@pytest.mark.parametrize(("target_s", "level", "message"), [
    (0.0, 0.8, "more than 0"), (-5.0, 0.8, "more than 0"), (7200.0, 0.8, "at most 3600"),
    (20.0, 0.0, "a fraction"), (20.0, 1.0, "a fraction"), (20.0, 80.0, "a fraction"),
])
def test_goals_outside_the_model_are_refused(target_s: float, level: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        service_goal(target_s, level)
