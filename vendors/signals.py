"""Signals vendors sends; the register listens (vendors never imports it).

`changes_recorded` is sent once per batch of StatusChange rows, after the transaction that wrote
them has committed, with `batch=<uuid>`. riskregister/alerts connects a receiver that enqueues its
dispatcher; a beat tick of the dispatcher catches a batch whose signal was lost (broker down).
"""

from django.dispatch import Signal

changes_recorded = Signal()
