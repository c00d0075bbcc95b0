"""uni-api's ``api.yaml``: render the manager's providers into it, validate it, write it safely, mask it.

The contract is ``shared/reference/uniapi-config.md``. The manager owns only the provider entries whose
``notes`` is ``MARKER``; everything else in the file is the operator's and is kept as written.
``render``, ``validate`` and ``masked`` are pure; ``read_config`` and ``write_config`` do the file I/O.
No message of this package ever contains a secret value.

    render       the managed entries into an existing or new document (round trip, comments kept)
    splice       the same for a file render wrote, line by line (no round trip), or None
    schema       pydantic models of the api.yaml subset that matters, and ``validate``
    config_file  read and write at the configured path (the generic writing is ``core.files``)
    masking      the document with every key masked, for display and download
    yamlio       ruamel.yaml load and dump in the file's own indentation
    comments     carrying comments along when list items come and go
"""

from __future__ import annotations

from core.naming import OWNER_MARKER as MARKER
from core.uniapi.config_file import read_config, write_config
from core.uniapi.masking import document_secrets, masked
from core.uniapi.render import UniapiEntry, managed_entry_names, render
from core.uniapi.schema import validate

__all__ = [
    "MARKER",
    "UniapiEntry",
    "document_secrets",
    "managed_entry_names",
    "masked",
    "read_config",
    "render",
    "validate",
    "write_config",
]
