package store_test

import (
	"testing"

	"github.com/balai-id/balai/store/storetest"
)

func TestSQLite(t *testing.T) { storetest.RunAll(t, storetest.SQLite(t)) }

// TestPostgres runs when BALAI_TEST_PG holds a DSN (.ci/run sets it).
func TestPostgres(t *testing.T) { storetest.RunAll(t, storetest.Postgres(t)) }
