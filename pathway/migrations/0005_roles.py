"""The two editorial roles, as groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_MODELS = {
    "pathway": ["pathway", "step", "question", "option", "tier", "level", "rule", "criterion",
                "regressioncase"],
    "kb": ["source", "entry", "nerveroot", "muscle", "rootcontribution", "sensoryregion",
           "reflex", "clinicaltest", "condition", "treatment"],
}


def permissions_for(Permission, actions):
    wanted = [(app, f"{action}_{model}") for app, models in CONTENT_MODELS.items()
              for model in models for action in actions]
    found = []
    for app, codename in wanted:
        found.extend(Permission.objects.filter(content_type__app_label=app, codename=codename))
    return found


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so groups can use them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editor, _ = Group.objects.get_or_create(name="Content editor")
    editor.permissions.set(permissions_for(Permission, ["add", "change", "delete", "view"]))
    publisher, _ = Group.objects.get_or_create(name="Clinical publisher")
    publisher.permissions.set([
        *permissions_for(Permission, ["view"]),
        Permission.objects.get(content_type__app_label="pathway", codename="publish_pathway"),
    ])


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Content editor", "Clinical publisher"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pathway", "0004_governance"),
        ("kb", "0003_governance"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
