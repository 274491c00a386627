// Command gencorpus writes a synthetic corpus of N entries, generated from the default
// corpus's vocabulary and shapes (internal/synthcorpus), to a directory — for measuring
// indexing time and the memory of a process holding a large index:
//
//	go run ./internal/cmd/gencorpus -n 10000 -out /tmp/corpus10k
//	BALAI_DATA_DIR=/tmp/data10k /usr/bin/time -v go run ./cmd/balai ask --faq /tmp/corpus10k "ktp hilang"
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/balai-id/balai/faq"
	"github.com/balai-id/balai/internal/synthcorpus"
)

func main() {
	n := flag.Int("n", 10000, "entries")
	out := flag.String("out", "", "directory to write (required)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gencorpus: -out DIR is required")
		os.Exit(2)
	}
	base, ps, err := faq.LoadDefault()
	if err != nil || ps.Err() != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err, ps.Err())
		os.Exit(1)
	}
	c, err := synthcorpus.Generate(base, *n, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
	for _, e := range c.Entries {
		if _, err := faq.WriteEntryFile(*out, e); err != nil {
			fmt.Fprintln(os.Stderr, "gencorpus:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("wrote %d entries to %s\n", len(c.Entries), *out)
}
