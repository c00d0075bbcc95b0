from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_managed_group_applied')]

    initial = False

    operations = [
        ops.CreateModel(
            name='NormalizationRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('position', fields.IntField(default=0)),
                ('kind', fields.CharField(max_length=40)),
                ('params', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('enabled', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'normalization_rule', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Model',
            name='ignored',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Model',
            name='inbox',
            field=fields.CharField(null=True, max_length=20),
        ),
    ]
