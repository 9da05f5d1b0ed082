package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
)

func userCmd(st *storage) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "manage people's sign-in accounts and roles"}
	cmd.AddCommand(userCreateCmd(st), userListCmd(st), userDisableCmd(st), userResetPasswordCmd(st), userSetRoleCmd(st))
	return cmd
}

// readPassword takes the first line of stdin, so scripts can pipe it and
// it never appears in the process list.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("cannot read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on stdin")
	}
	return pw, nil
}

// parseRole reads ROLE[@SCOPE]; SCOPE is a department's id, code or name
// for department roles, and a system id for system roles.
func parseRole(ctx context.Context, q db.Querier, sc scope.Scope, spec string) (org.AssignmentInput, error) {
	code, scopeText, _ := strings.Cut(spec, "@")
	info, ok := authz.Info(authz.Role(code))
	if !ok {
		var codes []string
		for _, r := range authz.Catalogue {
			codes = append(codes, string(r.Code))
		}
		return org.AssignmentInput{}, fmt.Errorf("unknown role %q (one of: %s)", code, strings.Join(codes, ", "))
	}
	in := org.AssignmentInput{Role: code}
	switch info.Scope {
	case authz.ScopeOrg:
		if scopeText != "" {
			return in, fmt.Errorf("role %s applies to the whole organisation and takes no @scope", code)
		}
	case authz.ScopeDepartment:
		if scopeText == "" {
			return in, fmt.Errorf("role %s needs a department: %s@DEPARTMENT (id, code or name)", code, code)
		}
		ds, err := org.ListDepartments(ctx, q, sc)
		if err != nil {
			return in, err
		}
		for _, d := range ds {
			if strconv.FormatInt(d.ID, 10) == scopeText || (d.Code != "" && d.Code == scopeText) || d.Name == scopeText {
				in.ScopeID = d.ID
			}
		}
		if in.ScopeID == 0 {
			return in, fmt.Errorf("no department %q", scopeText)
		}
	case authz.ScopeSystem:
		id, err := strconv.ParseInt(scopeText, 10, 64)
		if err != nil || id <= 0 {
			return in, fmt.Errorf("role %s needs a system id: %s@ID", code, code)
		}
		in.ScopeID = id
	}
	return in, nil
}

func userCreateCmd(st *storage) *cobra.Command {
	var login, name, kana, category string
	var roles []string
	var passwordStdin, mustChange bool
	cmd := &cobra.Command{
		Use:   "create",
		Short: "create a person with a sign-in account",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if login == "" {
				return errors.New("--login is required")
			}
			if !passwordStdin {
				return errors.New("--password-stdin is required: pipe the password on standard input")
			}
			pw, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			d, sc, err := st.openOrg(ctx, "user create")
			if err != nil {
				return err
			}
			defer d.Close()
			if name == "" {
				name = login
			}
			var p org.Person
			err = d.Transact(ctx, func(tx *db.Tx) error {
				var err error
				p, err = org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: name, NameKana: kana, StaffCategory: category})
				if err != nil {
					return err
				}
				if err := auth.CreateAccount(ctx, tx, sc, p.ID, login, pw, mustChange); err != nil {
					return err
				}
				for _, spec := range roles {
					in, err := parseRole(ctx, tx, sc, spec)
					if err != nil {
						return err
					}
					if in.Role == string(authz.Staff) {
						continue // everyone holds it
					}
					if _, err := org.Assign(ctx, tx, sc, p.ID, in); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created person %d with login %s\n", p.ID, strings.ToLower(login))
			return nil
		},
	}
	cmd.Flags().StringVar(&login, "login", "", "sign-in name (3–64 of a-z 0-9 . _ -)")
	cmd.Flags().StringVar(&name, "name", "", "full name (default: the login)")
	cmd.Flags().StringVar(&kana, "kana", "", "name in kana, for sorting")
	cmd.Flags().StringVar(&category, "category", "regular", "staff category: regular, temporary_appointed, dispatched, contract, temporary")
	cmd.Flags().StringArrayVar(&roles, "role", nil, "role to assign, ROLE[@SCOPE]; repeatable")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of stdin")
	cmd.Flags().BoolVar(&mustChange, "must-change-password", false, "ask for a new password at first sign-in")
	return cmd
}

func userListCmd(st *storage) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "list people with their logins and roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			d, sc, err := st.openOrg(ctx, "user list")
			if err != nil {
				return err
			}
			defer d.Close()
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tACTIVE\tROLES")
			cursor := ""
			for {
				page, err := org.ListPeople(ctx, d, sc, authz.Grant{All: true}, 0, org.PersonFilter{Cursor: cursor, Limit: 500})
				if err != nil {
					return err
				}
				for _, p := range page.Items {
					as, err := org.ListAssignments(ctx, d, sc, p.ID)
					if err != nil {
						return err
					}
					var rs []string
					for _, a := range as {
						r := string(a.Role)
						if a.ScopeID != 0 {
							r += "@" + strconv.FormatInt(a.ScopeID, 10)
						}
						rs = append(rs, r)
					}
					login := p.Login
					if login == "" {
						login = "-"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%t\t%s\n", p.ID, login, p.Name, p.Active, strings.Join(rs, ","))
				}
				if page.NextCursor == "" {
					break
				}
				cursor = page.NextCursor
			}
			return tw.Flush()
		},
	}
}

