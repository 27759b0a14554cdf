"""Hypothesis profiles: `bounded` (default, seconds) for the suite; the long run is bench/fuzz_long.py."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "bounded",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("bounded")
