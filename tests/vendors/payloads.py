"""Real-format payloads of the outside world (shapes from /work/shared/FORMATS.md, captured 2026-11)."""

from __future__ import annotations

import json
from html import escape

ANTHROPIC_COMPONENT_IDS = {
    "claude.ai": "rwppv331jlwc",
    "Claude API": "k8w3r06qmzrp",
    "Claude Code": "yyzkbfz2thpt",
    "Console": "0qbwn08sd68x",
}


def statuspage_component(name: str, status: str = "operational", position: int = 1) -> dict:
    return {
        "id": ANTHROPIC_COMPONENT_IDS.get(name, name.lower().replace(" ", "")[:12]),
        "name": name,
        "status": status,
        "created_at": "2023-07-11T17:37:29.581Z",
        "updated_at": "2026-11-27T09:12:03.112Z",
        "position": position,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": "tymt9n04zgry",
        "group": False,
        "only_show_if_degraded": False,
    }


def statuspage_incident(incident_id: str, name: str, *, status="investigating", impact="major", components=()) -> dict:
    return {
        "id": incident_id,
        "name": name,
        "status": status,
        "created_at": "2026-11-27T09:01:10.000Z",
        "updated_at": "2026-11-27T09:05:00.000Z",
        "monitoring_at": None,
        "resolved_at": None,
        "impact": impact,
        "shortlink": f"https://stspg.io/{incident_id[:6]}",
        "started_at": "2026-11-27T09:01:10.000Z",
        "page_id": "tymt9n04zgry",
        "incident_updates": [
            {
                "id": f"u-{incident_id}",
                "status": status,
                "body": "We are currently investigating this issue.",
                "incident_id": incident_id,
                "created_at": "2026-11-27T09:01:10.000Z",
                "updated_at": "2026-11-27T09:01:10.000Z",
                "display_at": "2026-11-27T09:01:10.000Z",
                "affected_components": [
                    {"code": statuspage_component(c)["id"], "name": c, "old_status": "operational",
                     "new_status": "major_outage"} for c in components
                ] or None,
            }
        ],
        "components": [statuspage_component(c, "major_outage") for c in components],
    }


def statuspage_summary(statuses: dict[str, str] | None = None, *, indicator="none", incidents=(), maintenances=()) -> bytes:
    statuses = {"claude.ai": "operational", "Claude API": "operational", "Claude Code": "operational",
                "Console": "operational", **(statuses or {})}
    components = [statuspage_component(name, status, i) for i, (name, status) in enumerate(statuses.items(), 1)]
    components.append({**statuspage_component("Platform group"), "group": True, "components": [c["id"] for c in components]})
    return json.dumps({
        "page": {"id": "tymt9n04zgry", "name": "Claude", "url": "https://status.claude.com",
                 "time_zone": "Etc/UTC", "updated_at": "2026-11-27T09:12:03.120Z"},
        "status": {"indicator": indicator, "description": "All Systems Operational" if indicator == "none" else "Partial outage"},
        "components": components,
        "incidents": list(incidents),
        "scheduled_maintenances": list(maintenances),
    }).encode()


def incident_io_widget(affected: dict[str, str] | None = None, incidents=()) -> bytes:
    """incident.io's widget JSON (/proxy/status.openai.com), as OpenAI serves it."""
    return json.dumps({
        "summary": {
            "id": "01JMYB4A8G6M3B9T2Q5Y0PZ4C3",
            "name": "OpenAI",
            "ongoing_incidents": list(incidents),
            "in_progress_maintenances": [],
            "scheduled_maintenances": [],
            "affected_components": [{"component_id": cid, "status": status} for cid, status in (affected or {}).items()],
            "structure": {"items": [
                {"group": {"id": "01G1", "name": "APIs", "hidden": False, "components": [
                    {"component_id": "01JAPI0001", "name": "Responses", "hidden": False},
                    {"component_id": "01JAPI0002", "name": "Chat Completions", "hidden": False},
                ]}},
                {"component": {"component_id": "01JCHAT001", "name": "ChatGPT", "hidden": False}},
            ]},
        }
    }).encode()


