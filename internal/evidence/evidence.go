// Package evidence owns evidence files (証跡ファイル): files attached to an
// answer of a self-inspection, an evidence request of an audit, a finding,
// a corrective action or an audit. A file's type is worked out from its
// content, never its name (see Detect); its size is bounded by the
// organisation's limit; an optional scan command configured by the
// administrator must accept it; it is kept in the database with its
// SHA-256, so a backup holds it.
//
// The package does not know who may read a file: the package that owns
// the file's owner kind registers a CanRead function (RegisterOwner) and
// every download asks it (CanRead). Downloads and refusals are recorded in
// the trail.
package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// EntityFile is the trail entity of an evidence file.
const EntityFile = "evidence_file"

// EntitySettings is the trail entity of the organisation's evidence settings.
const EntitySettings = "evidence_settings"

// DefaultMaxBytes is the size limit of a new organisation (10 MiB).
const DefaultMaxBytes = 10 << 20

// HardMaxBytes bounds any configured limit: files live in the database.
const HardMaxBytes = 100 << 20

// MaxFileName bounds a file name in characters.
const MaxFileName = 200

// Owner is what a file belongs to: Kind names the owning package's kind
// (answer, evidence_request, finding, action, audit) and Ref the owned
// record within it.
type Owner struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

// File is an evidence file's metadata.
type File struct {
	ID          int64  `json:"id,string"`
	Owner       Owner  `json:"owner"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	UploadedBy  int64  `json:"uploaded_by,string"`
	CreatedAt   int64  `json:"created_at"`
}

// ErrForbidden is returned when the principal may not read or attach a file.
var ErrForbidden = authz.ErrForbidden

// Refusal is a file refused on upload: too large, of a refused type, or
// refused by the scan command. It is a field error of the field "file", so
// the edges show its message key beside the upload field.
type Refusal struct {
	Key      string // a Refused… message key
	Limit    int64  // for RefusedTooLarge
	FileName string
	Owner    Owner
	Detail   string // the scanner's first output line, for the trail
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("evidence file %q refused: %s", r.FileName, r.Key)
}

// FieldKey makes a refusal a validate.FieldError.
func (r *Refusal) FieldKey() (string, string) { return "file", r.Key }

// Args are the message arguments: the limit in MB for too_large.
func (r *Refusal) Args() []any {
	if r.Key == RefusedTooLarge {
		return []any{FormatSize(r.Limit)}
	}
	return nil
}

// AsRefusal returns the refusal in err's chain, if any.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

// FormatSize writes a byte count as people read it (10 MB, 512 KB).
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// CanReadFunc decides whether a principal may download the files of one
// owner record of a kind.
type CanReadFunc func(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, ref string) (bool, error)

var (
	ownersMu sync.RWMutex
	owners   = map[string]CanReadFunc{}
)

// RegisterOwner declares an owner kind and who may read its files. The
// owning package calls it from init; registering a kind twice panics.
func RegisterOwner(kind string, canRead CanReadFunc) {
	ownersMu.Lock()
	defer ownersMu.Unlock()
	if _, dup := owners[kind]; dup {
		panic("evidence: owner kind registered twice: " + kind)
	}
	owners[kind] = canRead
}

// CanRead asks the owning package whether the principal may download f.
// A kind nobody registered is readable by nobody.
func CanRead(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, f File) (bool, error) {
	ownersMu.RLock()
	fn, ok := owners[f.Owner.Kind]
	ownersMu.RUnlock()
	if !ok {
		return false, nil
	}
	return fn(ctx, q, sc, p, f.Owner.Ref)
}

// MaxBytes returns the organisation's size limit for one file.
func MaxBytes(ctx context.Context, q db.Querier, sc scope.Scope) (int64, error) {
	var n int64
	if err := q.QueryRowContext(ctx, `SELECT evidence_max_bytes FROM organisations WHERE id = ?`, sc.OrgID).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot read evidence size limit of organisation %d: %w", sc.OrgID, err)
	}
	return n, nil
}

// cleanName keeps the base name of an uploaded file, without control
// characters, bounded in length; an empty name becomes "file".
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = filepath.Base(strings.TrimSpace(name))
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '/' {
			return '_'
		}
		return r
	}, name)
	if name == "." || name == "" {
		name = "file"
	}
	if utf8.RuneCountInString(name) > MaxFileName {
		r := []rune(name)
		ext := filepath.Ext(name)
		if utf8.RuneCountInString(ext) > 20 {
			ext = ""
		}
		name = string(r[:MaxFileName-utf8.RuneCountInString(ext)]) + ext
	}
	return name
}

// Store checks and keeps an uploaded file for an owner, within tx. limit
// is the size limit in bytes (0 or less: the organisation's limit). It
// reads at most limit+1 bytes of r. A file over the limit, of a refused
// type, or refused by the scan command (see WithScanner) returns a
// *Refusal and stores nothing; the caller rolls back and records the
// refusal with RecordRefusal. The owner's permission to attach is the
// caller's to check.
func Store(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, owner Owner, fileName string, r io.Reader, limit int64) (File, error) {
	if owner.Kind == "" || owner.Ref == "" {
		return File{}, fmt.Errorf("cannot store evidence file: no owner")
	}
	if limit <= 0 {
		var err error
		if limit, err = MaxBytes(ctx, tx, sc); err != nil {
			return File{}, err
		}
	}
	name := cleanName(fileName)
	refuse := func(key string) *Refusal { return &Refusal{Key: key, Limit: limit, FileName: name, Owner: owner} }
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return File{}, fmt.Errorf("cannot read uploaded file %q: %w", name, err)
	}
	if int64(len(data)) > limit {
		return File{}, refuse(RefusedTooLarge)
	}
	ct, why := Detect(data)
	if why != "" {
		return File{}, refuse(why)
	}
	if s := ScannerFrom(ctx); s != nil {
		if err := s.Scan(ctx, bytes.NewReader(data)); err != nil {
			var sr *ScanRefusal
			if errors.As(err, &sr) {
				rf := refuse(RefusedByScan)
				rf.Detail = sr.Output
				return File{}, rf
			}
			return File{}, fmt.Errorf("cannot scan uploaded file %q: %w", name, err)
		}
	}
	sum := sha256.Sum256(data)
	f := File{Owner: owner, FileName: name, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		UploadedBy: p.PersonID, CreatedAt: db.Now()}
	if err := tx.QueryRowContext(ctx, `INSERT INTO evidence_files (org_id, owner_kind, owner_ref, file_name, content_type,
		size, sha256, content, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		sc.OrgID, owner.Kind, owner.Ref, f.FileName, f.ContentType, f.Size, f.SHA256, data, p.PersonID, f.CreatedAt).Scan(&f.ID); err != nil {
		return File{}, fmt.Errorf("cannot store evidence file %q: %w", name, err)
	}
	if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Create, Entity: EntityFile, EntityID: strconv.FormatInt(f.ID, 10), After: f}); err != nil {
		return File{}, fmt.Errorf("cannot record evidence file %d: %w", f.ID, err)
	}
	return f, nil
}

