from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_test_model_choice')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ManagedGroup',
            name='applied',
            field=fields.JSONField(null=True),
        ),
    ]
