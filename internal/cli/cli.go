// Package cli owns the mamori command line: one file per subcommand, each a
// thin layer over the domain packages. Flags fall back to MAMORI_*
// environment variables, as DESIGN.md's contract fixes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"

	"mamori/internal/app"
	"mamori/internal/db"
	"mamori/internal/firststart"
	"mamori/internal/org"
	"mamori/internal/scope"
)

// Version is set at build time with -ldflags "-X mamori/internal/cli.Version=…".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// storage holds the flags every command that touches the database shares.
type storage struct {
	data     string
	database string
	cacheMB  int // SQLite page cache per connection; 0 for the default
}

func (s *storage) bind(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&s.data, "data", env("MAMORI_DATA", "./mamori-data"), "data folder (env MAMORI_DATA)")
	cmd.PersistentFlags().StringVar(&s.database, "database", env("MAMORI_DATABASE", ""), "postgres:// URL; empty for SQLite in the data folder (env MAMORI_DATABASE)")
}

func (s *storage) open(ctx context.Context) (*db.DB, error) {
	return app.OpenDB(ctx, db.Config{DataDir: s.data, URL: s.database, CacheMB: s.cacheMB})
}

// openOrg opens storage and the organisation commands act on, with a scope
// that names the command line as the actor in the trail.
func (s *storage) openOrg(ctx context.Context, what string) (*db.DB, scope.Scope, error) {
	d, err := s.open(ctx)
	if err != nil {
		return nil, scope.Scope{}, err
	}
	// A script may create users before the first serve: first start
	// happens here then, exactly as serve would do it.
	if err := firststart.Bootstrap(ctx, d, env("MAMORI_ORG_NAME", ""), env("MAMORI_ADMIN_PASSWORD", ""), os.Stderr); err != nil {
		d.Close()
		return nil, scope.Scope{}, err
	}
	o, err := org.First(ctx, d)
	if err != nil {
		d.Close()
		return nil, scope.Scope{}, err
	}
	sc := scope.System(o.ID, "mamori "+what)
	if u := os.Getenv("USER"); u != "" {
		sc.ActorName += " (" + u + ")"
	}
	sc.ClientAddr = "local"
	return d, sc, nil
}

func env(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return fallback
}

// Main runs the command line and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		var ex exitError
		if errors.As(err, &ex) {
			return ex.code
		}
		fmt.Fprintln(stderr, "mamori:", err)
		return 1
	}
	return 0
}

// exitError ends a command with a status after it has printed its own
// explanation (trail verify uses it).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "mamori",
		Short:         "mamori (守り) — information security policy, assets, audits and a tamper-evident trail",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	var st storage
	st.bind(root)
	root.AddCommand(
		serveCmd(&st),
		migrateCmd(&st),
		userCmd(&st),
		tokenCmd(&st),
		trailCmd(&st),
		backupCmd(&st),
		restoreCmd(&st),
		policyCmd(&st),
		demoCmd(&st),
		versionCmd(),
	)
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "mamori", version())
			return nil
		},
	}
}
