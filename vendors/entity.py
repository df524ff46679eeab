"""The abstract base every row of the project shares.

It lives in `vendors` because the register may import `vendors` and never the other way round.
"""

import uuid

from django.db import models


class Entity(models.Model):
    """Integer primary key (the `id` of the API and of commands), a `uuid` for links that should not
    reveal counts, and created/updated timestamps."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
