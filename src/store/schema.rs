//! The ledger's schema: [`VERSION`] plus the current SQL, and one upgrade arm per old version,
//! tracked in `PRAGMA user_version`.

use rusqlite::Transaction;

use super::StoreError;

/// The schema version this build writes.
pub const VERSION: i64 = 8;

/// The tables version 2 added (the monthly progress sheet, the calendar's own items), shared by
/// the full schema and the upgrade from version 1.
macro_rules! v2_tables {
    () => {
        r#"
-- The month's progress sheet as the coordinator edited it: one row per form row and period.
-- `based_on` is the consolidated text the edit started from; when the departments' returns
-- later consolidate to something else, the row is out of date.
CREATE TABLE sheet_rows (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    period      TEXT NOT NULL,
    form_row_id INTEGER NOT NULL REFERENCES form_rows(id) ON DELETE CASCADE,
    progress    TEXT NOT NULL DEFAULT '',
    remark      TEXT NOT NULL DEFAULT '',
    based_on    TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL,
    UNIQUE (plan_id, period, form_row_id)
);
CREATE INDEX sheet_rows_form_row ON sheet_rows(form_row_id);

-- Every value a sheet row held before it was overwritten.
CREATE TABLE sheet_row_history (
    id           INTEGER PRIMARY KEY,
    sheet_row_id INTEGER NOT NULL REFERENCES sheet_rows(id) ON DELETE CASCADE,
    progress     TEXT NOT NULL,
    remark       TEXT NOT NULL,
    written_at   TEXT NOT NULL,
    replaced_at  TEXT NOT NULL
);
CREATE INDEX sheet_row_history_row ON sheet_row_history(sheet_row_id, id);

-- The user's own calendar items (a meeting, an inspection); departments one per line.
CREATE TABLE calendar_items (
    id          INTEGER PRIMARY KEY,
    date        TEXT NOT NULL,
    title       TEXT NOT NULL,
    departments TEXT NOT NULL DEFAULT '',
    done_on     TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX calendar_items_date ON calendar_items(date);
"#
    };
}

const V2_SQL: &str = v2_tables!();

/// The tables version 3 added (the mailbox), shared by the full schema and the upgrades.
macro_rules! v3_tables {
    () => {
        r#"
-- The addresses a department writes from, learned from committed e-mails or typed; an
-- address belongs to one department.
CREATE TABLE department_addresses (
    id            INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    address       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    added_at      TEXT NOT NULL
);
CREATE INDEX department_addresses_department ON department_addresses(department_id);

-- Every e-mail read, from the mailbox (account, folder, UIDVALIDITY, UID) or from a saved
-- file: committed, waiting for the user, rejected, or refused (too large, unreadable). The
-- original is archived in source_files (kind 'email').
CREATE TABLE mail_messages (
    id             INTEGER PRIMARY KEY,
    message_id     TEXT NOT NULL,
    account        TEXT NOT NULL DEFAULT '',
    folder         TEXT NOT NULL DEFAULT '',
    uid_validity   INTEGER NOT NULL DEFAULT 0,
    uid            INTEGER NOT NULL DEFAULT 0,
    sender         TEXT NOT NULL DEFAULT '',
    subject        TEXT NOT NULL DEFAULT '',
    sent_on        TEXT,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'committed', 'rejected', 'refused')),
    department_id  INTEGER REFERENCES departments(id),
    period         TEXT,
    source_file_id INTEGER REFERENCES source_files(id),
    note           TEXT NOT NULL DEFAULT '',
    added_at       TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX mail_messages_message_id ON mail_messages(message_id);
CREATE INDEX mail_messages_folder ON mail_messages(account, folder, uid_validity, uid);
CREATE INDEX mail_messages_state ON mail_messages(state);
CREATE INDEX mail_messages_department ON mail_messages(department_id);
CREATE INDEX mail_messages_source_file ON mail_messages(source_file_id);

-- Chase e-mails sent: when, to whom, which message.
CREATE TABLE chase_sends (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    period        TEXT NOT NULL,
    address       TEXT NOT NULL,
    subject       TEXT NOT NULL,
    message       TEXT NOT NULL,
    sent_at       TEXT NOT NULL
);
CREATE INDEX chase_sends_period ON chase_sends(plan_id, period, department_id);
CREATE INDEX chase_sends_department ON chase_sends(department_id);
"#
    };
}

