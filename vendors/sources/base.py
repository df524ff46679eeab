"""The base of every source kind.

A check has three steps, split so that the network part can run many sources at once on one event
loop while the database part stays on one thread, one transaction per source:

1. `fetch` (async, no database): the conditional GET(s) through vendors/http.py;
2. `parse` (pure): what the source said, as plain values; raises SourceError on a bad answer;
3. `record` (database, inside the source's transaction): compare with the stored state and record
   StatusChanges through `RecordContext.record`, which calls `vendors.recording.status_change_record`.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rest_framework import serializers

from vendors import http


class SourceError(Exception):
    """The source answered, but not something we can read (garbage, an error status, hostile XML)."""


@dataclass(frozen=True)
class SourceSnapshot:
    """The plain values of a StatusSource that the fetch step needs (it must not touch the ORM)."""

    id: int
    kind: str
    url: str
    etag: str
    last_modified: str
    config: dict
    vendor_id: int | None


@dataclass
class Fetched:
    not_modified: bool = False
    bodies: list[bytes] = field(default_factory=list)
    url: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def body(self) -> bytes:
        return self.bodies[0] if self.bodies else b""


@dataclass
class RecordContext:
    """What `record` needs: the source, the batch of this check, and the adapter's memory (`state`)."""

    source: Any  # StatusSource
    batch: uuid.UUID
    observed_at: Any  # datetime
    state: dict
    changes: list = field(default_factory=list)

    @property
    def base(self) -> str:
        """A token of the state this check started from, for dedupe keys of state-based changes:
        two checks racing from the same state produce the same key, a later check a new one."""
        last = self.source.last_success_at
        return f"{self.source.id}@{int(last.timestamp() * 1000) if last else 0}"

    def record(self, **fields):
        from vendors.recording import status_change_record

        change = status_change_record(
            source=self.source, batch=self.batch, observed_at=self.observed_at, announce=False, **fields
        )
        if change is not None:
            self.changes.append(change)
        return change


def secret_env_allowed(name: str) -> bool:
    """Whether a source may read this environment variable: one with the prefix of
    SOURCE_SECRET_ENV_PREFIX or listed in SOURCE_SECRET_ENV_ALLOWED, never any other (the server's
    own secrets live in the same environment)."""
    from django.conf import settings

    return name.startswith(settings.SOURCE_SECRET_ENV_PREFIX) or name in settings.SOURCE_SECRET_ENV_ALLOWED


class EnvVarNameField(serializers.CharField):
    """The name of an environment variable holding a secret; the secret never enters the database."""

    def to_internal_value(self, data):
        from django.conf import settings

        value = super().to_internal_value(data)
        example = f"{settings.SOURCE_SECRET_ENV_PREFIX}OPENAI_API_KEY"
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", value):
            raise serializers.ValidationError(f"Use the name of an environment variable, e.g. {example}.")
        if not secret_env_allowed(value):
            raise serializers.ValidationError(
                f"Sources may only read variables named {settings.SOURCE_SECRET_ENV_PREFIX}…"
                f" or listed in SOURCE_SECRET_ENV_ALLOWED, e.g. {example}."
            )
        return value


class IdListField(serializers.ListField):
    child = serializers.IntegerField(min_value=1)


class SourceKind:
    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    config_serializer: ClassVar[type[serializers.Serializer]] = serializers.Serializer
    accept: ClassVar[str] = "application/json"
    # Whether to send ETag / If-Modified-Since (a paginated fetch cannot use them).
    conditional: ClassVar[bool] = True

    # --- configuration ---------------------------------------------------------------------

    @classmethod
    def validate_config(cls, config) -> dict:
        """The config, validated and normalised; raises serializers.ValidationError."""
        serializer = cls.config_serializer(data=config if isinstance(config, dict) else None)
        if not isinstance(config, dict):
            raise serializers.ValidationError({"config": ["Must be a JSON object."]})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def referenced_ids(self, config: dict) -> dict[str, set[int]]:
        """Offering and model ids the config names, so the model's validation can check they exist."""
        return {"offerings": set(), "models": set()}

    # --- fetch (async, no database) -----------------------------------------------------------

    def request_url(self, snapshot: SourceSnapshot) -> str:
        return snapshot.url

    def request_headers(self, snapshot: SourceSnapshot) -> dict[str, str]:
        return {"Accept": self.accept}

    async def fetch(self, snapshot: SourceSnapshot, client) -> Fetched:
        conditional = self.conditional
        result = await http.afetch(
            self.request_url(snapshot),
            etag=snapshot.etag if conditional else None,
            last_modified=snapshot.last_modified if conditional else None,
            headers=self.request_headers(snapshot),
            client=client,
        )
        if result.not_modified:
            return Fetched(not_modified=True, url=result.url, etag=snapshot.etag, last_modified=snapshot.last_modified)
        ensure_ok(result)
        return Fetched(bodies=[result.body], url=result.url, etag=result.etag, last_modified=result.last_modified)

    # --- parse (pure) and record (database) -----------------------------------------------------

    def parse(self, snapshot: SourceSnapshot, fetched: Fetched):
        raise NotImplementedError

    def record(self, parsed, context: RecordContext) -> None:
        raise NotImplementedError

    def is_troubled(self, parsed, source) -> bool:
        """Whether what the source said is trouble still going on (an open incident, a component
        not operational): vendors/checks.py then checks the source every CHECKS_HOT_INTERVAL
        seconds until it is calm. A kind with no notion of ongoing trouble says no."""
        return False


def ensure_ok(result: http.FetchResult) -> None:
    if not 200 <= result.status_code < 300:
        raise SourceError(f"HTTP {result.status_code} from {result.url}")


def load_json(body: bytes):
    """JSON of a body already capped in size by vendors/http.py."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"The answer is not JSON ({exc.__class__.__name__}: {str(exc)[:120]}).") from None
    except RecursionError:
        # `[` x 100,000 fits under the size cap; json recurses once per level.
        raise SourceError("The answer is JSON nested too deep to read.") from None


def secret_from_env(name: str | None) -> str:
    if not name:
        return ""
    if not secret_env_allowed(name):
        # A source saved before the rule, or written around the serializer: nothing is sent.
        raise SourceError(
            f"The config names {name}, which sources may not read (see SOURCE_SECRET_ENV_PREFIX); no request was sent."
        )
    value = os.environ.get(name, "")
    if not value:
        raise SourceError(f"The environment variable {name} named in the config is not set.")
    return value
