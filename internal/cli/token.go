package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"mamori/internal/auth"
	"mamori/internal/db"
	"mamori/internal/org"
)

func tokenCmd(st *storage) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "manage API tokens"}
	cmd.AddCommand(tokenCreateCmd(st), tokenRevokeCmd(st))
	return cmd
}

func tokenCreateCmd(st *storage) *cobra.Command {
	var user, name string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "create an API token acting with the user's permissions; the token is the last line of stdout",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			d, sc, err := st.openOrg(ctx, "token create")
			if err != nil {
				return err
			}
			defer d.Close()
			var plaintext string
			var id int64
			err = d.Transact(ctx, func(tx *db.Tx) error {
				pid, err := org.PersonIDByLogin(ctx, tx, sc, user)
				if err != nil {
					return err
				}
				plaintext, id, err = auth.CreateToken(ctx, tx, sc, pid, name)
				return err
			})
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "token %d for %s created; it is shown only once:\n", id, user)
			fmt.Fprintln(cmd.OutOrStdout(), plaintext)
			return nil
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "login of the user the token acts as")
	cmd.Flags().StringVar(&name, "name", "command line", "what the token is for")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}

func tokenRevokeCmd(st *storage) *cobra.Command {
	var id int64
	var user string
	cmd := &cobra.Command{
		Use:   "revoke",
		Short: "revoke a token by --id, or every token of --user",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (id == 0) == (user == "") {
				return errors.New("give exactly one of --id or --user")
			}
			ctx := cmd.Context()
			d, sc, err := st.openOrg(ctx, "token revoke")
			if err != nil {
				return err
			}
			defer d.Close()
			err = d.Transact(ctx, func(tx *db.Tx) error {
				if id != 0 {
					return auth.RevokeToken(ctx, tx, sc, id)
				}
				pid, err := org.PersonIDByLogin(ctx, tx, sc, user)
				if err != nil {
					return err
				}
				return auth.RevokeTokensOf(ctx, tx, sc.OrgID, pid)
			})
			if err != nil {
				return explain(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "revoked")
			return nil
		},
	}
	cmd.Flags().Int64Var(&id, "id", 0, "token id")
	cmd.Flags().StringVar(&user, "user", "", "revoke every token of this login")
	return cmd
}
