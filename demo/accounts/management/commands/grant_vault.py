from django.contrib.auth.models import Permission, User
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Give a user the permission the vault page requires."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user {username!r}: sign up first")
        user.user_permissions.add(
            Permission.objects.get(
                codename="open_vault", content_type__app_label="accounts"
            )
        )
        self.stdout.write(f"{username} may open the vault")