const fileColumns = `id, owner_kind, owner_ref, file_name, content_type, size, sha256, uploaded_by, created_at`

func scanFile(s interface{ Scan(...any) error }) (File, error) {
	var f File
	err := s.Scan(&f.ID, &f.Owner.Kind, &f.Owner.Ref, &f.FileName, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt)
	return f, err
}

// Get returns a file's metadata. It does not check who asks: callers ask
// CanRead before showing or serving it.
func Get(ctx context.Context, q db.Querier, sc scope.Scope, id int64) (File, error) {
	f, err := scanFile(q.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM evidence_files WHERE org_id = ? AND id = ?`, sc.OrgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("evidence file %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("cannot load evidence file %d: %w", id, err)
	}
	return f, nil
}

// Open returns a file's content and metadata. Like Get it does not check
// who asks.
func Open(ctx context.Context, q db.Querier, sc scope.Scope, id int64) ([]byte, File, error) {
	var data []byte
	row := q.QueryRowContext(ctx, `SELECT `+fileColumns+`, content FROM evidence_files WHERE org_id = ? AND id = ?`, sc.OrgID, id)
	var f File
	err := row.Scan(&f.ID, &f.Owner.Kind, &f.Owner.Ref, &f.FileName, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.CreatedAt, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, f, fmt.Errorf("evidence file %d: %w", id, db.ErrNotFound)
	}
	if err != nil {
		return nil, f, fmt.Errorf("cannot open evidence file %d: %w", id, err)
	}
	return data, f, nil
}

// ListByOwner returns the files of one owner record, oldest first (an
// owner has a handful of files; at most 200 are returned).
func ListByOwner(ctx context.Context, q db.Querier, sc scope.Scope, owner Owner) ([]File, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+fileColumns+` FROM evidence_files WHERE org_id = ? AND owner_kind = ? AND owner_ref = ?
		ORDER BY id LIMIT 200`, sc.OrgID, owner.Kind, owner.Ref)
	if err != nil {
		return nil, fmt.Errorf("cannot list evidence files of %s %s: %w", owner.Kind, owner.Ref, err)
	}
	defer rows.Close()
	var out []File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read evidence file: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// ListByOwners returns the files of several owner records of one kind,
// grouped by ref.
func ListByOwners(ctx context.Context, q db.Querier, sc scope.Scope, kind string, refs []string) (map[string][]File, error) {
	out := map[string][]File{}
	for start := 0; start < len(refs); start += 100 {
		chunk := refs[start:min(start+100, len(refs))]
		args := []any{sc.OrgID, kind}
		for _, r := range chunk {
			args = append(args, r)
		}
		rows, err := q.QueryContext(ctx, `SELECT `+fileColumns+` FROM evidence_files WHERE org_id = ? AND owner_kind = ? AND owner_ref IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+`) ORDER BY id`, args...)
		if err != nil {
			return nil, fmt.Errorf("cannot list evidence files of %s: %w", kind, err)
		}
		for rows.Next() {
			f, err := scanFile(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("cannot read evidence file: %w", err)
			}
			out[f.Owner.Ref] = append(out[f.Owner.Ref], f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("cannot list evidence files of %s: %w", kind, err)
		}
	}
	return out, nil
}