const V3_SQL: &str = v3_tables!();

/// What version 4 added (several plans at once, the turn of the year, table plans), as
/// columns on existing tables: a new ledger gets them the same way an upgraded one does.
/// (Plain integer ids without `REFERENCES`, so that the columns can be dropped again to
/// make an old file in the upgrade tests.)
const V4_SQL: &str = r#"
-- example: the bundled 2019 plan; imported: read from a document; carried: next year's
-- working plan carried forward (沿用上年) until the real one arrives; blank: an empty plan.
ALTER TABLE plans ADD COLUMN kind TEXT NOT NULL DEFAULT 'imported'
    CHECK (kind IN ('example', 'imported', 'carried', 'blank'));
-- Active plans are shown and chased; a closed plan is kept for its history.
ALTER TABLE plans ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'closed'));
-- Notes that apply to every later task (以下各项工作均需…落实，不再列出), one per line.
ALTER TABLE plans ADD COLUMN notes TEXT NOT NULL DEFAULT '';
-- The first reporting month ('YYYY-MM') when it is not the month after the issue date: a
-- plan that replaced a carried one keeps the carried plan's months.
ALTER TABLE plans ADD COLUMN reporting_from TEXT;
-- The plan this one was carried forward from (plans.id).
ALTER TABLE plans ADD COLUMN carried_from INTEGER;
-- A table plan's 完成时限 as written (长期坚持, 2020年6月底前).
ALTER TABLE tasks ADD COLUMN deadline TEXT NOT NULL DEFAULT '';
-- A task that did not continue into the real plan: closed on this day with its last state.
ALTER TABLE tasks ADD COLUMN closed_on TEXT;
-- The task of the earlier plan this one continues (tasks.id).
ALTER TABLE tasks ADD COLUMN carried_from INTEGER;
CREATE INDEX plans_state ON plans(state);
"#;

/// The bundled plan of a ledger made before version 4, with no return under it yet, is the
/// example it always was; a plan with returns is the user's own, whatever its origin.
const V4_MARK_EXAMPLE: &str = r#"
UPDATE plans SET kind = 'example'
WHERE source_file_id IS NULL
  AND document_number = '融政办发〔2019〕84号'
  AND NOT EXISTS (SELECT 1 FROM returns r WHERE r.plan_id = plans.id)
  AND NOT EXISTS (SELECT 1 FROM sheet_rows s WHERE s.plan_id = plans.id);
"#;

