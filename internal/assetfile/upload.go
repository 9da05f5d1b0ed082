package assetfile

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/tabular"
)

// An import is checked first and applied on confirmation, perhaps by
// another instance: between the two the file waits in the database (table
// uploads), bound to the person and the organisation, and expires.

// UploadTTL is how long an uploaded file waits for its confirmation.
const UploadTTL = time.Hour

// chunkSize is how much of a file one row of upload_chunks holds.
const chunkSize = 1 << 20

const purposeAssetImport = "asset_import"

// Upload is a stored file waiting to be imported.
type Upload struct {
	id        int64
	Token     string // in the confirmation's address; unguessable
	Name      string
	Size      int64
	MatchBy   Match
	CreatedAt int64 // microseconds, UTC
	ExpiresAt int64
}

type uploadOptions struct {
	MatchBy Match `json:"match_by"`
}

// SaveUpload stores a file for one person to import later with the given
// options, and clears away expired uploads. A file larger than MaxBytes is
// refused with a tabular.too_large problem (as *tabular.Error).
func SaveUpload(ctx context.Context, d *db.DB, sc scope.Scope, personID int64, name string, r io.Reader, opts Options) (Upload, error) {
	opts = opts.withDefaults()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return Upload{}, fmt.Errorf("cannot make upload token: %w", err)
	}
	now := db.Now()
	u := Upload{Token: hex.EncodeToString(b), Name: clipName(name), MatchBy: opts.MatchBy, CreatedAt: now,
		ExpiresAt: now + UploadTTL.Microseconds()}
	meta, err := json.Marshal(uploadOptions{MatchBy: opts.MatchBy})
	if err != nil {
		return Upload{}, fmt.Errorf("cannot store upload options: %w", err)
	}
	err = d.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE expires_at < ?`, now); err != nil {
			return fmt.Errorf("cannot clear expired uploads: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO uploads (org_id, person_id, token, purpose, name, size, options, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id`, sc.OrgID, personID, u.Token, purposeAssetImport, u.Name, string(meta),
			u.CreatedAt, u.ExpiresAt).Scan(&u.id); err != nil {
			return fmt.Errorf("cannot store upload: %w", err)
		}
		buf := make([]byte, chunkSize)
		for seq := 0; ; seq++ {
			n, err := io.ReadFull(r, buf)
			if n > 0 {
				u.Size += int64(n)
				if u.Size > opts.MaxBytes {
					return &tabular.Error{Key: tabular.KeyTooLarge, Args: []any{sizeText(opts.MaxBytes)}}
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO upload_chunks (upload_id, seq, data) VALUES (?, ?, ?)`, u.id, seq, buf[:n]); err != nil {
					return fmt.Errorf("cannot store upload: %w", err)
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				return fmt.Errorf("cannot read upload: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE uploads SET size = ? WHERE id = ?`, u.Size, u.id)
		if err != nil {
			return fmt.Errorf("cannot store upload: %w", err)
		}
		return nil
	})
	return u, err
}

// ErrUploadGone is returned for an upload that does not exist, has
// expired, or belongs to someone else: all look the same.
var ErrUploadGone = fmt.Errorf("upload: %w", db.ErrNotFound)

// OpenUpload finds a person's waiting upload and returns it with a reader
// of its content that fetches one chunk at a time through q.
func OpenUpload(ctx context.Context, q db.Querier, sc scope.Scope, personID int64, token string) (Upload, io.Reader, error) {
	if len(token) != 32 || strings.Trim(token, "0123456789abcdef") != "" {
		return Upload{}, nil, ErrUploadGone
	}
	u := Upload{Token: token}
	var meta string
	err := q.QueryRowContext(ctx, `SELECT id, name, size, options, created_at, expires_at FROM uploads
		WHERE token = ? AND org_id = ? AND person_id = ? AND purpose = ? AND expires_at >= ?`,
		token, sc.OrgID, personID, purposeAssetImport, db.Now()).Scan(&u.id, &u.Name, &u.Size, &meta, &u.CreatedAt, &u.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Upload{}, nil, ErrUploadGone
	}
	if err != nil {
		return Upload{}, nil, fmt.Errorf("cannot load upload: %w", err)
	}
	var o uploadOptions
	if err := json.Unmarshal([]byte(meta), &o); err != nil {
		return Upload{}, nil, fmt.Errorf("cannot read upload options: %w", err)
	}
	u.MatchBy = o.MatchBy
	return u, &chunkReader{ctx: ctx, q: q, id: u.id}, nil
}

// ImportUpload imports a person's waiting upload with the options it was
// checked with (see Import). The upload is claimed inside the import's
// transaction and removed with it, so a confirmation sent twice imports
// once: the second finds it gone. When the file has problems nothing is
// written and the upload stays (DeleteUpload it when done).
func ImportUpload(ctx context.Context, d *db.DB, sc scope.Scope, p authz.Principal, personID int64, token string) (*Report, Upload, error) {
	var rep *Report
	var u Upload
	err := d.Transact(ctx, func(tx *db.Tx) error {
		var content io.Reader
		var err error
		if u, content, err = OpenUpload(ctx, tx, sc, personID, token); err != nil {
			return err
		}
		// Taking the row's lock: a second confirmation waits here, and
		// finds the upload gone once the first has committed.
		res, err := tx.ExecContext(ctx, `UPDATE uploads SET expires_at = expires_at WHERE id = ? AND expires_at >= ?`, u.id, db.Now())
		if err != nil {
			return fmt.Errorf("cannot claim upload: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("cannot claim upload: %w", err)
		} else if n == 0 {
			return ErrUploadGone
		}
		rep, err = importTx(ctx, tx, sc, p, content, Options{MatchBy: u.MatchBy, FileName: u.Name, Size: u.Size})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE id = ?`, u.id); err != nil {
			return fmt.Errorf("cannot remove upload: %w", err)
		}
		return nil
	})
	if rep != nil {
		rep.Applied = err == nil
	}
	return rep, u, err
}

// DeleteUpload removes a person's upload (after its import, or when they
// give up); removing one that is gone is no error.
func DeleteUpload(ctx context.Context, d *db.DB, sc scope.Scope, personID int64, token string) error {
	return d.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE token = ? AND org_id = ? AND person_id = ?`, token, sc.OrgID, personID); err != nil {
			return fmt.Errorf("cannot remove upload: %w", err)
		}
		return nil
	})
}

// chunkReader reads an upload back a chunk at a time.
type chunkReader struct {
	ctx  context.Context
	q    db.Querier
	id   int64
	seq  int
	buf  []byte
	done bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.done {
			return 0, io.EOF
		}
		var data []byte
		err := c.q.QueryRowContext(c.ctx, `SELECT data FROM upload_chunks WHERE upload_id = ? AND seq = ?`, c.id, c.seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			c.done = true
			return 0, io.EOF
		}
		if err != nil {
			return 0, fmt.Errorf("cannot read upload: %w", err)
		}
		c.seq++
		c.buf = data
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// clipName keeps a file name short and valid for storage and display.
func clipName(s string) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "?")
	r := []rune(s)
	if len(r) > 200 {
		r = r[:200]
	}
	return string(r)
}

// sizeText writes a byte limit as a message shows it ("50 MB").
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
