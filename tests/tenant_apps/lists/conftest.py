from tests.tenant_apps.customers.conftest import make_customer, make_tag  # noqa: F401 - fixtures
