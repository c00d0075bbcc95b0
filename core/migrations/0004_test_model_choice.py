from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_managed_group_identity')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Model',
            name='last_test_ok',
            field=fields.BooleanField(null=True),
        ),
        ops.AddField(
            model_name='Model',
            name='last_tested_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Provider',
            name='test_model',
            field=fields.CharField(null=True, max_length=500),
        ),
    ]
