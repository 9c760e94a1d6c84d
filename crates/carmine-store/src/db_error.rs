//! Store errors: a database failure, with unique-constraint violations recognised
//! on both backends so services can turn them into clean 409s.

use std::fmt;

/// Which unique constraint a write broke, as `table.column` (the first column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UniqueViolation {
    pub table: String,
    pub column: String,
}

#[derive(Debug)]
pub enum StoreError {
    Unique(UniqueViolation),
    Database(sqlx::Error),
}

impl StoreError {
    /// True when this is a unique violation on `table.column`.
    pub fn is_unique_on(&self, table: &str, column: &str) -> bool {
        matches!(self, StoreError::Unique(v) if v.table == table && v.column == column)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && db.is_unique_violation()
            && let Some(violation) = unique_violation(db.constraint(), db.message())
        {
            return StoreError::Unique(violation);
        }
        StoreError::Database(error)
    }
}

/// PostgreSQL names the constraint (our DDL keeps the default `{table}_{column}_key`);
/// SQLite names the columns in its message ("UNIQUE constraint failed: t.a, t.b").
fn unique_violation(constraint: Option<&str>, message: &str) -> Option<UniqueViolation> {
    if let Some(name) = constraint {
        let stem = name.strip_suffix("_key")?;
        // Table names have no double underscore; columns are split by the first `_`
        // after a known table prefix, so the DDL names constraints `{table}__{column}_key`.
        let (table, column) = stem.split_once("__")?;
        return Some(UniqueViolation { table: table.to_owned(), column: column.to_owned() });
    }
    let columns = message.strip_prefix("UNIQUE constraint failed: ")?;
    let first = columns.split(',').next()?.trim();
    let (table, column) = first.split_once('.')?;
    Some(UniqueViolation { table: table.to_owned(), column: column.to_owned() })
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unique(v) => write!(f, "unique violation on {}.{}", v.table, v.column),
            StoreError::Database(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Unique(_) => None,
            StoreError::Database(e) => Some(e),
        }
    }
}

impl From<StoreError> for carmine_core::Error {
    fn from(error: StoreError) -> Self {
        carmine_core::Error::internal(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_are_named_the_same_on_both_backends() {
        let pg = unique_violation(Some("actors__handle_key"), "duplicate key value violates unique constraint");
        let sqlite = unique_violation(None, "UNIQUE constraint failed: actors.handle");
        assert_eq!(pg, sqlite);
        assert_eq!(pg.unwrap(), UniqueViolation { table: "actors".into(), column: "handle".into() });
        let composite = unique_violation(None, "UNIQUE constraint failed: org_members.org_id, org_members.user_id");
        assert_eq!(composite.unwrap().column, "org_id");
    }
}
