from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "tenant_apps.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from shared_apps.platform.navigation import register_nav
        from tenant_apps.customers.panels import register_merge_handler
        from tenant_apps.enquiries.sources import register_derived_source
        from tenant_apps.imports.registry import register_importer
        from tenant_apps.leads.importing import LeadImporter
        from tenant_apps.leads.selectors import enquiries_from_leads
        from tenant_apps.leads.services import merge_customer_leads

        register_nav(
            key="leads", label=_("Leads"), url_name="leads:list", permission="leads.view", icon="inbox", order=25
        )
        register_importer(LeadImporter.kind, LeadImporter)
        register_merge_handler("leads", merge_customer_leads)
        register_derived_source(enquiries_from_leads)
        from tenant_apps.leads import personal_data

        personal_data.register()
        from shared_apps.platform.listing import register_list
        from tenant_apps.leads.views import LEAD_LIST

        register_list(LEAD_LIST)