def aws_rss(items=()) -> bytes:
    """AWS's per-service RSS: items only during events; titles prefixed with their state."""
    rendered = "".join(
        f"""<item>
      <title><![CDATA[{title}]]></title>
      <link>https://status.aws.amazon.com/</link>
      <pubDate>Fri, 27 Nov 2026 09:20:00 PST</pubDate>
      <guid isPermaLink="false">{guid}</guid>
      <description><![CDATA[{description}]]></description>
    </item>"""
        for guid, title, description in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title><![CDATA[Amazon Bedrock (N. Virginia) Service Status]]></title>
    <link>https://status.aws.amazon.com/</link>
    <atom:link href="https://status.aws.amazon.com/rss/bedrock-us-east-1.rss" rel="self" type="application/rss+xml" />
    <description><![CDATA[]]></description>
    <language>en-us</language>
    <lastBuildDate>Fri, 27 Nov 2026 09:30:00 PST</lastBuildDate>
    <ttl>5</ttl>
    {rendered}
  </channel>
</rss>""".encode()


def statuspage_history_atom(entries=()) -> bytes:
    """A Statuspage history.atom: content is escaped HTML of the update chain, newest first."""
    rendered = "".join(
        f"""<entry>
    <id>tag:status.claude.com,2005:Incident/{number}</id>
    <published>2026-11-27T09:01:10Z</published>
    <updated>2026-11-27T09:30:00Z</updated>
    <link rel="alternate" type="text/html" href="https://status.claude.com/incidents/{number}"/>
    <title>{escape(title)}</title>
    <content type="html">{escape(''.join(f'<p><small>Nov <var>27</var>, <var>09:{i:02d}</var> UTC</small><br><strong>{state}</strong> - {body}</p>' for i, (state, body) in enumerate(updates)))}</content>
  </entry>"""
        for number, title, updates in entries
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">
  <id>tag:status.claude.com,2005:/history</id>
  <link rel="alternate" type="text/html" href="https://status.claude.com"/>
  <link rel="self" type="application/atom+xml" href="https://status.claude.com/history.atom"/>
  <title>Claude Status - Incident History</title>
  <updated>2026-11-27T09:31:00Z</updated>
  <author><name>Claude</name></author>
  {rendered}
</feed>""".encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>"""


def quadratic_blowup() -> bytes:
    entity = "A" * 100_000
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "{entity}">]>'
        f'<rss version="2.0"><channel><title>{"&a;" * 10_000}</title></channel></rss>'
    ).encode()


def external_entity(target: str = "file:///etc/passwd") -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "{target}">]>'
        '<rss version="2.0"><channel><title>&xxe;</title></channel></rss>'
    ).encode()


def external_dtd(url: str) -> bytes:
    return f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{url}"><rss version="2.0"><channel><title>x</title></channel></rss>'.encode()


def openai_models(ids) -> bytes:
    return json.dumps({"object": "list", "data": [
        {"id": model_id, "object": "model", "created": 1763000000, "owned_by": "openai"} for model_id in ids
    ]}).encode()


def anthropic_model(model_id: str, name: str, **lifecycle) -> dict:
    return {"type": "model", "id": model_id, "display_name": name, "created_at": "2026-05-01T00:00:00Z", **lifecycle}


def anthropic_page(models, *, has_more=False) -> bytes:
    return json.dumps({
        "data": list(models), "has_more": has_more,
        "first_id": models[0]["id"] if models else None, "last_id": models[-1]["id"] if models else None,
    }).encode()


def federal_register(results=None) -> bytes:
    envelope = {"description": "Documents from Industry and Security Bureau matching 'artificial intelligence'",
                "count": len(results or []), "total_pages": 1 if results else 0}
    if results:  # zero hits come back with no results key at all
        envelope["results"] = list(results)
        envelope["next_page_url"] = None
    return json.dumps(envelope).encode()


def federal_register_document(number: str, title: str, *, abstract="", type="Rule", date="2026-11-20") -> dict:
    return {
        "title": title,
        "type": type,
        "abstract": abstract,
        "document_number": number,
        "html_url": f"https://www.federalregister.gov/documents/{date.replace('-', '/')}/{number}/x",
        "pdf_url": f"https://www.govinfo.gov/content/pkg/FR-{date}/pdf/{number}.pdf",
        "public_inspection_pdf_url": None,
        "publication_date": date,
        "agencies": [{"raw_name": "COMMERCE DEPARTMENT", "name": "Industry and Security Bureau", "id": 241,
                      "url": "https://www.federalregister.gov/agencies/industry-and-security-bureau",
                      "json_url": "https://www.federalregister.gov/api/v1/agencies/241.json",
                      "parent_id": 54, "slug": "industry-and-security-bureau"}],
        "excerpts": None,
    }


def litellm_catalog(entries: dict) -> bytes:
    catalog = {"sample_spec": {"max_tokens": "LEGACY parameter", "litellm_provider": "one of https://docs.litellm.ai/docs/providers",
                               "mode": "one of chat, embedding, ...", "deprecation_date": "date when the model becomes deprecated in the format YYYY-MM-DD"}}
    for key, extra in entries.items():
        catalog[key] = {"max_tokens": 8192, "max_input_tokens": 200000, "max_output_tokens": 8192,
                        "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05, "mode": "chat",
                        "supports_function_calling": True, **extra}
    return json.dumps(catalog).encode()
