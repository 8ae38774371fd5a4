//! Schema migrations, embedded in the binary, one script per backend and version.

use sqlx::{AnyConnection, AnyPool, Connection, Row};

use super::{Backend, StoreError};

/// (version, SQLite script, PostgreSQL script). Append only; never edit a published entry.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        include_str!("../../migrations/0001_init.sqlite.sql"),
        include_str!("../../migrations/0001_init.postgres.sql"),
    ),
    (
        2,
        include_str!("../../migrations/0002_agenda.sqlite.sql"),
        include_str!("../../migrations/0002_agenda.postgres.sql"),
    ),
    (
        3,
        include_str!("../../migrations/0003_callbacks.sqlite.sql"),
        include_str!("../../migrations/0003_callbacks.postgres.sql"),
    ),
    (
        4,
        include_str!("../../migrations/0004_recent_done_index.sqlite.sql"),
        include_str!("../../migrations/0004_recent_done_index.postgres.sql"),
    ),
    (
        5,
        include_str!("../../migrations/0005_operators.sqlite.sql"),
        include_str!("../../migrations/0005_operators.postgres.sql"),
    ),
];

/// Applies the migrations the database has not seen yet, each in its own transaction.
pub(super) async fn run(pool: &AnyPool, backend: Backend) -> Result<(), StoreError> {
    // One connection throughout: PostgreSQL advisory locks belong to a session.
    let mut conn = pool.acquire().await?;
    let conn: &mut AnyConnection = &mut conn;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
         applied_at TEXT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    if backend == Backend::Postgres {
        // Several nodes may start at once: one migrates, the others wait.
        sqlx::query("SELECT pg_advisory_lock(727274)")
            .execute(&mut *conn)
            .await?;
    }
    let result = apply_missing(conn, backend).await;
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock(727274)")
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn apply_missing(conn: &mut AnyConnection, backend: Backend) -> Result<(), StoreError> {
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    for &(version, sqlite, postgres) in MIGRATIONS {
        if applied.contains(&version) {
            continue;
        }
        let script = match backend {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        };
        let mut tx = conn.begin().await?;
        sqlx::raw_sql(script).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(version)
            .bind(jiff::Timestamp::now().to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}
