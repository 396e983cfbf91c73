// Package postgres is the PostgreSQL implementation of store.Store, for
// several console instances on one database (SPEC §14). Its schema is built
// by its own migrations, each translating the SQLite step of the same
// number, so that the shared SQL of backend/store/sqlstore runs on both.
package postgres
