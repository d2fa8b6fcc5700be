"""The list component in templates. Load with ``{% load lists %}``; the view passes ``list``
(``tenant_apps.lists.selectors.list_state``).

- ``{% list_toolbar list %}``: saved views, column chooser, density, and the bulk actions bar
  (``bulk_template`` names the list's own controls for its actions);
- ``{% sort_header list "name" %}``: a ``<th>`` that sorts by that column (server-side) and says
  so to assistive technology (``aria-sort``);
- ``<td{% col list "mobile" %}>``: the cell of a column, hidden when the column is not chosen,
  labelled for the card layout of phones;
- ``{% bulk_header list %}`` / ``{% bulk_cell list record.pk label %}``: the selection checkboxes.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("lists/_toolbar.html", takes_context=True)
def list_toolbar(context, state, bulk_template: str = ""):
    request = context.get("request")
    return {
        "list": state,
        "bulk_template": bulk_template,
        "csrf_token": context.get("csrf_token"),
        "request": request,
        "next": request.get_full_path() if request else state.url,
        **{key: context.get(key) for key in ("bulk_owners", "bulk_tags")},
    }


def _hidden(state, key: str) -> bool:
    return bool(state) and not state.shows(key)


@register.simple_tag
def sort_header(state, key: str):
    column = state.spec.column(key)
    if column is None:
        return ""
    css = "text-end" if column.numeric else ""
    hidden = " hidden" if _hidden(state, key) else ""
    if not column.sort:
        return format_html('<th scope="col" data-col="{}" class="{}"{}>{}</th>', key, css, hidden, column.label)
    query, sort_state = state.sort_query(column)
    arrow = {"ascending": "▲", "descending": "▼"}.get(sort_state, "")
    hint = _("Sort by %(column)s") % {"column": column.label}
    return format_html(
        '<th scope="col" data-col="{}" class="{}" aria-sort="{}"{}><a class="sort-link" href="{}?{}" title="{}">{}'
        '<span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        key,
        css,
        sort_state,
        hidden,
        state.url,
        query,
        hint,
        column.label,
        arrow,
    )


@register.simple_tag
def col(state, key: str):
    if not state:
        return format_html(' data-col="{}"', key)
    column = state.spec.column(key)
    label = column.label if column else ""
    hidden = " hidden" if _hidden(state, key) else ""
    return format_html(' data-col="{}" data-label="{}"{}', key, label, hidden)


@register.simple_tag
def bulk_header(state):
    if not state or not state.bulk_actions:
        return ""
    return format_html(
        '<th scope="col" class="bulk-col"><input class="form-check-input" type="checkbox" data-bulk-all="{}"'
        ' aria-label="{}"></th>',
        state.key,
        _("Select all on this page"),
    )


@register.simple_tag
def bulk_cell(state, pk, label=""):
    if not state or not state.bulk_actions:
        return ""
    return format_html(
        '<td class="bulk-col"><input class="form-check-input" type="checkbox" name="ids" value="{}" form="bulk-{}"'
        ' data-bulk-item="{}" aria-label="{}"></td>',
        pk,
        state.key,
        state.key,
        _("Select %(name)s") % {"name": label or pk},
    )


@register.filter
def list_density_class(state) -> str:
    return f"density-{state.density}" if state else ""
