// Command mamori-bench runs the load benchmark of issue 6 against a mamori
// binary: demo data, a separate server process, a mixed authenticated load,
// on SQLite and (with --postgres) PostgreSQL. It prints the result, writes
// it as JSON and into the benchmark table of docs/benchmarks.md. `make
// bench` builds both binaries and runs it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"mamori/internal/bench"
)

func main() {
	var cfg bench.Config
	var jsonOut, mdOut string
	flag.StringVar(&cfg.Mamori, "mamori", "bin/mamori", "the mamori binary to measure")
	flag.StringVar(&cfg.Postgres, "postgres", os.Getenv("MAMORI_BENCH_POSTGRES"), "PostgreSQL server URL for the second run (a fresh database is created in it); empty: SQLite only")
	flag.StringVar(&cfg.Scale, "scale", "large", "demo data: small (1,000 assets) or large (100,000 assets)")
	flag.IntVar(&cfg.Seed, "seed", 1, "demo seed number")
	flag.IntVar(&cfg.Concurrency, "concurrency", 8, "simulated clients in the read phase")
	flag.DurationVar(&cfg.Duration, "duration", 20*time.Second, "length of the read phase (the write phase is half)")
	flag.StringVar(&cfg.Work, "work", "", "folder for data folders and logs (default: a temporary folder)")
	flag.StringVar(&cfg.Profiles, "profiles", "", "write the server's CPU profile of each run into this folder (for go tool pprof)")
	flag.StringVar(&jsonOut, "json", "docs/benchmarks.json", "write the result as JSON here (empty: do not)")
	flag.StringVar(&mdOut, "markdown", "docs/benchmarks.md", "replace the load table in this Markdown file (empty: do not)")
	flag.Parse()

	if cfg.Work == "" {
		dir, err := os.MkdirTemp("", "mamori-bench-")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(dir)
		cfg.Work = dir
	}
	cfg.Log = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		fail(err)
	}
	table := bench.Markdown(res)
	fmt.Print(table)
	if jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(jsonOut, append(b, '\n'), 0o644); err != nil {
			fail(err)
		}
	}
	if mdOut != "" {
		if err := bench.WriteInto(mdOut, table); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mamori-bench:", err)
	os.Exit(1)
}
