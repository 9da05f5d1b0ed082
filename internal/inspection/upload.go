package inspection

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
)

// A template import is checked first and written on confirmation, perhaps
// by another instance: between the two the file waits in the table uploads
// (purpose checklist_import), bound to its person and organisation, for an
// hour. A template is small, so it is one chunk.

// UploadTTL is how long a checked file waits for its confirmation.
const UploadTTL = time.Hour

const purposeImport = "checklist_import"

// Upload is a checked template waiting to be imported.
type Upload struct {
	id        int64
	Token     string
	Name      string
	Size      int64
	Target    ImportTarget
	ExpiresAt int64
}

// ErrUploadGone is returned for an upload that does not exist, has
// expired, or belongs to someone else.
var ErrUploadGone = fmt.Errorf("checklist upload: %w", db.ErrNotFound)

// SaveUpload keeps a checked file for its person to confirm, and clears
// expired uploads.
func SaveUpload(ctx context.Context, d *db.DB, sc scope.Scope, personID int64, name string, data []byte, target ImportTarget) (Upload, error) {
	if len(data) > MaxTemplateBytes {
		return Upload{}, fmt.Errorf("checklist upload of %d bytes: too large", len(data))
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return Upload{}, fmt.Errorf("cannot make upload token: %w", err)
	}
	meta, err := json.Marshal(target)
	if err != nil {
		return Upload{}, fmt.Errorf("cannot store upload options: %w", err)
	}
	now := db.Now()
	u := Upload{Token: hex.EncodeToString(b), Name: clipText(name, 200), Size: int64(len(data)), Target: target,
		ExpiresAt: now + UploadTTL.Microseconds()}
	err = d.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE expires_at < ?`, now); err != nil {
			return fmt.Errorf("cannot clear expired uploads: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO uploads (org_id, person_id, token, purpose, name, size, options, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sc.OrgID, personID, u.Token, purposeImport, u.Name, u.Size, string(meta),
			now, u.ExpiresAt).Scan(&u.id); err != nil {
			return fmt.Errorf("cannot store upload: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO upload_chunks (upload_id, seq, data) VALUES (?, 0, ?)`, u.id, data); err != nil {
			return fmt.Errorf("cannot store upload: %w", err)
		}
		return nil
	})
	return u, err
}

// openUpload finds a person's waiting upload and its content.
func openUpload(ctx context.Context, q db.Querier, sc scope.Scope, personID int64, token string) (Upload, []byte, error) {
	if len(token) != 32 || strings.Trim(token, "0123456789abcdef") != "" {
		return Upload{}, nil, ErrUploadGone
	}
	u := Upload{Token: token}
	var meta string
	err := q.QueryRowContext(ctx, `SELECT id, name, size, options, expires_at FROM uploads
		WHERE token = ? AND org_id = ? AND person_id = ? AND purpose = ? AND expires_at >= ?`,
		token, sc.OrgID, personID, purposeImport, db.Now()).Scan(&u.id, &u.Name, &u.Size, &meta, &u.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Upload{}, nil, ErrUploadGone
	}
	if err != nil {
		return Upload{}, nil, fmt.Errorf("cannot load upload: %w", err)
	}
	if err := json.Unmarshal([]byte(meta), &u.Target); err != nil {
		return Upload{}, nil, fmt.Errorf("cannot read upload options: %w", err)
	}
	var data []byte
	if err := q.QueryRowContext(ctx, `SELECT data FROM upload_chunks WHERE upload_id = ? AND seq = 0`, u.id).Scan(&data); err != nil {
		return Upload{}, nil, fmt.Errorf("cannot read upload: %w", err)
	}
	return u, data, nil
}

// ImportUpload imports a person's checked file in one transaction with
// the target it was checked for, and removes the upload with it; a second
// confirmation finds it gone. When the file has problems now (a clause
// removed since), nothing is written and the report says what.
func ImportUpload(ctx context.Context, d *db.DB, sc scope.Scope, p authz.Principal, token string) (*TemplateReport, Checklist, Upload, error) {
	var rep *TemplateReport
	var c Checklist
	var u Upload
	err := d.Transact(ctx, func(tx *db.Tx) error {
		var data []byte
		var err error
		if u, data, err = openUpload(ctx, tx, sc, p.PersonID, token); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE id = ?`, u.id)
		if err != nil {
			return fmt.Errorf("cannot claim upload: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("cannot claim upload: %w", err)
		} else if n == 0 {
			return ErrUploadGone
		}
		rep, c, err = ImportTemplate(ctx, tx, sc, p, bytes.NewReader(data), u.Name, u.Size, u.Target)
		return err
	})
	return rep, c, u, err
}

// clipText keeps at most n characters of valid text.
func clipText(s string, n int) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "?")
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
