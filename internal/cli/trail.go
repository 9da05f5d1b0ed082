package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"mamori/internal/trail"
)

func trailCmd(st *storage) *cobra.Command {
	cmd := &cobra.Command{Use: "trail", Short: "the tamper-evident trail (監査証跡)"}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "walk every chain; exit non-zero naming the first altered, removed or reordered entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			d, err := st.open(ctx)
			if err != nil {
				return err
			}
			defer d.Close()
			start := time.Now()
			rep, err := trail.Verify(ctx, d)
			if err != nil {
				return err
			}
			el := time.Since(start)
			rate := float64(rep.Entries) / el.Seconds()
			if len(rep.Problems) > 0 {
				for _, p := range rep.Problems {
					fmt.Fprintln(cmd.OutOrStdout(), "BROKEN:", p.Error())
				}
				fmt.Fprintf(cmd.OutOrStdout(), "trail verification FAILED after %d entries\n", rep.Entries)
				return exitError{code: 2}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "trail intact: %d entries verified in %s (%.0f entries/s)\n", rep.Entries, el.Round(time.Millisecond), rate)
			return nil
		},
	})
	return cmd
}
