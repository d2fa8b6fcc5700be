"""Architecture checks (after Sentry's silo tests): what lives in the public schema never points
into a store schema, and each store app's models are its own."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.apps import apps
from django.conf import settings

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def app_config(name: str):
    return next(config for config in apps.get_app_configs() if config.name == name)


def tenant_model_labels() -> set[str]:
    return {model._meta.label for name in settings.TENANT_APPS for model in app_config(name).get_models()}


def shared_only_apps() -> list[str]:
    return [name for name in settings.SHARED_APPS if name not in settings.TENANT_APPS]


def test_no_app_is_both_shared_and_tenant():
    assert set(settings.SHARED_APPS) & set(settings.TENANT_APPS) == set()


def test_every_tenant_app_is_installed():
    installed = {config.name for config in apps.get_app_configs()}

    assert set(settings.TENANT_APPS) <= installed


def relations_into(models, targets: set[str]) -> list[str]:
    """Forward relations (FK, one-to-one, many-to-many) of ``models`` that point at a model in ``targets``."""
    found = []
    for model in models:
        for field in model._meta.get_fields(include_hidden=True):
            related = getattr(field, "related_model", None)
            forward = field.is_relation and not field.auto_created  # reverse accessors point the other way
            if forward and related is not None and related._meta.label in targets:
                found.append(f"{model._meta.label}.{field.name} -> {related._meta.label}")
    return found


def test_no_public_model_has_a_relation_to_a_store_model():
    public_models = [
        model for name in shared_only_apps() for model in app_config(name).get_models(include_auto_created=True)
    ]

    assert relations_into(public_models, tenant_model_labels()) == []


def test_the_relation_check_sees_a_foreign_key():
    from shared_apps.accounts.models import Membership

    assert relations_into([Membership], {"tenants.Store"}) == ["accounts.Membership.store -> tenants.Store"]


def test_store_tables_are_not_created_in_the_public_schema(db):
    from django.db import connection

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {row[0] for row in cursor.fetchall()}
    store_tables = {model._meta.db_table for name in settings.TENANT_APPS for model in app_config(name).get_models()}

    assert tables & store_tables == set()


def protected_contracts() -> dict[str, set[str]]:
    config = tomllib.loads(PYPROJECT.read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return {
        module: set(contract.get("allowed_importers", []))
        for contract in contracts
        if contract["type"] == "protected"
        for module in contract["protected_modules"]
    }


def test_every_tenant_app_has_a_protected_contract_for_its_models():
    protected = protected_contracts()
    missing = [
        f"{name}.models"
        for name in settings.TENANT_APPS
        if Path(app_config(name).path, "models.py").exists() and f"{name}.models" not in protected
    ]

    assert missing == []


def test_protected_models_are_open_to_their_own_app_and_no_module_outside_the_store_apps():
    protected = protected_contracts()

    for name in settings.TENANT_APPS:
        allowed = protected.get(f"{name}.models")
        if allowed is not None:
            assert name in allowed, name
            assert all(importer.startswith("tenant_apps.") for importer in allowed), (name, allowed)


# --- one clock -----------------------------------------------------------------------------------

ROOT = PYPROJECT.parent
APPLICATION_PACKAGES = ("config", "tenants", "shared_apps", "tenant_apps", "hq_reports", "hq_console", "hq_insights")
# The database's clock (and the process's local, naive clock) would not move with the application's.
FORBIDDEN_CLOCKS = (
    (re.compile(r"(?<![\w.])now\(\)"), "PostgreSQL's now(): pass timezone.now() as a parameter"),
    ("current_date", "PostgreSQL's CURRENT_DATE: pass the store's local day as a parameter"),
    ("current_timestamp", "PostgreSQL's CURRENT_TIMESTAMP: pass timezone.now() as a parameter"),
    ("localtimestamp", "PostgreSQL's LOCALTIMESTAMP: pass timezone.now() as a parameter"),
    ("statement_timestamp()", "PostgreSQL's statement_timestamp(): pass timezone.now() as a parameter"),
    ("clock_timestamp()", "PostgreSQL's clock_timestamp(): pass timezone.now() as a parameter"),
    ("date.today()", "the process's local date: use the store's local day"),
    ("datetime.now()", "a naive local time: use django.utils.timezone.now()"),
    ("datetime.utcnow()", "a naive time: use django.utils.timezone.now()"),
)


def clock_violations(text: str, path: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        lowered = line.lower().replace("timezone.now()", "").replace("django_now()", "")
        for needle, why in FORBIDDEN_CLOCKS:
            hit = needle.search(lowered) if isinstance(needle, re.Pattern) else needle in lowered
            if hit and not lowered.lstrip().startswith("#"):
                found.append(f"{path}:{number}: {why}")
    return found


def application_sources():
    for package in APPLICATION_PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_the_application_takes_time_only_from_timezone_now():
    found = []
    for path in application_sources():
        found += clock_violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))

    assert found == []


def test_the_clock_check_sees_the_database_clock_and_naive_calls():
    sql = "cursor.execute(\"SELECT * FROM sales_order WHERE signed_at > NOW() - interval '1 day'\")"
    assert clock_violations(sql, "x.py") == ["x.py:1: PostgreSQL's now(): pass timezone.now() as a parameter"]
    assert clock_violations("due = date.today()", "x.py") == [
        "x.py:1: the process's local date: use the store's local day"
    ]
    assert clock_violations("at = timezone.now()", "x.py") == []
    assert clock_violations("``local_now()`` and ``self.now()``", "x.py") == []


# ---------------------------------------------------------------------------------------------
# Raw SQL reads another app's data only through the views that app publishes for reporting
# ---------------------------------------------------------------------------------------------

SQL_RELATION = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|ON)\s+\"?([a-z_][a-z0-9_]*)\"?", re.IGNORECASE)


def table_owners() -> dict[str, str]:
    """Every table of a model (and of its many-to-many links) → the label of the app it belongs to."""
    owners = {}
    for model in apps.get_models(include_auto_created=True):
        owners[model._meta.db_table] = model._meta.app_label
    return owners


def module_app(path: Path) -> str | None:
    """The label of the app a module belongs to."""
    for config in apps.get_app_configs():
        if Path(config.path) in path.parents:
            return config.label
    return None


def sql_texts(source: str):
    """The string literals of a module (the constant parts of f-strings too), with their line."""
    import ast

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def foreign_tables(source: str, app: str, owners: dict[str, str], path: str) -> list[str]:
    found = []
    for line, text in sql_texts(source):
        for name in SQL_RELATION.findall(text):
            owner = owners.get(name.lower())
            if owner is not None and owner != app:
                found.append(f"{path}:{line}: {name} belongs to {owner}: read its {owner}_reporting_* views")
    return found


def test_raw_sql_names_only_its_own_apps_tables_and_other_apps_reporting_views():
    owners, found = table_owners(), []
    for path in application_sources():
        if "migrations" in path.parts:
            continue
        app = module_app(path)
        found += foreign_tables(path.read_text(encoding="utf-8"), app, owners, str(path.relative_to(ROOT)))

    assert found == []


def test_the_sql_check_sees_another_apps_table_and_lets_views_and_its_own_tables_through():
    owners = {"sales_order": "sales", "kanban_orderfact": "kanban"}
    source = 'SQL = f"""SELECT 1 FROM sales_order o JOIN kanban_orderfact f ON f.order_id = o.id {x}"""\n'
    assert foreign_tables(source, "kanban", owners, "k.py") == [
        "k.py:1: sales_order belongs to sales: read its sales_reporting_* views"
    ]
    assert foreign_tables(source, "sales", owners, "s.py") == [
        "s.py:1: kanban_orderfact belongs to kanban: read its kanban_reporting_* views"
    ]
    assert foreign_tables('Q = "SELECT 1 FROM sales_reporting_order"', "kanban", owners, "k.py") == []


# ---------------------------------------------------------------------------------------------
# Each app owns the triggers on its tables: no app's migration leaves a trigger on another app's table
# ---------------------------------------------------------------------------------------------
# A trigger on an app's table is declared with that app's models and installed by its migrations.
# The migrations are read in the order they apply: the Kanban's 0002-0006 created triggers on the
# sales, finance and customers tables before those apps marked their own changes, and its 0010
# drops them, so that history passes, while any trigger an app's migration creates on another app's
# table and leaves there is reported.

TRIGGER_DDL = re.compile(
    r"(?P<verb>CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER|DROP\s+TRIGGER(?:\s+IF\s+EXISTS)?)"
    r"\s+\"?(?P<name>\w+)\"?\s+(?:(?:BEFORE|AFTER|INSTEAD\s+OF)\s+.+?\s+)?ON\s+(?:\"?\w+\"?\.)?\"?(?P<table>\w+)\"?",
    re.IGNORECASE | re.DOTALL,
)


def forward_sql(operation) -> list[str]:
    """The SQL an operation runs when migrating forward (its reverse SQL is not applied then)."""
    import inspect

    from django.db import migrations

    if isinstance(operation, migrations.RunSQL):
        sqls = operation.sql if isinstance(operation.sql, list | tuple) else [operation.sql]
        return [sql[0] if isinstance(sql, list | tuple) else sql for sql in sqls]
    if isinstance(operation, migrations.SeparateDatabaseAndState):
        return [sql for inner in operation.database_operations for sql in forward_sql(inner)]
    if isinstance(operation, migrations.RunPython):
        return [inspect.getsource(operation.code)]
    trigger = getattr(operation, "trigger", None)  # django-pgtrigger's AddTrigger
    install = getattr(trigger, "install_sql", None)
    return [install] if install else []


def foreign_triggers(migrations, owners: dict[str, str]) -> list[str]:
    """The triggers that a migration of one app creates on another app's table and that no later
    migration of the same app drops (``migrations`` in the order they apply)."""
    left: dict[tuple[str, str, str], str] = {}
    for migration in migrations:
        app = migration.app_label
        for sql in (sql for operation in migration.operations for sql in forward_sql(operation)):
            for match in TRIGGER_DDL.finditer(sql):
                name, table = match["name"].lower(), match["table"].lower()
                if match["verb"].upper().startswith("DROP"):
                    left.pop((app, name, table), None)
                elif owners.get(table, app) != app:
                    left[(app, name, table)] = (
                        f"{app}.{migration.name}: trigger {name} on {table}, a table of {owners[table]}:"
                        f" declare it with {owners[table]}'s models"
                    )
    return sorted(left.values())


def migrations_in_order(loader) -> list:
    plan: dict = {}
    for leaf in sorted(loader.graph.leaf_nodes()):
        for node in loader.graph.forwards_plan(leaf):
            plan.setdefault(node, loader.graph.nodes[node])
    return list(plan.values())


def test_no_migration_leaves_a_trigger_on_another_apps_table():
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)

    assert foreign_triggers(migrations_in_order(loader), table_owners()) == []


def test_the_trigger_check_reads_the_kanbans_triggers_on_other_apps_tables_before_the_apps_owned_them():
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    before = [
        m
        for m in migrations_in_order(loader)
        if (m.app_label, m.name) != ("kanban", "0010_change_journals_of_the_source_apps")
    ]
    found = foreign_triggers(before, table_owners())

    assert len(found) == 17
    assert "kanban.0002_sales_rollups: trigger kanban_order_ins on sales_order, a table of sales:" in "\n".join(found)
    assert any(
        line.startswith("kanban.0006_order_facts: trigger kanban_followup_cust_del on customers_followup")
        for line in found
    )


def test_the_trigger_check_sees_a_trigger_on_another_apps_table_and_lets_its_own_and_dropped_ones_through():
    import pgtrigger.migrations
    from django.db import migrations

    from tenant_apps.sales.journal import ORDER_TRIGGERS
    from tenant_apps.sales.models import Order

    def migration(app: str, name: str, *operations):
        made = migrations.Migration(name, app)
        made.operations = list(operations)
        return made

    spy = 'CREATE TRIGGER spy AFTER INSERT OR UPDATE OF amount ON "sales_order" FOR EACH ROW EXECUTE FUNCTION f()'
    owners = {"sales_order": "sales", "kanban_orderfact": "kanban"}
    on_orders = pgtrigger.migrations.AddTrigger(model_name="order", trigger=ORDER_TRIGGERS[0].compile(Order))

    assert foreign_triggers([migration("kanban", "0099_spy", migrations.RunSQL(spy))], owners) == [
        "kanban.0099_spy: trigger spy on sales_order, a table of sales: declare it with sales's models"
    ]
    assert foreign_triggers([migration("kanban", "0099_journal", on_orders)], owners) == [
        f"kanban.0099_journal: trigger {ORDER_TRIGGERS[0].get_pgid(Order)} on sales_order, a table of sales:"
        " declare it with sales's models"
    ]
    assert foreign_triggers([migration("sales", "0099_own", migrations.RunSQL(spy), on_orders)], owners) == []
    assert foreign_triggers([migration("kanban", "0099_undo", migrations.RunSQL("SELECT 1", spy))], owners) == []
    dropped = [
        migration("kanban", "0099_spy", migrations.RunSQL([spy])),
        migration("kanban", "0100_unspy", migrations.RunSQL(["DROP TRIGGER IF EXISTS spy ON sales_order"])),
    ]
    assert foreign_triggers(dropped, owners) == []
    assert len(foreign_triggers([dropped[0], migration("sales", "0100_x", *dropped[1].operations)], owners)) == 1
