from django.conf import settings


def site(request):
    tenant = getattr(request, "tenant", None)
    is_store = tenant is not None and tenant.schema_name != settings.PUBLIC_SCHEMA_NAME
    return {
        "current_store": tenant if is_store else None,
        "is_store_host": is_store,
        "store_access": getattr(request, "store_access", None),
    }


def csp_nonce(request):
    """``csp_nonce``: the nonce of this response's Content-Security-Policy, for any inline script."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
