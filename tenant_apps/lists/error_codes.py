"""Stable error codes of list preferences and saved views."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from shared_apps.platform.errors import Conflict


class ListsErrorCode(StrEnum):
    DUPLICATE_SAVED_VIEW = "duplicate_saved_view"


class DuplicateSavedView(Conflict):
    code = ListsErrorCode.DUPLICATE_SAVED_VIEW
    default_title = _("You already have a saved view of this list with this name.")
