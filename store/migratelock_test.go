package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/balai-id/balai/store"
	"github.com/balai-id/balai/store/storetest"
)

// TestReplicasMigrateTogether: replicas starting at once on a fresh PostgreSQL database all
// open it (one migrates, the others wait), and none leaves the migration lock held, which
// would make the next replica's start wait forever.
func TestReplicasMigrateTogether(t *testing.T) {
	// The server is shared (other tests, other runs): count only this test's sessions.
	app := fmt.Sprintf("balai-migrate-%d", time.Now().UnixNano())
	url := storetest.PostgresURL(t) + "&application_name=" + app
	ctx := context.Background()
	const replicas = 4
	dbs := make([]*store.DB, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = store.Open(ctx, url, store.Options{Owner: "replica"})
		}()
	}
	wg.Wait()
	for _, db := range dbs {
		if db != nil {
			t.Cleanup(func() { db.Close() })
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	var held int
	if err := dbs[0].SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.objid = 774411 AND l.granted AND a.application_name = $1`, app).Scan(&held); err != nil {
		t.Fatal(err)
	}
	if held != 0 {
		t.Fatalf("the migration lock is still held %d times after every replica opened", held)
	}
}
