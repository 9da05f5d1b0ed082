package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"mamori/internal/demo"
)

func demoCmd(st *storage) *cobra.Command {
	cmd := &cobra.Command{Use: "demo", Short: "demonstration data, for trying mamori out and for benchmarks"}
	var scale string
	var seed uint64
	seedCmd := &cobra.Command{
		Use:   "seed",
		Short: "fill the organisation with realistic demo data (small: 1,000 assets; large: 100,000 assets, 2,000 people, 1,000,000 trail entries)",
		Long: "Fills the first organisation with deterministic demo data: departments, people, accounts " +
			"(demo-ciso, demo-director, demo-officer-01…, demo-manager-01…, demo-staff-01…, all with the password " +
			demo.Password + "), assets, policy documents with versions and acknowledgements, and trail entries. " +
			"Do not run it on a production organisation.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			// A larger page cache for the one connection writing 100,000
			// assets through their indexes (73 s with 32 MB, 119 s with 8).
			st.cacheMB = 64
			d, sc, err := st.openOrg(ctx, "demo seed")
			if err != nil {
				return err
			}
			defer d.Close()
			t0 := time.Now()
			err = demo.Seed(ctx, d, sc, demo.Options{Scale: scale, Seed: seed, Log: cmd.ErrOrStderr()})
			if errors.Is(err, demo.ErrSeeded) {
				return fmt.Errorf("%w in this organisation; use an empty data folder", err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "demo data (%s, seed %d) written in %.1f s\n", scale, seed, time.Since(t0).Seconds())
			return nil
		},
	}
	seedCmd.Flags().StringVar(&scale, "scale", "small", "small or large")
	seedCmd.Flags().Uint64Var(&seed, "seed", 1, "seed number: the same number gives the same data")
	cmd.AddCommand(seedCmd)
	return cmd
}
