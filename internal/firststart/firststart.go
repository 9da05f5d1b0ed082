// Package firststart owns what happens when mamori meets empty storage: the
// organisation with its role catalogue, its basic policy (shipped in the
// binary) and the administrator account.
package firststart

import (
	"context"
	"errors"
	"fmt"
	"io"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
)

// AdminLogin is the account created on first start.
const AdminLogin = "admin"

// Bootstrap creates, on empty storage only, the organisation with its role
// catalogue and basic policy, and the administrator account. A generated
// password is printed once on stderr and must be changed at first sign-in.
func Bootstrap(ctx context.Context, d *db.DB, orgName, adminPassword string, stderr io.Writer) error {
	if _, err := org.First(ctx, d); err == nil {
		return nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if orgName == "" {
		orgName = org.DefaultName
	}
	generated := adminPassword == ""
	if generated {
		adminPassword = auth.GeneratePassword()
	}
	err := d.Transact(ctx, func(tx *db.Tx) error {
		// Two instances starting on one empty PostgreSQL must not both
		// bootstrap; the second sees the first's organisation.
		if d.Dialect() == db.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7158237)`); err != nil {
				return fmt.Errorf("cannot take bootstrap lock: %w", err)
			}
			if _, err := org.First(ctx, tx); err == nil {
				generated = false
				return nil
			}
		}
		o, err := org.Create(ctx, tx, orgName)
		if err != nil {
			return err
		}
		sc := scope.System(o.ID, "system")
		// The organisation's own basic policy, shipped in the binary, is in
		// effect from the start: public, published, numbered.
		if _, err := policy.SeedBasicPolicy(ctx, tx, sc); err != nil {
			return err
		}
		p, err := org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: "管理者", NameKana: "かんりしゃ", Title: "システム管理者"})
		if err != nil {
			return err
		}
		if _, err := org.Assign(ctx, tx, sc, p.ID, org.AssignmentInput{Role: string(authz.Admin)}); err != nil {
			return err
		}
		return auth.CreateAccount(ctx, tx, sc, p.ID, AdminLogin, adminPassword, generated)
	})
	if err != nil {
		return fmt.Errorf("cannot set up first start: %w", err)
	}
	if generated {
		fmt.Fprintf(stderr, "\nmamori: first start. Sign in as %q with this password (shown only once; you will be asked to change it):\n\n    %s\n\n", AdminLogin, adminPassword)
	}
	return nil
}