func userDisableCmd(st *storage) *cobra.Command {
	var login string
	var enable bool
	cmd := &cobra.Command{
		Use:   "disable",
		Short: "disable a person: their sessions and API tokens end at once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			d, sc, err := st.openOrg(ctx, "user disable")
			if err != nil {
				return err
			}
			defer d.Close()
			err = d.Transact(ctx, func(tx *db.Tx) error {
				id, err := org.PersonIDByLogin(ctx, tx, sc, login)
				if err != nil {
					return err
				}
				_, err = org.SetActive(ctx, tx, sc, id, enable)
				return err
			})
			if err != nil {
				return explain(err)
			}
			state := "disabled"
			if enable {
				state = "enabled"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", state, login)
			return nil
		},
	}
	cmd.Flags().StringVar(&login, "login", "", "the person's login")
	cmd.Flags().BoolVar(&enable, "enable", false, "enable again instead")
	_ = cmd.MarkFlagRequired("login")
	return cmd
}

func userResetPasswordCmd(st *storage) *cobra.Command {
	var login string
	var passwordStdin, keep bool
	cmd := &cobra.Command{
		Use:   "reset-password",
		Short: "set a new password; it must be changed at next sign-in unless --no-change-required",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var pw string
			generated := false
			if passwordStdin {
				var err error
				if pw, err = readPassword(cmd.InOrStdin()); err != nil {
					return err
				}
			} else {
				pw, generated = auth.GeneratePassword(), true
			}
			ctx := cmd.Context()
			d, sc, err := st.openOrg(ctx, "user reset-password")
			if err != nil {
				return err
			}
			defer d.Close()
			err = d.Transact(ctx, func(tx *db.Tx) error {
				id, err := org.PersonIDByLogin(ctx, tx, sc, login)
				if err != nil {
					return err
				}
				if err := auth.SetPassword(ctx, tx, sc, id, pw, !keep); err != nil {
					return err
				}
				return auth.RevokeSessionsOf(ctx, tx, sc.OrgID, id)
			})
			if err != nil {
				return explain(err)
			}
			if generated {
				fmt.Fprintf(cmd.OutOrStdout(), "new password for %s (shown once):\n%s\n", login, pw)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "password of %s reset\n", login)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&login, "login", "", "the person's login")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the new password from stdin (otherwise one is generated and printed)")
	cmd.Flags().BoolVar(&keep, "no-change-required", false, "do not ask for a new password at next sign-in")
	_ = cmd.MarkFlagRequired("login")
	return cmd
}

func userSetRoleCmd(st *storage) *cobra.Command {
	var login string
	var roles []string
	var remove bool
	cmd := &cobra.Command{
		Use:   "set-role",
		Short: "give a person a role (ROLE[@SCOPE]), or take it away with --remove",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(roles) == 0 {
				return errors.New("--role is required")
			}
			ctx := cmd.Context()
			d, sc, err := st.openOrg(ctx, "user set-role")
			if err != nil {
				return err
			}
			defer d.Close()
			err = d.Transact(ctx, func(tx *db.Tx) error {
				id, err := org.PersonIDByLogin(ctx, tx, sc, login)
				if err != nil {
					return err
				}
				for _, spec := range roles {
					in, err := parseRole(ctx, tx, sc, spec)
					if err != nil {
						return err
					}
					if !remove {
						if _, err := org.Assign(ctx, tx, sc, id, in); err != nil {
							return err
						}
						continue
					}
					as, err := org.ListAssignments(ctx, tx, sc, id)
					if err != nil {
						return err
					}
					found := false
					for _, a := range as {
						if string(a.Role) == in.Role && a.ScopeID == in.ScopeID {
							found = true
							if err := org.Unassign(ctx, tx, sc, a.ID); err != nil {
								return err
							}
						}
					}
					if !found {
						return fmt.Errorf("%s does not hold %s", login, spec)
					}
				}
				return nil
			})
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "roles of %s updated\n", login)
			return nil
		},
	}
	cmd.Flags().StringVar(&login, "login", "", "the person's login")
	cmd.Flags().StringArrayVar(&roles, "role", nil, "ROLE[@SCOPE]; repeatable")
	cmd.Flags().BoolVar(&remove, "remove", false, "take the roles away instead")
	_ = cmd.MarkFlagRequired("login")
	return cmd
}
