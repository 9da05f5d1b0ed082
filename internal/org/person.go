package org

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// StaffCategory is one of the categories of 職員等 named in seed §5.
type StaffCategory string

const (
	Regular            StaffCategory = "regular"             // 職員
	TemporaryAppointed StaffCategory = "temporary_appointed" // 臨時的任用職員
	Dispatched         StaffCategory = "dispatched"          // 派遣職員
	Contract           StaffCategory = "contract"            // 嘱託職員
	Temporary          StaffCategory = "temporary"           // 臨時職員
)

// StaffCategories lists them in the order of seed §5.
var StaffCategories = []StaffCategory{Regular, TemporaryAppointed, Dispatched, Contract, Temporary}

// Person is anyone bound by the policy, with or without a sign-in account.
type Person struct {
	ID            int64         `json:"id,string"`
	Name          string        `json:"name"`
	NameKana      string        `json:"name_kana"`
	Email         string        `json:"email"`
	Title         string        `json:"title"`
	DepartmentID  int64         `json:"department_id,string,omitempty"`
	StaffCategory StaffCategory `json:"staff_category"`
	Active        bool          `json:"active"`
	// Login is the sign-in account's login, empty for a person on paper only.
	Login string `json:"login,omitempty"`
}

// PersonInput is what a user submits to create or change a person.
type PersonInput struct {
	Name          string `json:"name"`
	NameKana      string `json:"name_kana"`
	Email         string `json:"email"`
	Title         string `json:"title"`
	DepartmentID  int64  `json:"department_id,string"`
	StaffCategory string `json:"staff_category"`
}

// Validate checks the fields.
func (in *PersonInput) Validate() error {
	e := validate.Errors{}
	in.Name = e.Text("name", in.Name, true, 100, false)
	in.NameKana = e.Text("name_kana", in.NameKana, false, 100, false)
	in.Email = e.Text("email", in.Email, false, 254, false)
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			e.Add("email", "error.email")
		}
	}
	in.Title = e.Text("title", in.Title, false, 100, false)
	cats := make([]string, len(StaffCategories))
	for i, c := range StaffCategories {
		cats[i] = string(c)
	}
	if in.StaffCategory == "" {
		in.StaffCategory = string(Regular)
	}
	e.Choice("staff_category", in.StaffCategory, true, cats...)
	if in.DepartmentID < 0 {
		e.Add("department_id", "error.invalid_choice")
	}
	return e.Err()
}

const personColumns = `p.id, p.name, p.name_kana, p.email, p.title, COALESCE(p.department_id, 0), p.staff_category, p.active, COALESCE(a.login, '')`
const personFrom = ` FROM people p LEFT JOIN accounts a ON a.person_id = p.id `

func scanPerson(s interface{ Scan(...any) error }) (Person, error) {
	var p Person
	var cat string
	err := s.Scan(&p.ID, &p.Name, &p.NameKana, &p.Email, &p.Title, &p.DepartmentID, &cat, &p.Active, &p.Login)
	p.StaffCategory = StaffCategory(cat)
	return p, err
}

// GetPerson returns one person of the organisation.
func GetPerson(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personColumns+personFrom+`WHERE p.org_id = ? AND p.id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("person %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("cannot load person %d: %w", id, err)
	}
	return p, nil
}

// PersonFilter narrows a people listing.
type PersonFilter struct {
	Query        string // partial match on name, kana, email, login
	DepartmentID int64  // this department and those below it
	Category     StaffCategory
	Active       *bool
	Cursor       string
	Limit        int
}

// PersonPage is one page of people and the cursor for the next.
type PersonPage struct {
	Items      []Person
	NextCursor string
}

// ListPeople returns people the grant reaches, ordered by kana then id,
// one keyset page at a time.
func ListPeople(ctx context.Context, q db.Querier, sc scope.Scope, g authz.Grant, selfID int64, f PersonFilter) (PersonPage, error) {
	where := []string{"p.org_id = ?"}
	args := []any{sc.OrgID}
	if !g.All {
		var parts []string
		if len(g.Departments) > 0 {
			c, a := SubtreeCondition("p.department_id", sc.OrgID, g.Departments)
			parts = append(parts, c)
			args = append(args, a...)
		}
		if g.Self {
			parts = append(parts, "p.id = ?")
			args = append(args, selfID)
		}
		if len(parts) == 0 {
			return PersonPage{}, nil
		}
		where = append(where, "("+strings.Join(parts, " OR ")+")")
	}
	if f.Query != "" {
		where = append(where, `(LOWER(p.name) LIKE ? ESCAPE '\' OR LOWER(p.name_kana) LIKE ? ESCAPE '\' OR LOWER(p.email) LIKE ? ESCAPE '\' OR LOWER(COALESCE(a.login, '')) LIKE ? ESCAPE '\')`)
		l := db.Like(f.Query)
		args = append(args, l, l, l, l)
	}
	if f.DepartmentID != 0 {
		c, a := SubtreeCondition("p.department_id", sc.OrgID, []int64{f.DepartmentID})
		where = append(where, c)
		args = append(args, a...)
	}
	if f.Category != "" {
		where = append(where, "p.staff_category = ?")
		args = append(args, string(f.Category))
	}
	if f.Active != nil {
		where = append(where, "p.active = ?")
		args = append(args, *f.Active)
	}
	if f.Cursor != "" {
		kana, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return PersonPage{}, validate.Errors{"cursor": {Key: "error.invalid_cursor"}}
		}
		where = append(where, "(p.name_kana > ? OR (p.name_kana = ? AND p.id > ?))")
		args = append(args, kana, kana, id)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	args = append(args, limit+1)
	rows, err := q.QueryContext(ctx, `SELECT `+personColumns+personFrom+`WHERE `+strings.Join(where, " AND ")+
		` ORDER BY p.name_kana, p.id LIMIT ?`, args...)
	if err != nil {
		return PersonPage{}, fmt.Errorf("cannot list people: %w", err)
	}
	defer rows.Close()
	var page PersonPage
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return PersonPage{}, fmt.Errorf("cannot read person: %w", err)
		}
		page.Items = append(page.Items, p)
	}
	if err := rows.Err(); err != nil {
		return PersonPage{}, fmt.Errorf("cannot list people: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.NextCursor = encodeCursor(last.NameKana, last.ID)
	}
	return page, nil
}

