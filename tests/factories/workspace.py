from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from tenant_apps.workspace.models import Channel


class ChannelFactory(DjangoModelFactory):
    """A channel in the ACTIVE store schema: use inside ``with in_store(store):``."""

    class Meta:
        model = Channel

    code = factory.Sequence(lambda n: f"channel-{n}")
    platform = Channel.Platform.OTHER
    name = factory.LazyAttribute(lambda o: f"Channel {o.code}")
