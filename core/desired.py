"""The desired state from the registry: GPT-Load group specs and uni-api entries (DESIGN §5, §7).

Reads providers, keys and active models, runs the pure topology, and dresses its groups in the
fields GPT-Load stores. Also keeps the two secrets the manager generates itself: the proxy key it
sets on every group it owns, and the client key of a new api.yaml (both encrypted at rest).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tortoise import Tortoise

from core.channels import CHANNELS
from core.impact import load_registry
from core.known_secrets import CLIENT_KEY_SETTING, PROXY_KEY_SETTING
from core.models import AppSetting, ManagedGroup, Provider
from core.naming import GROUP_MARKER
from core.plan import GroupSpec
from core.topology import AggregateGroup, ProviderInput, Route, StandardGroup, Topology, build_topology
from core.uniapi import UniapiEntry

if TYPE_CHECKING:
    from core.services import Services  # a type only: services -> sync -> desired must not lead back


@dataclass
class DesiredState:
    topology: Topology
    specs: list[GroupSpec]
    entries: list[UniapiEntry]
    proxy_key: str
    client_key: str


# Every column desired_state() reads, in a stable order: the registry digest covers exactly its input.
_INPUT_QUERIES = (
    "SELECT id, name, channel_type, base_url, test_model, api_keys_token FROM provider ORDER BY id",
    "SELECT id, provider_id, original_name, normalized_name, is_active, last_test_ok FROM model ORDER BY id",
    "SELECT name, identity FROM managed_group WHERE identity IS NOT NULL ORDER BY name",
    # The two generated secrets only: other rows (the settled api.yaml) change after every sync.
    f"SELECT key, value FROM app_setting WHERE key IN ('{PROXY_KEY_SETTING}', '{CLIENT_KEY_SETTING}') ORDER BY key",
)


@dataclass
class DesiredMemo:
    """The last desired state and the digest of the registry it was built from (one per sync engine)."""

    digest: str | None = None
    state: DesiredState | None = None


async def remembered_desired_state(services: Services, memo: DesiredMemo) -> DesiredState:
    """``desired_state``, built again only when what it reads changed: at 12,000 groups building it takes
    0.7 s and reading its raw input 0.1 s. The digest covers every row and column it reads, and the settings."""
    digest = await _input_digest(services)
    if memo.digest != digest or memo.state is None:
        memo.state, memo.digest = await desired_state(services), digest
    return memo.state


async def _input_digest(services: Services) -> str:
    connection = Tortoise.get_connection("default")
    hasher = hashlib.sha256()
    settings = services.settings
    hasher.update(repr((settings.uniapi_gptload_url, settings.uniapi_model_lists)).encode())
    for query in _INPUT_QUERIES:
        _, rows = await connection.execute_query(query)
        hasher.update(repr([tuple(row) for row in rows]).encode())
    return hasher.hexdigest()


async def desired_state(services: Services) -> DesiredState:
    providers, keys = await _registry(services)
    # Names of the groups already made, by what they serve: they keep them (issue: names must not churn).
    existing = dict(await ManagedGroup.exclude(identity=None).values_list("identity", "name"))
    topology = build_topology(providers, existing)
    proxy_key = await managed_secret(services, PROXY_KEY_SETTING, "lpm-proxy-")
    client_key = await managed_secret(services, CLIENT_KEY_SETTING, "sk-lpm-")
    specs = [standard_spec(g, keys[g.provider_id], proxy_key) for g in topology.standard]
    specs += [aggregate_spec(a, proxy_key) for a in topology.aggregates]
    entries = [uniapi_entry(r, services.settings.uniapi_gptload_url, proxy_key, services.settings.uniapi_model_lists)
               for r in topology.routes]  # fmt: skip
    return DesiredState(topology, specs, entries, proxy_key, client_key)


def without(state: DesiredState, names: set[str]) -> DesiredState:
    """The state minus groups held by someone else: their aggregates lose them, their routes go away."""
    if not names:
        return state
    specs = []
    for spec in state.specs:
        if spec.name in names:
            continue
        if spec.group_type == "aggregate":
            members = {m: w for m, w in spec.members.items() if m not in names}
            if not members:
                names = names | {spec.name}
                continue
            spec = replace(spec, members=members)
        specs.append(spec)
    entries = [e for e in state.entries if e.provider not in names]
    return DesiredState(state.topology, specs, entries, state.proxy_key, state.client_key)


def standard_spec(group: StandardGroup, keys: list[str], proxy_key: str) -> GroupSpec:
    if group.single:
        (exposed,) = group.rules
        title = f"{exposed} @ {group.provider_name}"
    else:
        title = f"{group.provider_name}: models without an aggregate"
    fields = {
        "display_name": title[:255],
        "description": f"{GROUP_MARKER} {title}"[:512],
        "upstreams": [{"url": group.upstream, "weight": 1}],
        "test_model": group.test_model,
        "validation_endpoint": group.validation_endpoint,
        "model_redirect_rules": dict(sorted(group.rules.items())),
        "model_redirect_strict": True,
        "proxy_keys": proxy_key,
    }
    return GroupSpec(group.name, "standard", group.channel_type, fields, frozenset(keys), identity=group.identity)


def aggregate_spec(group: AggregateGroup, proxy_key: str) -> GroupSpec:
    title = f"{group.exposed_name} (aggregate of {len(group.members)})"
    fields = {"display_name": title[:255], "description": f"{GROUP_MARKER} {title}"[:512], "proxy_keys": proxy_key}
    return GroupSpec(
        group.name, "aggregate", group.channel_type, fields, members=dict(group.members), identity=group.identity
    )


def uniapi_entry(route: Route, gptload_url: str, proxy_key: str, model_lists: str) -> UniapiEntry:
    """base_url and engine per the uni-api reference; explicit models where discovery cannot work."""
    dialect = CHANNELS[route.channel_type]
    base_url = f"{gptload_url.rstrip('/')}/proxy/{route.group}{route.client_prefix}{dialect.uniapi_chat_suffix}"
    # uni-api cannot list some dialects' groups, and a group on a kept custom path is not rewritten to /v1.
    discoverable = dialect.uniapi_discovers and route.client_prefix != ""
    explicit = model_lists == "explicit" or not discoverable
    return UniapiEntry(route.group, base_url, dialect.uniapi_engine, proxy_key, route.models if explicit else None)


async def desired_secrets(services: Services) -> list[str]:
    """The secrets the manager writes into api.yaml, for masking what leaves the process."""
    return [
        await managed_secret(services, PROXY_KEY_SETTING, "lpm-proxy-"),
        await managed_secret(services, CLIENT_KEY_SETTING, "sk-lpm-"),
    ]


async def managed_secret(services: Services, setting: str, prefix: str) -> str:
    """A secret the manager generates once and keeps encrypted in the database."""
    async with services.registry_lock:
        row = await AppSetting.get_or_none(key=setting)
        if row is None:
            row = await AppSetting.create(key=setting, value=services.box.encrypt(prefix + secrets.token_urlsafe(32)))
            await services.secrets.refresh()
    return services.box.decrypt(row.value)


async def _registry(services: Services) -> tuple[list[ProviderInput], dict[int, list[str]]]:
    """The topology's input (providers with an active model) and those providers' decrypted keys."""
    providers = (await load_registry()).provider_inputs()
    tokens = dict(await Provider.filter(id__in=[p.id for p in providers]).values_list("id", "api_keys_token"))
    return providers, {pid: services.box.decrypt_list(token) for pid, token in tokens.items()}
