package storetest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresURL returns the URL of a fresh schema on the PostgreSQL named by BALAI_TEST_PG
// (dropped when t ends), for code that opens the store itself from a URL (commands reading
// DATABASE_URL); it skips the test when BALAI_TEST_PG is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("BALAI_TEST_PG")
	if dsn == "" {
		t.Skip("BALAI_TEST_PG is not set: no PostgreSQL to test against")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("BALAI_TEST_PG=%s: %v", dsn, err)
	}
	schema := fmt.Sprintf("u%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}