/// The whole current schema, as a new ledger gets it.
pub const CREATE_SQL: &str = concat!(
    r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Original files kept in the ledger: plan documents and returned spreadsheets.
CREATE TABLE source_files (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    sha256   TEXT NOT NULL,
    size     INTEGER NOT NULL,
    content  BLOB NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX source_files_sha256 ON source_files(sha256);

CREATE TABLE plans (
    id              INTEGER PRIMARY KEY,
    year            INTEGER NOT NULL,
    title           TEXT NOT NULL,
    document_number TEXT NOT NULL DEFAULT '',
    issuer          TEXT NOT NULL DEFAULT '',
    issued_on       TEXT,
    is_current      INTEGER NOT NULL DEFAULT 0 CHECK (is_current IN (0, 1)),
    source_file_id  INTEGER REFERENCES source_files(id),
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX plans_single_current ON plans(is_current) WHERE is_current = 1;
CREATE INDEX plans_source_file ON plans(source_file_id);

CREATE TABLE targets (
    id       INTEGER PRIMARY KEY,
    plan_id  INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text     TEXT NOT NULL,
    wording  TEXT NOT NULL DEFAULT '',
    due_date TEXT
);
CREATE INDEX targets_plan ON targets(plan_id, position);

CREATE TABLE sections (
    id       INTEGER PRIMARY KEY,
    plan_id  INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    number   TEXT NOT NULL,
    title    TEXT NOT NULL
);
CREATE INDEX sections_plan ON sections(plan_id, position);

CREATE TABLE headings (
    id         INTEGER PRIMARY KEY,
    section_id INTEGER NOT NULL REFERENCES sections(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    code       TEXT NOT NULL,
    title      TEXT NOT NULL
);
CREATE INDEX headings_section ON headings(section_id, position);

CREATE TABLE tasks (
    id               INTEGER PRIMARY KEY,
    plan_id          INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    section_id       INTEGER NOT NULL REFERENCES sections(id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    code             TEXT NOT NULL,
    title            TEXT NOT NULL,
    body             TEXT NOT NULL DEFAULT '',
    note             TEXT NOT NULL DEFAULT '',
    leads_separately INTEGER NOT NULL DEFAULT 0,
    UNIQUE (plan_id, code)
);
CREATE INDEX tasks_section ON tasks(section_id, position);

CREATE TABLE departments (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    contact_person TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    origin         TEXT NOT NULL DEFAULT 'user',
    position       INTEGER NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE department_aliases (
    id            INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    alias         TEXT NOT NULL UNIQUE
);
CREATE INDEX department_aliases_department ON department_aliases(department_id);

CREATE TABLE task_departments (
    id            INTEGER PRIMARY KEY,
    task_id       INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    role          TEXT NOT NULL CHECK (role IN ('lead', 'participant')),
    scope         TEXT NOT NULL DEFAULT '',
    position      INTEGER NOT NULL,
    UNIQUE (task_id, role, department_id)
);
CREATE INDEX task_departments_department ON task_departments(department_id);

CREATE TABLE milestones (
    id        INTEGER PRIMARY KEY,
    task_id   INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    due_date  TEXT NOT NULL,
    wording   TEXT NOT NULL DEFAULT '',
    clause    TEXT NOT NULL DEFAULT '',
    done_on   TEXT,
    done_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX milestones_task ON milestones(task_id, position);
CREATE INDEX milestones_due_date ON milestones(due_date);

-- The plan's attachment form; list fields hold one item per line.
CREATE TABLE forms (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL UNIQUE REFERENCES plans(id) ON DELETE CASCADE,
    label         TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    header_fields TEXT NOT NULL DEFAULT '',
    columns       TEXT NOT NULL DEFAULT '',
    notes         TEXT NOT NULL DEFAULT ''
);

CREATE TABLE form_groups (
    id       INTEGER PRIMARY KEY,
    form_id  INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name     TEXT NOT NULL
);
CREATE INDEX form_groups_form ON form_groups(form_id, position);

CREATE TABLE form_rows (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES form_groups(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    code      TEXT NOT NULL,
    text      TEXT NOT NULL,
    units     TEXT NOT NULL DEFAULT '',
    quarterly INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX form_rows_group ON form_rows(group_id, position);

CREATE TABLE form_row_departments (
    form_row_id   INTEGER NOT NULL REFERENCES form_rows(id) ON DELETE CASCADE,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    position      INTEGER NOT NULL,
    PRIMARY KEY (form_row_id, department_id)
);
CREATE INDEX form_row_departments_department ON form_row_departments(department_id);

CREATE TABLE reporting_rules (
    plan_id             INTEGER PRIMARY KEY REFERENCES plans(id) ON DELETE CASCADE,
    due_day             INTEGER NOT NULL CHECK (due_day BETWEEN 1 AND 28),
    due_day_source      TEXT NOT NULL DEFAULT '',
    form_due_day        INTEGER NOT NULL DEFAULT 1,
    form_due_day_source TEXT NOT NULL DEFAULT '',
    quarterly_months    TEXT NOT NULL DEFAULT '',
    quarterly_rule      TEXT NOT NULL DEFAULT ''
);

-- One department's return for one month (period 'YYYY-MM') of one plan.
CREATE TABLE returns (
    id             INTEGER PRIMARY KEY,
    plan_id        INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    period         TEXT NOT NULL,
    received_on    TEXT,
    source         TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    source_file_id INTEGER REFERENCES source_files(id),
    updated_at     TEXT NOT NULL,
    UNIQUE (plan_id, department_id, period)
);
CREATE INDEX returns_department ON returns(department_id, period);
CREATE INDEX returns_period ON returns(plan_id, period);
CREATE INDEX returns_source_file ON returns(source_file_id);

-- The current text of one row of a return: a form row, or a plan task the department leads.
CREATE TABLE return_rows (
    id          INTEGER PRIMARY KEY,
    return_id   INTEGER NOT NULL REFERENCES returns(id) ON DELETE CASCADE,
    form_row_id INTEGER REFERENCES form_rows(id),
    task_id     INTEGER REFERENCES tasks(id),
    progress    TEXT NOT NULL DEFAULT '',
    remark      TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    updated_at  TEXT NOT NULL,
    CHECK (form_row_id IS NOT NULL OR task_id IS NOT NULL)
);
CREATE UNIQUE INDEX return_rows_return_form_row ON return_rows(return_id, form_row_id)
    WHERE form_row_id IS NOT NULL;
CREATE UNIQUE INDEX return_rows_return_task ON return_rows(return_id, task_id)
    WHERE task_id IS NOT NULL;
CREATE INDEX return_rows_form_row ON return_rows(form_row_id);
CREATE INDEX return_rows_task ON return_rows(task_id);

-- Every value a return row held before it was overwritten, with when and from what source.
CREATE TABLE return_row_history (
    id            INTEGER PRIMARY KEY,
    return_row_id INTEGER NOT NULL REFERENCES return_rows(id) ON DELETE CASCADE,
    progress      TEXT NOT NULL,
    remark        TEXT NOT NULL,
    source        TEXT NOT NULL,
    written_at    TEXT NOT NULL,
    replaced_at   TEXT NOT NULL
);
CREATE INDEX return_row_history_row ON return_row_history(return_row_id, id);
"#,
    v2_tables!(),
    v3_tables!()
);

/// What version 5 added: the history of the form's title and notes (the coordinator edits
/// them on 进展表; a carried plan's are moved a year on).
const V5_SQL: &str = r#"
CREATE TABLE IF NOT EXISTS form_history (
    id          INTEGER PRIMARY KEY,
    form_id     INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    notes       TEXT NOT NULL,
    replaced_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS form_history_form ON form_history(form_id, id);
"#;

/// What version 6 added: the values of the plan's 目标指标 month by month (with their
/// history: a replaced value keeps its row with `replaced_at` set), and the templates and
/// sheets e-mailed out.
const V6_SQL: &str = r#"
CREATE TABLE IF NOT EXISTS indicator_values (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    period      TEXT NOT NULL,
    value       REAL NOT NULL,
    source      TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    replaced_at TEXT
);
CREATE INDEX IF NOT EXISTS indicator_values_plan ON indicator_values(plan_id, name, period);
-- kind: template (a department's return template for the month) or sheet (the month's
-- progress sheet to the city); department_id is NULL for the sheet.
CREATE TABLE IF NOT EXISTS mail_sends (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('template', 'sheet')),
    period        TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    address       TEXT NOT NULL,
    subject       TEXT NOT NULL,
    attachments   TEXT NOT NULL,
    sent_at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mail_sends_period ON mail_sends(plan_id, kind, period);
CREATE INDEX IF NOT EXISTS mail_sends_department ON mail_sends(department_id);
"#;

/// What version 7 added: each e-mail out has an outcome (sent, uncertain: handed over without
/// a complete reply, failed), the reason, and the Message-ID it carried (rows from before were
/// all confirmed sends); due dates on rest days move by default.
const V7_SQL: &str = r#"
ALTER TABLE mail_sends ADD COLUMN outcome TEXT NOT NULL DEFAULT 'sent'
    CHECK (outcome IN ('sent', 'uncertain', 'failed'));
ALTER TABLE mail_sends ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE mail_sends ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE chase_sends ADD COLUMN outcome TEXT NOT NULL DEFAULT 'sent'
    CHECK (outcome IN ('sent', 'uncertain', 'failed'));
ALTER TABLE chase_sends ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE chase_sends ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
-- Due dates on rest days move to the next working day by default now: the old default (off,
-- stored when 设置 was saved) becomes on; from now on a stored '0' is her choice.
UPDATE settings SET value = '1' WHERE key = 'shift_due_dates' AND value = '0';
"#;

/// What version 8 added: 退回, and every original file of a return. Each sending back of a return (by e-mail, or by hand with the
/// text copied), with its reason, the rows in question and its outcome; the return carries
/// the mark of the last one until the corrected return arrives (`sent_back_at`; the state
/// `returned`). `previous_mark` is the mark before this one, put back when this one failed.
const V8_SQL: &str = r#"
ALTER TABLE returns ADD COLUMN sent_back_at TEXT;
CREATE TABLE IF NOT EXISTS send_backs (
    id            INTEGER PRIMARY KEY,
    return_id     INTEGER NOT NULL REFERENCES returns(id) ON DELETE CASCADE,
    reason        TEXT NOT NULL,
    rows          TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    subject       TEXT NOT NULL,
    message       TEXT NOT NULL,
    sent_at       TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('sent', 'uncertain', 'failed', 'by_hand')),
    failure       TEXT NOT NULL DEFAULT '',
    message_id    TEXT NOT NULL DEFAULT '',
    previous_mark TEXT
);
CREATE INDEX IF NOT EXISTS send_backs_return ON send_backs(return_id, id);
-- Every original file a return came in (the spreadsheet, the e-mail and its attachments),
-- for the 督察台账: returns.source_file_id keeps only the latest.
CREATE TABLE IF NOT EXISTS return_files (
    id             INTEGER PRIMARY KEY,
    return_id      INTEGER NOT NULL REFERENCES returns(id) ON DELETE CASCADE,
    source_file_id INTEGER NOT NULL REFERENCES source_files(id),
    added_at       TEXT NOT NULL,
    UNIQUE (return_id, source_file_id)
);
CREATE INDEX IF NOT EXISTS return_files_source_file ON return_files(source_file_id);
INSERT OR IGNORE INTO return_files (return_id, source_file_id, added_at)
    SELECT id, source_file_id, updated_at FROM returns WHERE source_file_id IS NOT NULL;
INSERT OR IGNORE INTO return_files (return_id, source_file_id, added_at)
    SELECT r.id, m.source_file_id, m.updated_at
    FROM mail_messages m JOIN returns r
        ON r.department_id = m.department_id AND r.period = m.period
    WHERE m.state = 'committed' AND m.source_file_id IS NOT NULL;
"#;

/// Brings a ledger at `version` up to [`VERSION`] inside the caller's transaction: an empty
/// file (version 0) gets the whole schema, an older one each step from its version on.
pub fn upgrade_from(tx: &Transaction<'_>, version: i64) -> Result<(), StoreError> {
    if !(0..=VERSION).contains(&version) {
        return Err(StoreError::Invalid(format!(
            "无法升级格式版本为 {version} 的台账"
        )));
    }
    if version == VERSION {
        return Ok(());
    }
    let mut at = version;
    if at == 0 {
        tx.execute_batch(CREATE_SQL)?;
        tx.execute_batch(V4_SQL)?;
        at = 4;
    }
    while at < VERSION {
        upgrade_step(tx, at)?;
        at += 1;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    Ok(())
}

/// One step: from `version` to `version + 1`.
fn upgrade_step(tx: &Transaction<'_>, version: i64) -> Result<(), StoreError> {
    match version {
        1 => tx.execute_batch(V2_SQL)?,
        2 => tx.execute_batch(V3_SQL)?,
        3 => {
            tx.execute_batch(V4_SQL)?;
            tx.execute_batch(V4_MARK_EXAMPLE)?;
        }
        4 => tx.execute_batch(V5_SQL)?,
        5 => tx.execute_batch(V6_SQL)?,
        6 => {
            tx.execute_batch(V7_SQL)?;
            super::form_text::fix_carried_form_years(tx)?;
        }
        7 => tx.execute_batch(V8_SQL)?,
        other => {
            return Err(StoreError::Invalid(format!(
                "无法升级格式版本为 {other} 的台账"
            )));
        }
    }
    Ok(())
}
