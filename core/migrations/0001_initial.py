from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AppSetting',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=100)),
                ('value', fields.TextField(unique=False)),
            ],
            options={'table': 'app_setting', 'app': 'models', 'pk_attr': 'key'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Provider',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
                ('base_url', fields.CharField(max_length=500)),
                ('channel_type', fields.CharField(max_length=20)),
                ('api_keys_token', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('last_fetched_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_tested_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_test_ok', fields.BooleanField(null=True)),
                ('last_test_latency_ms', fields.IntField(null=True)),
                ('last_test_error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'provider', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ManagedGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('gptload_id', fields.IntField(null=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
                ('group_type', fields.CharField(max_length=20)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', null=True, db_constraint=True, to_field='id', related_name='groups', on_delete=OnDelete.SET_NULL)),
                ('exposed_name', fields.CharField(null=True, max_length=500)),
                ('spec', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'managed_group', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Model',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.ForeignKeyField('models.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='models', on_delete=OnDelete.CASCADE)),
                ('original_name', fields.CharField(max_length=500)),
                ('normalized_name', fields.CharField(null=True, max_length=500)),
                ('is_active', fields.BooleanField(default=True)),
                ('is_manual', fields.BooleanField(default=False)),
                ('upstream_missing', fields.BooleanField(default=False)),
                ('fetched_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'model', 'app': 'models', 'unique_together': (('provider', 'original_name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SyncRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('status', fields.CharField(max_length=20)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('plan', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('results', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('error', fields.TextField(null=True, unique=False)),
                ('failed_step', fields.CharField(null=True, max_length=200)),
            ],
            options={'table': 'sync_record', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
