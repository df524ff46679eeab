"""The code scan: find the AI models a source tree depends on, with the file and line of each finding.

The matching core (index, sdks, matching, files, archive, scanner, plan) is a pure library over
file bytes and a CatalogIndex: no Django, no database, nothing executed. The register's side is
catalog.py (the index from the register's offerings and models), imports.py (the `code_scan` and
`code_scan_apply` import kinds, run as background import jobs) and the `scan_repo` command.
"""
