package store

// PGMigrations returns the PostgreSQL migrations, for the tests of
// package store_test.
func PGMigrations() []string { return pgMigrations }
