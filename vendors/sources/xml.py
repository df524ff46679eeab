"""Untrusted XML: a defusedxml parse first, so that DTDs, entities and external references are refused
before any other parser (feedparser) sees the bytes."""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from vendors.sources.base import SourceError


def ensure_safe_xml(body: bytes) -> None:
    try:
        fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise SourceError(f"Refused hostile XML ({type(exc).__name__}).") from None
    except (ParseError, ValueError) as exc:
        raise SourceError(f"The answer is not well-formed XML ({str(exc)[:120]}).") from None
