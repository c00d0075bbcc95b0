"""Tortoise models only (DESIGN §4). No logic lives here; use-cases are in the modules beside this one.

Schema changes go through Tortoise's built-in migrations in ``core/migrations`` (see README, "Upgrading").
"""

from tortoise import fields, models


class AppSetting(models.Model):
    # Small key/value facts the app keeps about itself, such as the encryption canary.
    # (No docstrings on models: Tortoise turns them into SQL comments and splits statements on ";".)

    key = fields.CharField(max_length=100, primary_key=True)
    value = fields.TextField()

    class Meta:
        table = "app_setting"


class Provider(models.Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    base_url = fields.CharField(max_length=500)
    channel_type = fields.CharField(max_length=20)
    # A Fernet token of the JSON list of keys; only core.providers decrypts it.
    api_keys_token = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    last_fetched_at = fields.DatetimeField(null=True)
    last_tested_at = fields.DatetimeField(null=True)
    last_test_ok = fields.BooleanField(null=True)
    last_test_latency_ms = fields.IntField(null=True)
    last_test_error = fields.TextField(null=True)
    # The operator's pick of the model GPT-Load validates keys with (an original name); None: core.model_kinds picks.
    test_model = fields.CharField(max_length=500, null=True)

    models: fields.ReverseRelation["Model"]

    class Meta:
        table = "provider"


class Model(models.Model):
    id = fields.IntField(primary_key=True)
    provider: fields.ForeignKeyRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="models", on_delete=fields.CASCADE
    )
    original_name = fields.CharField(max_length=500)
    normalized_name = fields.CharField(max_length=500, null=True)
    is_active = fields.BooleanField(default=True)
    is_manual = fields.BooleanField(default=False)
    upstream_missing = fields.BooleanField(default=False)
    fetched_at = fields.DatetimeField(null=True)
    last_tested_at = fields.DatetimeField(null=True)
    last_test_ok = fields.BooleanField(null=True)
    # What a fetch found that the operator has not reviewed yet (the churn inbox, core.inbox):
    # "new", "vanished" or "reappeared"; None once accepted, ignored or deleted.
    inbox = fields.CharField(max_length=20, null=True)
    # The operator ignored it: it stays inactive and is not offered again.
    ignored = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "model"
        unique_together = (("provider", "original_name"),)


class NormalizationRule(models.Model):
    # A saved normalization rule (core.normalization): applied in ``position`` order to newly fetched models.

    id = fields.IntField(primary_key=True)
    position = fields.IntField(default=0)
    kind = fields.CharField(max_length=40)
    # The rule's parameters, by kind (a prefix to strip, a separator to use, ...).
    params = fields.JSONField(default=dict)
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "normalization_rule"


class ManagedGroup(models.Model):
    # A GPT-Load group this manager created. Nothing outside this table is ever updated or deleted.

    id = fields.IntField(primary_key=True)
    gptload_id = fields.IntField(null=True)
    name = fields.CharField(max_length=100, unique=True)
    group_type = fields.CharField(max_length=20)
    provider: fields.ForeignKeyNullableRelation[Provider] = fields.ForeignKeyField(
        "models.Provider", related_name="groups", null=True, on_delete=fields.SET_NULL
    )
    exposed_name = fields.CharField(max_length=500, null=True)
    # What the group serves (core.topology's identity), so it keeps its name while it serves the same thing.
    identity = fields.TextField(null=True)
    spec = fields.JSONField(default=dict)
    # What the last successful sync left in GPT-Load (core.actual): key fingerprints, members, GPT-Load's
    # updated_at. A normal plan trusts it instead of reading keys and members again; null = read them.
    applied = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "managed_group"


class SyncRecord(models.Model):
    id = fields.IntField(primary_key=True)
    status = fields.CharField(max_length=20)
    started_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)
    plan = fields.JSONField(default=dict)
    results = fields.JSONField(default=list)
    error = fields.TextField(null=True)
    failed_step = fields.CharField(max_length=200, null=True)
    # A retry is a new run (plan + apply again); this links it to the run it retries.
    retry_of = fields.IntField(null=True)

    class Meta:
        table = "sync_record"
