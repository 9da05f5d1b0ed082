package cli

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strconv"

	"github.com/spf13/cobra"

	"mamori/internal/app"
	"mamori/internal/db"
)

func serveCmd(st *storage) *cobra.Command {
	var addr, logFormat, scanCommand, cpuProfile, memProfile string
	var secure bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "serve the web UI and the API (first start creates the organisation and the admin account)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var h slog.Handler
			switch logFormat {
			case "json":
				h = slog.NewJSONHandler(cmd.ErrOrStderr(), nil)
			case "text":
				h = slog.NewTextHandler(cmd.ErrOrStderr(), nil)
			default:
				return fmt.Errorf("--log-format must be text or json, not %q", logFormat)
			}
			if cpuProfile != "" {
				// For measuring (make bench): the profile covers the
				// whole run and is written when the server stops.
				f, err := os.Create(cpuProfile)
				if err != nil {
					return fmt.Errorf("cannot create CPU profile: %w", err)
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return fmt.Errorf("cannot start CPU profile: %w", err)
				}
				defer pprof.StopCPUProfile()
			}
			if memProfile != "" {
				defer func() {
					if f, err := os.Create(memProfile); err == nil {
						pprof.Lookup("heap").WriteTo(f, 0)
						f.Close()
					}
				}()
			}
			a, err := app.Open(cmd.Context(), app.Config{
				DataDir: st.data, DatabaseURL: st.database, Addr: addr,
				AdminPassword: env("MAMORI_ADMIN_PASSWORD", ""), OrgName: env("MAMORI_ORG_NAME", ""),
				SecureCookies: secure, ScanCommand: scanCommand, Version: version(), Logger: slog.New(h), Stderr: cmd.ErrOrStderr(),
			})
			if err != nil {
				return err
			}
			defer a.Close()
			return a.Serve(cmd.Context(), nil)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", env("MAMORI_ADDR", "127.0.0.1:8080"), "address to listen on (env MAMORI_ADDR)")
	cmd.Flags().StringVar(&logFormat, "log-format", env("MAMORI_LOG_FORMAT", "text"), "log format: text or json (env MAMORI_LOG_FORMAT)")
	secureDefault, _ := strconv.ParseBool(env("MAMORI_SECURE_COOKIES", "false"))
	cmd.Flags().BoolVar(&secure, "secure-cookies", secureDefault, "mark cookies Secure, for HTTPS through a proxy (env MAMORI_SECURE_COOKIES)")
	cmd.Flags().StringVar(&scanCommand, "scan-command", env("MAMORI_SCAN_COMMAND", ""),
		`command run on every uploaded evidence file, the file on its standard input: exit 0 accepts, 1 refuses, anything else is an error (for example "clamdscan --no-summary -"; env MAMORI_SCAN_COMMAND)`)
	cmd.Flags().StringVar(&cpuProfile, "cpu-profile", "", "write a CPU profile of the whole run to this file when the server stops (for `go tool pprof`)")
	cmd.Flags().StringVar(&memProfile, "mem-profile", "", "write a heap profile to this file when the server stops (for `go tool pprof`)")
	return cmd
}

func migrateCmd(st *storage) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "apply database migrations (serve also applies them at start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := db.Open(cmd.Context(), db.Config{DataDir: st.data, URL: st.database})
			if err != nil {
				return err
			}
			defer d.Close()
			n, err := d.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "applied %d migration(s); database is up to date\n", n)
			return nil
		},
	}
}
