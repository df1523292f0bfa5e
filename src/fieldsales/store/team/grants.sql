-- fieldsales team database: roles, change log, row-level security and grants.
--
-- Run by `fieldsales team init` (as a PostgreSQL superuser or a role with
-- CREATEROLE that may create these roles), after the migrations have made the
-- tables; running it again changes nothing. The names in braces are filled
-- in from the database name (database "fieldsales": fieldsales_owner,
-- fieldsales_lead, fieldsales_rep); {unassigned} is config
-- team.reps_see_unassigned (true or false).
--
-- Three group roles:
--   {owner}  owns every table and function. NOLOGIN: nobody, the app
--            included, ever connects as it. A table's owner bypasses
--            row-level security unless the table is FORCEd; we do not FORCE,
--            because the owner never runs a query: not logging in as it is
--            what keeps every session under the policies below.
--   {lead}   leads (`team add-lead NAME`): read and write every account,
--            assign them; no DELETE or TRUNCATE either (outcomes are
--            append-only and nothing is ever deleted).
--   {rep}    reps (`team add-rep NAME`): read their own accounts (plus the
--            unassigned ones when {unassigned}), insert outcomes and routes,
--            update only the account columns a rep may edit. No DELETE, no
--            TRUNCATE: an attempt fails with "permission denied".
-- A rep's login role name is the rep's name in account.owner_rep.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') THEN
        CREATE ROLE {owner} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{lead}') THEN
        CREATE ROLE {lead} NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{rep}') THEN
        CREATE ROLE {rep} NOLOGIN;
    END IF;
END
$$;

-- Who wrote a row, set by the server (not by the client), for the policies.
ALTER TABLE outcome ADD COLUMN IF NOT EXISTS team_role name NOT NULL DEFAULT current_user;
ALTER TABLE route ADD COLUMN IF NOT EXISTS team_role name NOT NULL DEFAULT current_user;
ALTER TABLE route_stop ADD COLUMN IF NOT EXISTS team_role name NOT NULL DEFAULT current_user;
ALTER TABLE account_change ADD COLUMN IF NOT EXISTS team_role name NOT NULL DEFAULT current_user;
-- The transaction that wrote an outcome: reps pull others' outcomes on their
-- accounts by it, with the same rule as the change log below (as bigint, which
-- holds every xid8, so that tools reading the outcome table know its type).
ALTER TABLE outcome ADD COLUMN IF NOT EXISTS team_xid bigint NOT NULL
    DEFAULT CAST(CAST(pg_current_xact_id() AS text) AS bigint);
CREATE INDEX IF NOT EXISTS ix_outcome_team_xid ON outcome (team_xid);

-- The change log the reps pull from. Each row carries the id of the
-- transaction that wrote it (xid8). A pull serves only rows below the oldest
-- transaction still running (pg_snapshot_xmin of its snapshot), so a
-- transaction that commits after a pull is served by the next one: a
-- timestamp or serial cursor would skip it.
CREATE TABLE IF NOT EXISTS team_change (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    account_id varchar(36) NOT NULL,
    old_owner varchar(100),
    new_owner varchar(100),
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ix_team_change_xid ON team_change (xid);

-- Every push operation received, keyed by the laptop's client id and the
-- operation's id: a push repeated after a kill inserts nothing twice.
CREATE TABLE IF NOT EXISTS team_op (
    client_id uuid NOT NULL,
    op_id uuid NOT NULL,
    kind text NOT NULL,
    team_role name NOT NULL DEFAULT current_user,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, op_id)
);

-- Each laptop's checkpoint, kept here too (the laptop keeps its own).
CREATE TABLE IF NOT EXISTS team_client (
    client_id uuid PRIMARY KEY,
    team_role name NOT NULL DEFAULT current_user,
    pulled_xid xid8,
    pushed bigint NOT NULL DEFAULT 0,
    synced_at timestamptz
);

