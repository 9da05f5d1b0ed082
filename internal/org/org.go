// Package org owns the organisation structure of seed §6(1): the
// organisation itself and its settings, departments (部局 → 課室), people
// with their staff category, and the roles they hold. Every function takes
// the organisation scope and filters by it.
package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// DefaultName is the organisation created on first start: the foundation
// whose basic policy mamori ships.
const DefaultName = "一般財団法人北海道市町村職員福祉協会"

// Organisation is a body using mamori, with its settings.
type Organisation struct {
	ID                   int64  `json:"id,string"`
	Name                 string `json:"name"`
	NameEN               string `json:"name_en"`
	MFARequiredAll       bool   `json:"mfa_required_all"`
	SessionIdleMinutes   int    `json:"session_idle_minutes"`
	SessionAbsoluteHours int    `json:"session_absolute_hours"`
}

// Create makes a new organisation with its trail and role catalogue. The
// creation itself is the chain's first entry.
func Create(ctx context.Context, tx *db.Tx, name string) (Organisation, error) {
	now := db.Now()
	o := Organisation{Name: name, SessionIdleMinutes: 30, SessionAbsoluteHours: 12}
	err := tx.QueryRowContext(ctx, `INSERT INTO organisations (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`,
		name, now, now).Scan(&o.ID)
	if err != nil {
		return o, fmt.Errorf("cannot create organisation: %w", err)
	}
	if err := trail.Start(ctx, tx, o.ID); err != nil {
		return o, err
	}
	for i, r := range authz.Catalogue {
		if _, err := tx.ExecContext(ctx, `INSERT INTO roles (org_id, code, name_ja, name_en, scope_kind, sort_order) VALUES (?, ?, ?, ?, ?, ?)`,
			o.ID, string(r.Code), r.NameJA, r.NameEN, string(r.Scope), i); err != nil {
			return o, fmt.Errorf("cannot create role %s: %w", r.Code, err)
		}
	}
	sc := scope.System(o.ID, "system")
	if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: "organisation", EntityID: fmt.Sprint(o.ID), After: o}); err != nil {
		return o, err
	}
	return o, nil
}

// Get returns an organisation.
func Get(ctx context.Context, q db.Querier, id int64) (Organisation, error) {
	var o Organisation
	err := q.QueryRowContext(ctx, `SELECT id, name, name_en, mfa_required_all, session_idle_minutes, session_absolute_hours
		FROM organisations WHERE id = ?`, id).
		Scan(&o.ID, &o.Name, &o.NameEN, &o.MFARequiredAll, &o.SessionIdleMinutes, &o.SessionAbsoluteHours)
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("organisation %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return o, fmt.Errorf("cannot load organisation %d: %w", id, err)
	}
	return o, nil
}

// First returns the organisation with the smallest id, or ErrNotFound on
// empty storage (which is how first start is recognised).
func First(ctx context.Context, q db.Querier) (Organisation, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM organisations ORDER BY id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Organisation{}, db.ErrNotFound
	}
	if err != nil {
		return Organisation{}, fmt.Errorf("cannot find organisation: %w", err)
	}
	return Get(ctx, q, id)
}

// SettingsInput is the settings form.
type SettingsInput struct {
	Name                 string `json:"name"`
	NameEN               string `json:"name_en"`
	MFARequiredAll       bool   `json:"mfa_required_all"`
	SessionIdleMinutes   int    `json:"session_idle_minutes"`
	SessionAbsoluteHours int    `json:"session_absolute_hours"`
}

// Validate checks the settings and trims text.
func (in *SettingsInput) Validate() error {
	e := validate.Errors{}
	in.Name = e.Text("name", in.Name, true, 200, false)
	in.NameEN = e.Text("name_en", in.NameEN, false, 200, false)
	if in.SessionIdleMinutes < 5 || in.SessionIdleMinutes > 480 {
		e.Add("session_idle_minutes", "error.range", 5, 480)
	}
	if in.SessionAbsoluteHours < 1 || in.SessionAbsoluteHours > 72 {
		e.Add("session_absolute_hours", "error.range", 1, 72)
	}
	return e.Err()
}

// UpdateSettings changes an organisation's settings.
func UpdateSettings(ctx context.Context, tx *db.Tx, sc scope.Scope, in SettingsInput) (Organisation, error) {
	if err := in.Validate(); err != nil {
		return Organisation{}, err
	}
	before, err := Get(ctx, tx, sc.OrgID)
	if err != nil {
		return before, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name = ?, name_en = ?, mfa_required_all = ?,
		session_idle_minutes = ?, session_absolute_hours = ?, updated_at = ? WHERE id = ?`,
		in.Name, in.NameEN, in.MFARequiredAll, in.SessionIdleMinutes, in.SessionAbsoluteHours, db.Now(), sc.OrgID); err != nil {
		return before, fmt.Errorf("cannot update organisation %d: %w", sc.OrgID, err)
	}
	after, err := Get(ctx, tx, sc.OrgID)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: "organisation", EntityID: fmt.Sprint(sc.OrgID), Before: before, After: after})
}