// refusalRecord is what the trail keeps of a refused upload.
type refusalRecord struct {
	Reason    string `json:"reason"`
	FileName  string `json:"file_name"`
	OwnerKind string `json:"owner_kind"`
	OwnerRef  string `json:"owner_ref"`
	Limit     int64  `json:"limit,omitempty"`
	Detail    string `json:"detail,omitempty"`
}

// RecordRefusal writes a refused upload to the trail as a denial, in a
// transaction of its own, when err carries a *Refusal; for any other error
// it does nothing. Call it after the upload's transaction was rolled back.
func RecordRefusal(ctx context.Context, d *db.DB, sc scope.Scope, err error) error {
	r, ok := AsRefusal(err)
	if !ok {
		return nil
	}
	rec := refusalRecord{Reason: r.Key, FileName: r.FileName, OwnerKind: r.Owner.Kind, OwnerRef: r.Owner.Ref, Detail: r.Detail}
	if r.Key == RefusedTooLarge {
		rec.Limit = r.Limit
	}
	return d.Transact(ctx, func(tx *db.Tx) error {
		return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Denied, Entity: EntityFile, EntityID: "upload", After: rec})
	})
}

// RecordDownload writes a download to the trail, as an export.
func RecordDownload(ctx context.Context, tx *db.Tx, sc scope.Scope, f File) error {
	if err := trail.Record(ctx, tx, sc, trail.Change{Action: trail.Export, Entity: EntityFile, EntityID: strconv.FormatInt(f.ID, 10),
		After: map[string]any{"file_name": f.FileName, "sha256": f.SHA256, "size": f.Size,
			"owner_kind": f.Owner.Kind, "owner_ref": f.Owner.Ref}}); err != nil {
		return fmt.Errorf("cannot record download of evidence file %d: %w", f.ID, err)
	}
	return nil
}

// SetMaxBytes changes the organisation's size limit. The caller checks
// the permission (the CISO or 統括).
func SetMaxBytes(ctx context.Context, tx *db.Tx, sc scope.Scope, n int64) error {
	if n < 1<<10 || n > HardMaxBytes {
		return validate.Errors{"evidence_max_bytes": {Key: "evidence.max_bytes_range", Args: []any{FormatSize(1 << 10), FormatSize(HardMaxBytes)}}}
	}
	before, err := MaxBytes(ctx, tx, sc)
	if err != nil {
		return err
	}
	if before == n {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE organisations SET evidence_max_bytes = ? WHERE id = ?`, n, sc.OrgID); err != nil {
		return fmt.Errorf("cannot change evidence size limit: %w", err)
	}
	return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntitySettings, EntityID: strconv.FormatInt(sc.OrgID, 10),
		Before: map[string]int64{"evidence_max_bytes": before}, After: map[string]int64{"evidence_max_bytes": n}})
}

// Kind names the file's type for people: pdf, png, jpeg, xlsx, docx, csv
// or text (message key "evidence.kind." + Kind).
func (f File) Kind() string {
	switch ct := f.ContentType; {
	case ct == TypePDF:
		return "pdf"
	case ct == TypePNG:
		return "png"
	case ct == TypeJPEG:
		return "jpeg"
	case ct == TypeXLSX:
		return "xlsx"
	case ct == TypeDOCX:
		return "docx"
	case strings.HasPrefix(ct, TypeCSV):
		return "csv"
	}
	return "text"
}

// SizeText is the file's size as people read it (124 B, 3 KB, 1.5 MB).
func (f File) SizeText() string { return FormatSize(f.Size) }