-- The team's talk scripts and campaign targets, published by leads (`fieldsales
-- team publish`; store/team/publication.py), one row per version. Each row
-- carries the transaction that wrote it (its xid8, as bigint like outcome's
-- team_xid), and reps pull the rows by the same rule as the change log above,
-- in the same snapshot as the accounts. A lead's UPDATE of a row (by hand)
-- stamps it anew, so reps pull it again.
ALTER TABLE team_publication ADD COLUMN IF NOT EXISTS xid bigint NOT NULL
    DEFAULT CAST(CAST(pg_current_xact_id() AS text) AS bigint);
CREATE INDEX IF NOT EXISTS ix_team_publication_xid ON team_publication (xid);
CREATE OR REPLACE FUNCTION team_publication_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.xid := CAST(CAST(pg_current_xact_id() AS text) AS bigint);
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS team_publication_stamp ON team_publication;
CREATE TRIGGER team_publication_stamp BEFORE UPDATE ON team_publication
    FOR EACH ROW EXECUTE FUNCTION team_publication_stamp();

-- Every insert and change of an account, whoever made it, goes to the log.
-- SECURITY DEFINER: it runs as {owner}, so reps and leads need no right to
-- write the log themselves.
CREATE OR REPLACE FUNCTION team_log_account() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO team_change (account_id, old_owner, new_owner)
        VALUES (NEW.id, NULL, NEW.owner_rep);
    -- static_scores is a cache each ranking may refill (store/scores.py): not a change
    ELSIF (to_jsonb(NEW) - 'static_scores') IS DISTINCT FROM (to_jsonb(OLD) - 'static_scores') THEN
        INSERT INTO team_change (account_id, old_owner, new_owner)
        VALUES (NEW.id, OLD.owner_rep, NEW.owner_rep);
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS team_log_account ON account;
CREATE TRIGGER team_log_account AFTER INSERT OR UPDATE ON account
    FOR EACH ROW EXECUTE FUNCTION team_log_account();

-- Ownership: every table, and the log function, to the owner role.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('ALTER TABLE public.%I OWNER TO {owner}', t.tablename);
    END LOOP;
END
$$;
ALTER FUNCTION team_log_account() OWNER TO {owner};
ALTER FUNCTION team_publication_stamp() OWNER TO {owner};

-- Privileges: nothing by default, then what each group needs.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {lead}, {rep};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {lead}, {rep};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {lead}, {rep};

GRANT INSERT, UPDATE ON account, account_change, outcome, route, route_stop,
    geocode_cache, team_client, account_order TO {lead};
GRANT INSERT ON team_op TO {lead};
-- publishing: leads add versions (and may correct one); reps only read them
GRANT INSERT, UPDATE ON team_publication TO {lead};
-- the kept BG/NBD fit (store/orders.py): whoever ranks first after new orders keeps it
GRANT INSERT ON model_fit TO {lead}, {rep};

GRANT INSERT ON outcome, route, route_stop, account_change, team_op, team_client TO {rep};
GRANT UPDATE ON route, route_stop, team_client TO {rep};
-- The account columns a rep may edit (store/team/__init__.py REP_EDITABLE
-- names the same), and updated_at, which every edit sets, and static_scores,
-- the ranking's cache of the account's scores that every edit clears
-- (store/scores.py).
GRANT UPDATE (
    contact_name, contact_title, phone, email, notes,
    closed_weekdays, opens_at, closes_at,
    competitor_status, competitor_name, digital_responsiveness, reason_solvable,
    lat, lon, geo_precision, geo_source,
    updated_at, static_scores
) ON account TO {rep};

-- Row-level security: a lead sees everything, a rep their own rows.
ALTER TABLE account ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_change ENABLE ROW LEVEL SECURITY;
ALTER TABLE outcome ENABLE ROW LEVEL SECURITY;
ALTER TABLE route ENABLE ROW LEVEL SECURITY;
ALTER TABLE route_stop ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_change ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_op ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_client ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_order ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_publication ENABLE ROW LEVEL SECURITY;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['account', 'account_change', 'outcome', 'route', 'route_stop',
                             'team_change', 'team_op', 'team_client', 'account_order'] LOOP
        EXECUTE format('DROP POLICY IF EXISTS lead_all ON %I', t);
        EXECUTE format('CREATE POLICY lead_all ON %I TO {lead} USING (true) WITH CHECK (true)', t);
        EXECUTE format('DROP POLICY IF EXISTS rep_read ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS rep_insert ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS rep_update ON %I', t);
    END LOOP;
END
$$;

-- account: own accounts (and unassigned ones when configured); updates only
-- to own accounts, which stay the rep's (owner_rep is not in the UPDATE grant).
CREATE POLICY rep_read ON account FOR SELECT TO {rep}
    USING (owner_rep = current_user OR ({unassigned} AND owner_rep IS NULL));
CREATE POLICY rep_update ON account FOR UPDATE TO {rep}
    USING (owner_rep = current_user) WITH CHECK (owner_rep = current_user);

-- history and outcomes of the accounts the rep sees, and what the rep wrote;
-- new rows only in the rep's own name.
CREATE POLICY rep_read ON account_change FOR SELECT TO {rep}
    USING (team_role = current_user
           OR EXISTS (SELECT FROM account a WHERE a.id = account_change.account_id));
CREATE POLICY rep_insert ON account_change FOR INSERT TO {rep}
    WITH CHECK (team_role = current_user);
CREATE POLICY rep_read ON outcome FOR SELECT TO {rep}
    USING (team_role = current_user
           OR EXISTS (SELECT FROM account a WHERE a.id = outcome.account_id));
CREATE POLICY rep_insert ON outcome FOR INSERT TO {rep}
    WITH CHECK (team_role = current_user);

-- the order history (受注履歴) of the accounts the rep sees; leads import it.
CREATE POLICY rep_read ON account_order FOR SELECT TO {rep}
    USING (EXISTS (SELECT FROM account a WHERE a.id = account_order.account_id));

-- routes, their stops, push receipts and checkpoints: the rep's own.
CREATE POLICY rep_read ON route FOR SELECT TO {rep} USING (team_role = current_user);
CREATE POLICY rep_insert ON route FOR INSERT TO {rep} WITH CHECK (team_role = current_user);
CREATE POLICY rep_update ON route FOR UPDATE TO {rep}
    USING (team_role = current_user) WITH CHECK (team_role = current_user);
CREATE POLICY rep_read ON route_stop FOR SELECT TO {rep} USING (team_role = current_user);
CREATE POLICY rep_insert ON route_stop FOR INSERT TO {rep} WITH CHECK (team_role = current_user);
CREATE POLICY rep_update ON route_stop FOR UPDATE TO {rep}
    USING (team_role = current_user) WITH CHECK (team_role = current_user);
CREATE POLICY rep_read ON team_op FOR SELECT TO {rep} USING (team_role = current_user);
CREATE POLICY rep_insert ON team_op FOR INSERT TO {rep} WITH CHECK (team_role = current_user);
CREATE POLICY rep_read ON team_client FOR SELECT TO {rep} USING (team_role = current_user);
CREATE POLICY rep_insert ON team_client FOR INSERT TO {rep}
    WITH CHECK (team_role = current_user);
CREATE POLICY rep_update ON team_client FOR UPDATE TO {rep}
    USING (team_role = current_user) WITH CHECK (team_role = current_user);

-- the change log: changes of accounts the rep owns, or owned before a
-- reassignment (so the laptop learns the account went to someone else).
CREATE POLICY rep_read ON team_change FOR SELECT TO {rep}
    USING (old_owner = current_user OR new_owner = current_user
           OR ({unassigned} AND new_owner IS NULL));

-- published talk scripts and campaign targets: everyone in the team reads
-- them; a lead writes them only in the lead's own name. Nobody deletes (no
-- DELETE grant): older versions stay.
DROP POLICY IF EXISTS lead_read ON team_publication;
DROP POLICY IF EXISTS lead_insert ON team_publication;
DROP POLICY IF EXISTS lead_update ON team_publication;
DROP POLICY IF EXISTS rep_read ON team_publication;
CREATE POLICY lead_read ON team_publication FOR SELECT TO {lead} USING (true);
CREATE POLICY lead_insert ON team_publication FOR INSERT TO {lead}
    WITH CHECK (published_by = current_user);
CREATE POLICY lead_update ON team_publication FOR UPDATE TO {lead}
    USING (true) WITH CHECK (published_by = current_user);
CREATE POLICY rep_read ON team_publication FOR SELECT TO {rep} USING (true);
