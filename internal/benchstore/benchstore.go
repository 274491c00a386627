// Package benchstore opens throwaway stores for the load and benchmark tools
// (internal/cmd/...): SQLite files in a temporary folder, or PostgreSQL schemas that are
// dropped afterwards.
package benchstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/balai-id/balai/store"
)

// Opener opens the store named n (one SQLite file or PostgreSQL schema per name).
type Opener func(n string) (*store.DB, error)

// Open returns an opener on SQLite (pg empty) or on fresh schemas of the PostgreSQL at pg,
// the dialect's name, and a cleanup that removes everything it made. Stores are opened with
// owner as their instance name; tool names the temporary folder and schemas.
func Open(ctx context.Context, pg, tool, owner string) (Opener, string, func(), error) {
	if pg == "" {
		dir, err := os.MkdirTemp("", tool+"-")
		if err != nil {
			return nil, "", nil, fmt.Errorf("benchstore: %w", err)
		}
		return func(n string) (*store.DB, error) {
			return store.Open(ctx, filepath.Join(dir, n+".db"), store.Options{Owner: owner})
		}, "sqlite", func() { os.RemoveAll(dir) }, nil
	}
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		return nil, "", nil, fmt.Errorf("benchstore: %w", err)
	}
	prefix := fmt.Sprintf("%s%d", tool, time.Now().UnixNano())
	var schemas []string
	sep := "?"
	if strings.Contains(pg, "?") {
		sep = "&"
	}
	return func(n string) (*store.DB, error) {
			s := prefix + "_" + n
			if _, err := conn.Exec(ctx, "CREATE SCHEMA "+s); err != nil {
				return nil, fmt.Errorf("benchstore: %w", err)
			}
			schemas = append(schemas, s)
			return store.Open(ctx, pg+sep+"search_path="+s, store.Options{Owner: owner})
		}, "postgres", func() {
			for _, s := range schemas {
				conn.Exec(context.Background(), "DROP SCHEMA "+s+" CASCADE")
			}
			conn.Close(context.Background())
		}, nil
}
