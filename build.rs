//! Rebuilds when a migration is added or changed: `sqlx::migrate!` embeds
//! the files of `migrations/` at compile time, and cargo would otherwise not
//! notice a new one (a server built before it would not know the migration
//! a newer build applied to the same database).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
