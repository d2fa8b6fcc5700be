"""The couriers a delivery is sent with: a fixed list of Chinese express companies with their
codes (the codes of the usual tracking services), plus "other" with the name typed in.

A delivery's ``carrier`` keeps the code of a listed courier (``SF``) or the name typed for another
(text entered before the list existed stays as it was); ``courier_label()`` reads either for a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

OTHER = "other"


@dataclass(frozen=True)
class Courier:
    code: str
    label: object


COURIERS: tuple[Courier, ...] = (
    Courier("SF", _("SF Express")),
    Courier("JD", _("JD Logistics")),
    Courier("EMS", _("China Post EMS")),
    Courier("ZTO", _("ZTO Express")),
    Courier("YTO", _("YTO Express")),
    Courier("STO", _("STO Express")),
    Courier("YD", _("Yunda Express")),
    Courier("JTSD", _("J&T Express")),
    Courier("DBL", _("Deppon Express")),
    Courier("HTKY", _("Best Express")),
    Courier("YZPY", _("China Post parcel")),
    Courier("ANE", _("ANE Logistics")),
    Courier("KYSY", _("Kuayue Express")),
)
_BY_CODE = {courier.code: courier for courier in COURIERS}


def courier_label(value) -> str:
    """A listed courier's name in the active language; anything else as it was typed."""
    text = str(value or "").strip()
    courier = _BY_CODE.get(text.upper())
    return str(courier.label) if courier else text


def carrier_from_form(post) -> str:
    """The ``carrier`` of a shipment form: a listed code, or the name typed for "other"."""
    chosen = (post.get("carrier") or "").strip()
    if chosen == OTHER:
        return (post.get("carrier_other") or "").strip()
    return chosen
