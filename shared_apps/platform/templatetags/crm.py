"""Template helpers of the page shell: navigation, icons, form fields, amounts.

Load with ``{% load crm %}``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from django import forms, template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, json_script

from shared_apps.platform.money_display import display_spec, money_full
from shared_apps.platform.money_display import money_compact as _money_compact
from shared_apps.platform.navigation import STORE, badge_for, home_panels_for, nav_for
from shared_apps.platform.phone_display import phone_display

register = template.Library()

AMOUNT_TEXT = re.compile(r"-?\d+\.\d{2}")
# An instant as the API writes it (ISO 8601 with a time and an offset).
INSTANT_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})")


@register.simple_tag(takes_context=True)
def nav_items(context, area: str = STORE):
    """``{% nav_items "store" as items %}``: the entries of ``area`` the user may open."""
    request = context.get("request")
    if request is None:
        return []
    return nav_for(request, area)


@register.simple_tag(takes_context=True)
def nav_badge(context, key: str, area: str = STORE):
    """``{% nav_badge "notifications" as unread %}``: one entry's badge value, or None."""
    request = context.get("request")
    if request is None:
        return None
    return badge_for(request, key, area)


@register.simple_tag(takes_context=True)
def home_panels(context):
    """``{% home_panels as panels %}``: the home page sections registered by modules, rendered."""
    request = context.get("request")
    if request is None:
        return []
    return home_panels_for(request)


@register.simple_tag
def icon(name: str, extra_class: str = ""):
    """``{% icon "bell" %}``: an inline reference to a symbol of static/img/icons.svg."""
    css = f"icon {extra_class}".strip()
    href = f"{static('img/icons.svg')}#{name}"
    return format_html('<svg class="{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', css, href)


@register.inclusion_tag("partials/form_field.html")
def form_field(field, readonly: bool = False):
    """``{% form_field form.email %}``: label, Bootstrap-styled widget, help text and errors."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    if readonly:
        attrs["disabled"] = True
    return {
        "field": field,
        "widget_html": field.as_widget(attrs=attrs),
        "is_checkbox": isinstance(widget, forms.CheckboxInput),
    }


@register.filter
def initials(user) -> str:
    """The first letter of a user's name (or email), for the avatar circle."""
    text = getattr(user, "display_name", "") or str(user or "")
    return text[:1].upper() if text else "?"


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def money(value) -> str:
    """``{{ order.amount|money }}`` → ``¥1,234,567.00`` (``shared_apps.platform.money_display``).

    Put amounts in an element of class ``money`` so that they never wrap."""
    return money_full(value)


@register.filter
def phone(value) -> str:
    """``{{ customer.mobile|phone }}`` → ``139 0000 1234`` for a Chinese number, ``+1 202-555-0123``
    for another, ``—`` for none (``shared_apps.platform.phone_display``), in an element of class
    ``phone`` that never wraps."""
    text = phone_display(value)
    if text == "—":
        return text
    return format_html('<span class="phone text-nowrap">{}</span>', text)


@register.filter
def money_compact(value) -> str:
    """``{{ row.gmv|money_compact }}`` → ``¥249.77万`` / ``¥2.50M`` from 10,000 on, for tight spots."""
    return _money_compact(value)


@register.simple_tag
def money_spec():
    """``{% money_spec %}``: the compact form's rule of the active language for static/js/money.js."""
    return json_script(display_spec(), "money-spec")


@register.filter(expects_localtime=True)
def nowrap_date(value, fmt: str = "Y-m-d H:i"):
    """``{{ moment|nowrap_date:"Y-m-d H:i:s" }}``: as the ``date`` filter (in the active time zone),
    in an element that never breaks the date across lines (``2026-12-06 05:16:34`` inside a Chinese
    sentence would otherwise break after any hyphen). Safe to pass to ``blocktranslate``."""
    if not isinstance(value, date):
        return value
    return format_html('<span class="text-nowrap">{}</span>', date_format(value, fmt))


@register.filter
def local_time(value, fmt: str = "Y-m-d H:i") -> str:
    """An aware instant, or the API's ISO text of one, in the active time zone (the store's on a
    store host): ``2026-11-26T05:18:39+00:00`` reads ``2026-11-26 13:18`` in Shanghai. Anything
    else is returned as it is."""
    moment = parse_datetime(value) if isinstance(value, str) and INSTANT_TEXT.fullmatch(value) else value
    if not isinstance(moment, datetime) or timezone.is_naive(moment):
        return value
    return date_format(timezone.localtime(moment), fmt)


@register.filter
def panel_value(value):
    """A value of a module's panel (customer 360°, order page): an amount, that is a ``Decimal`` or
    a decimal string with 2 places (api.md writes money so and nothing else), as ``money`` on one
    line; an instant in the store's time; anything else as it is."""
    if isinstance(value, Decimal) or (isinstance(value, str) and AMOUNT_TEXT.fullmatch(value)):
        return format_html('<span class="money">{}</span>', money_full(value))
    if isinstance(value, datetime) or (isinstance(value, str) and INSTANT_TEXT.fullmatch(value)):
        return local_time(value)
    return value


@register.filter
def percent(value) -> str:
    """A rate as a percentage, the one way discounts are shown: ``0.85`` → ``85%``, ``0.5952`` →
    ``59.5%`` (one decimal when it is not whole); empty for None."""
    if value in (None, ""):
        return ""
    try:
        number = (Decimal(str(value)) * 100).quantize(Decimal("0.1"))
    except (ArithmeticError, ValueError):
        return str(value)
    text = f"{number:f}"
    return f"{text[:-2] if text.endswith('.0') else text}%"


@register.filter
def count(value) -> str:
    """A count with thousands separators, as the figure cards write counts: ``12904`` → ``12,904``;
    anything that is not a whole number as it is."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "" if value is None else str(value)
