"""Signals of sales that other modules listen to.

``delivery_received(sender, delivery)`` is sent after the transaction that marks a delivery
received commits (any kind: the order's own, an exchange or a reissue). ``sender`` is the
``Delivery`` class.
"""

from __future__ import annotations

from django.dispatch import Signal

delivery_received = Signal()
