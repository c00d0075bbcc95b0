"""Providers a sync would route client traffic to although they look broken (pure).

A provider whose last test failed (a revoked key, a dead endpoint) or whose keys GPT-Load has
blacklisted still gets its groups and uni-api entries: the operator may know better. But the plan
preview says so before apply, and names what clients would reach through it, so nobody learns it
from 401s in GPT-Load's logs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from pydantic import BaseModel

from core.phrases import Phrase
from core.topology import Topology


class RouteWarning(BaseModel):
    provider_id: int
    provider_name: str
    reason: str  # "last_test_failed" | "invalid_keys"
    detail: str  # ``said`` in English
    said: Phrase  # what is wrong, for a page to say in its language (core.phrases)
    groups: list[str]  # the provider's GPT-Load groups
    exposed_names: list[str]  # what clients reach through them


def route_warnings(
    topology: Topology, failed_tests: Mapping[int, str | None], invalid_keys: Mapping[str, int]
) -> list[RouteWarning]:
    """``failed_tests``: provider id -> the failed test's error; ``invalid_keys``: group name -> blacklisted keys."""
    groups: dict[int, list[str]] = defaultdict(list)
    names: dict[int, set[str]] = defaultdict(set)
    provider_names: dict[int, str] = {}
    for group in topology.standard:
        groups[group.provider_id].append(group.name)
        names[group.provider_id].update(group.rules)
        provider_names[group.provider_id] = group.provider_name
    warnings = []
    for pid in sorted(groups, key=lambda pid: provider_names[pid]):
        common = {
            "provider_id": pid,
            "provider_name": provider_names[pid],
            "groups": sorted(groups[pid]),
            "exposed_names": sorted(names[pid]),
        }
        if pid in failed_tests:
            error = failed_tests[pid]  # the test's own words
            said = Phrase("last_test_failed", {"error": error}) if error else Phrase("last_test_failed_silently")
            warnings.append(RouteWarning(reason="last_test_failed", detail=str(said), said=said, **common))
        blacklisted = sum(invalid_keys.get(name, 0) for name in groups[pid])
        if blacklisted:
            said = Phrase("invalid_keys", {"count": blacklisted})
            warnings.append(RouteWarning(reason="invalid_keys", detail=str(said), said=said, **common))
    return warnings
