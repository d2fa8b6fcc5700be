from django.db import migrations

# Local days in Asia/Shanghai; 0005 makes the triggers mark UTC days instead (rollups in the store's zone).
DAY = "(({a}.confirmed_at AT TIME ZONE 'Asia/Shanghai')::date)"
PAYMENT_COLUMNS = ("order_id", "kind", "amount", "status", "confirmed_at")
CHANGED = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in PAYMENT_COLUMNS)

TRIGGERS = f"""
CREATE OR REPLACE FUNCTION kanban_mark_payment_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO kanban_rollupdirtyday (day)
        SELECT DISTINCT {DAY.format(a="n")} FROM new_rows n WHERE n.confirmed_at IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO kanban_rollupdirtyday (day)
        SELECT DISTINCT {DAY.format(a="o")} FROM old_rows o WHERE o.confirmed_at IS NOT NULL;
    ELSE
        INSERT INTO kanban_rollupdirtyday (day)
        SELECT d FROM (
            SELECT {DAY.format(a="n")} AS d FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {CHANGED}
            UNION
            SELECT {DAY.format(a="o")} FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {CHANGED}
        ) days WHERE d IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kanban_mark_order_payment_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kanban_rollupdirtyday (day)
    SELECT DISTINCT {DAY.format(a="p")} FROM finance_payment p
    WHERE p.confirmed_at IS NOT NULL AND p.order_id IN (
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.channel_id IS DISTINCT FROM o.channel_id OR n.owner_id IS DISTINCT FROM o.owner_id
    );
    RETURN NULL;
END $$;

CREATE TRIGGER kanban_payment_ins AFTER INSERT ON finance_payment REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kanban_mark_payment_days();
CREATE TRIGGER kanban_payment_upd AFTER UPDATE ON finance_payment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kanban_mark_payment_days();
CREATE TRIGGER kanban_payment_del AFTER DELETE ON finance_payment REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kanban_mark_payment_days();
CREATE TRIGGER kanban_order_payment_upd AFTER UPDATE ON sales_order
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION kanban_mark_order_payment_days();

-- Days holding confirmed payments are rebuilt (with their net revenue rows) on their first read.
INSERT INTO kanban_rollupdirtyday (day)
SELECT DISTINCT {DAY.format(a="p")} FROM finance_payment p WHERE p.status = 'confirmed';
"""

DROP = """
DROP TRIGGER IF EXISTS kanban_payment_ins ON finance_payment;
DROP TRIGGER IF EXISTS kanban_payment_upd ON finance_payment;
DROP TRIGGER IF EXISTS kanban_payment_del ON finance_payment;
DROP TRIGGER IF EXISTS kanban_order_payment_upd ON sales_order;
DROP FUNCTION IF EXISTS kanban_mark_payment_days();
DROP FUNCTION IF EXISTS kanban_mark_order_payment_days();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("kanban", "0003_customer_first_orders"),
        ("finance", "0002_receivable_reminders"),
    ]

    operations = [migrations.RunSQL(TRIGGERS, DROP)]
