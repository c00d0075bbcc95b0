from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_sync_retry_of')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ManagedGroup',
            name='identity',
            field=fields.TextField(null=True, unique=False),
        ),
    ]
