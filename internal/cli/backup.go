package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"mamori/internal/backup"
	"mamori/internal/db"
)

func backupCmd(st *storage) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "write a consistent copy of the whole database to a file, while the server runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("--out is required")
			}
			ctx := cmd.Context()
			d, err := st.open(ctx)
			if err != nil {
				return err
			}
			defer d.Close()
			stats, err := backup.Backup(ctx, d, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup written to %s: %d tables, %d rows, %d bytes in %s\n", out, stats.Tables, stats.Rows, stats.Bytes, stats.Duration.Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "backup file to write")
	return cmd
}

func restoreCmd(st *storage) *cobra.Command {
	var in string
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "restore a backup file into empty storage",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" {
				return errors.New("--in is required")
			}
			ctx := cmd.Context()
			d, err := db.Open(ctx, db.Config{DataDir: st.data, URL: st.database})
			if err != nil {
				return err
			}
			defer d.Close()
			if _, err := d.Migrate(ctx); err != nil {
				return err
			}
			stats, err := backup.Restore(ctx, d, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s: %d tables, %d rows in %s; run `mamori trail verify` to check it\n", in, stats.Tables, stats.Rows, stats.Duration.Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&in, "in", "", "backup file to read")
	return cmd
}
