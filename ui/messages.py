"""Every error code a page can meet, as a sentence for people (Home Assistant's strings.json idea)."""

from __future__ import annotations

from pydantic import ValidationError

from core.errors import LpmError

SENTENCES = {
    "cannot_connect": "Cannot connect to the server.",
    "timeout": "The server did not answer in time.",
    "invalid_auth": "The API key was rejected.",
    "bad_response": "The server answered with an error or something unexpected.",
    "invalid_url": "The base URL is not valid.",
    "invalid_channel": "Choose a channel type.",
    "invalid_keys": "Enter at least one valid API key.",
    "invalid_name": "The name is not valid.",
    "invalid_test_model": "Pick one of the provider's active models, or automatic.",
    "invalid_input": "Some input is not valid.",
    "already_configured": "That name is already taken.",
    "conflict": "Someone changed it at the same time.",
    "not_found": "It no longer exists.",
    "confirm_duplicates": "Two models would share one name.",
    "confirm_delete_all": "This would delete every model of the provider.",
    "stale_plan": "The plan changed since you previewed it.",
    "unsafe_plan": "This plan deletes most of what the manager owns; confirm it with the count.",
    "checksum_required": "Preview the plan before applying it.",
    "sync_in_progress": "A sync is already running.",
    "gptload_not_ready": "GPT-Load has not loaded the new groups yet.",
    "config_write_failed": "api.yaml could not be written.",
    "gptload_unreachable": "GPT-Load cannot be reached; this is only a preview.",
    "stale_import": "The sources changed since the preview.",
    "invalid_choice": "This choice is not one the preview offered.",
    "no_import_source": "Choose what to import from.",
    "invalid_import_source": "That source cannot be read.",
    "invalid_api_yaml": "The api.yaml is not valid YAML.",
    "backup_invalid": "This is not a backup this tool can read.",
    "backup_unreadable": "The backup cannot be opened.",
    "passphrase_too_short": "The passphrase is too short.",
    "not_in_inbox": "That model is no longer in the inbox.",
    "not_vanished": "Only models that vanished upstream can be deleted from the inbox.",
    "conflicting_actions": "One model got two different actions.",
}


def describe_invalid(error: ValidationError) -> str:
    """Input a request shape refuses (too many keys, a name too long): the first problem, for people."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if not isinstance(part, int))
    return f"{SENTENCES['invalid_input']} {where}: {first.get('msg', '')}".strip()


def describe(error: LpmError) -> str:
    """A headline for the code plus the detail (which carries the provider's own words)."""
    headline = SENTENCES.get(error.code, "Something went wrong.")
    return f"{headline} {error.detail}"
