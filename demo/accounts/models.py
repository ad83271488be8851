from django.db import models


class Vault(models.Model):
    """Only carries the permission the vault page requires."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("open_vault", "Can open the vault")]
