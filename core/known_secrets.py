"""Every secret the manager holds, kept current for code that cannot wait on the database (the log filter).

Provider keys, the proxy key and the uni-api client key live encrypted in the database; GPT-Load's admin
key and the admin password come from the settings. Whatever leaves the process through a log is redacted
with all of them; the set is refreshed at start-up and after every write that adds or drops a secret.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.crypto import SecretBox
from core.models import AppSetting, Provider

# AppSetting rows that hold a secret the manager generated (core.desired.managed_secret makes them).
PROXY_KEY_SETTING = "gptload_proxy_key"  # set on every group the manager owns; uni-api's `api` for them
CLIENT_KEY_SETTING = "uniapi_client_key"  # the admin client key of a new api.yaml
SECRET_SETTINGS = (PROXY_KEY_SETTING, CLIENT_KEY_SETTING)


class KnownSecrets:
    def __init__(self, box: SecretBox, fixed: Iterable[str] = ()) -> None:
        self._box = box
        self._fixed = frozenset(s for s in fixed if s)
        self._all = self._fixed

    def __call__(self) -> frozenset[str]:
        return self._all

    async def refresh(self) -> None:
        stored: set[str] = set()
        for token in await Provider.all().values_list("api_keys_token", flat=True):
            stored.update(self._box.decrypt_list(token))
        for token in await AppSetting.filter(key__in=SECRET_SETTINGS).values_list("value", flat=True):
            stored.add(self._box.decrypt(token))
        self._all = self._fixed | stored
