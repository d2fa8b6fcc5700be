"""Signals of finance that other modules listen to.

Both are sent after the transaction that decides the payment record commits, never inside it:

* ``payment_confirmed(sender, payment)``: finance confirmed ``payment`` (any kind); the order's
  money columns already include it.
* ``payment_rejected(sender, payment)``: finance rejected ``payment``; it never counts.

``sender`` is the ``Payment`` class. ``payment.aftersales_case_id`` names the after-sales case a
refund comes from (None otherwise).
"""

from __future__ import annotations

from django.dispatch import Signal

payment_confirmed = Signal()
payment_rejected = Signal()
