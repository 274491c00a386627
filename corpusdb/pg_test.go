package corpusdb_test

import (
	"os"
	"testing"

	"github.com/balai-id/balai/store/storetest"
)

// pgURL makes a fresh schema on BALAI_TEST_PG for a benchmark ("" when unset).
func pgURL(b *testing.B) string {
	if os.Getenv("BALAI_TEST_PG") == "" {
		return ""
	}
	return storetest.PostgresURL(b)
}