func encodeCursor(kana string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kana + "\x00" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (string, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", 0, err
	}
	kana, idText, ok := strings.Cut(string(b), "\x00")
	if !ok {
		return "", 0, errors.New("malformed cursor")
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	return kana, id, err
}

func (in *PersonInput) checkDepartment(ctx context.Context, q db.Querier, sc scope.Scope) error {
	if in.DepartmentID == 0 {
		return nil
	}
	if _, err := GetDepartment(ctx, q, sc, in.DepartmentID); errors.Is(err, db.ErrNotFound) {
		return validate.Errors{"department_id": {Key: "error.invalid_choice"}}
	} else if err != nil {
		return err
	}
	return nil
}

// CreatePerson adds a person (without a sign-in account).
func CreatePerson(ctx context.Context, tx *db.Tx, sc scope.Scope, in PersonInput) (Person, error) {
	if err := in.Validate(); err != nil {
		return Person{}, err
	}
	if err := in.checkDepartment(ctx, tx, sc); err != nil {
		return Person{}, err
	}
	now := db.Now()
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO people (org_id, name, name_kana, email, title, department_id, staff_category, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?) RETURNING id`,
		sc.OrgID, in.Name, in.NameKana, in.Email, in.Title, nullID(in.DepartmentID), in.StaffCategory, now, now).Scan(&id); err != nil {
		return Person{}, fmt.Errorf("cannot create person: %w", err)
	}
	p, err := GetPerson(ctx, tx, sc, id)
	if err != nil {
		return p, err
	}
	return p, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: "person", EntityID: fmt.Sprint(id), After: p})
}

// UpdatePerson changes a person's details.
func UpdatePerson(ctx context.Context, tx *db.Tx, sc scope.Scope, id int64, in PersonInput) (Person, error) {
	if err := in.Validate(); err != nil {
		return Person{}, err
	}
	before, err := GetPerson(ctx, tx, sc, id)
	if err != nil {
		return before, err
	}
	if err := in.checkDepartment(ctx, tx, sc); err != nil {
		return before, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE people SET name = ?, name_kana = ?, email = ?, title = ?, department_id = ?, staff_category = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, in.Name, in.NameKana, in.Email, in.Title, nullID(in.DepartmentID), in.StaffCategory, db.Now(), sc.OrgID, id); err != nil {
		return before, fmt.Errorf("cannot update person %d: %w", id, err)
	}
	after, err := GetPerson(ctx, tx, sc, id)
	if err != nil {
		return after, err
	}
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: "person", EntityID: fmt.Sprint(id), Before: before, After: after})
}

// SetActive enables or disables a person. Disabling ends their sessions and
// revokes their API tokens in the same transaction, so access stops at once.
func SetActive(ctx context.Context, tx *db.Tx, sc scope.Scope, id int64, active bool) (Person, error) {
	before, err := GetPerson(ctx, tx, sc, id)
	if err != nil {
		return before, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE people SET active = ?, updated_at = ? WHERE org_id = ? AND id = ?`, active, db.Now(), sc.OrgID, id); err != nil {
		return before, fmt.Errorf("cannot change person %d: %w", id, err)
	}
	if !active {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE org_id = ? AND person_id = ?`, sc.OrgID, id); err != nil {
			return before, fmt.Errorf("cannot end sessions of person %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE org_id = ? AND person_id = ? AND revoked_at = 0`, db.Now(), sc.OrgID, id); err != nil {
			return before, fmt.Errorf("cannot revoke tokens of person %d: %w", id, err)
		}
	}
	after := before
	after.Active = active
	return after, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: "person", EntityID: fmt.Sprint(id), Before: before, After: after})
}

// PersonIDByLogin finds the person behind a sign-in login.
func PersonIDByLogin(ctx context.Context, q db.Querier, sc scope.Scope, login string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT person_id FROM accounts WHERE org_id = ? AND login = ?`, sc.OrgID, strings.ToLower(login)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("login %q: %w", login, db.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("cannot find login %q: %w", login, err)
	}
	return id, nil
}
