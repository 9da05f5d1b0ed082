package assetfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/tabular"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// Format is an export's file type.
type Format string

const (
	CSV  Format = "csv"  // UTF-8 with a byte order mark, CRLF: what Excel opens cleanly
	XLSX Format = "xlsx" // one sheet, every cell text
)

// Formats lists the formats, the default first.
var Formats = []Format{XLSX, CSV}

// IsValid reports whether f is a known format.
func (f Format) IsValid() bool { return f == CSV || f == XLSX }

// ContentType is the format's media type.
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv; charset=utf-8"
	}
	return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

// ExportOptions say what file to write.
type ExportOptions struct {
	Format Format // default XLSX
	Lang   string // headers and words: "ja" (default) or "en"
}

// File is a finished export, waiting in a temporary file to be sent.
// Close removes it.
type File struct {
	Format Format
	// Rows counts the assets written (masked ones included).
	Rows int
	Size int64
	f    *os.File
}

// WriteTo sends the file.
func (f *File) WriteTo(w io.Writer) (int64, error) {
	if _, err := f.f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("cannot rewind export: %w", err)
	}
	return io.Copy(w, f.f)
}

// Close removes the temporary file.
func (f *File) Close() error {
	if f == nil || f.f == nil {
		return nil
	}
	name := f.f.Name()
	err := f.f.Close()
	f.f = nil
	if rerr := os.Remove(name); rerr != nil && err == nil {
		err = rerr
	}
	return err
}

// Export writes the assets the principal may export (asset.export) under
// the filter, in its order, as a register file: the reader's language for
// headers and words, restricted assets they may not see in full masked,
// every cell neutralised against formulas by the writer. It walks the
// register a page at a time inside one read snapshot, into a temporary
// file, so memory stays flat and the file is one consistent state; then it
// records the export in the trail (the filter, the format, the row count),
// and only then is the file handed over to be sent. Filter problems are
// validate.Errors, before anything is read.
func Export(ctx context.Context, d *db.DB, sc scope.Scope, p authz.Principal, f asset.Filter, opts ExportOptions) (*File, error) {
	if opts.Format == "" {
		opts.Format = XLSX
	}
	if !opts.Format.IsValid() {
		return nil, validate.Errors{"format": {Key: "error.invalid_choice"}}
	}
	if !authz.CanSome(p, authz.ExportAssets) {
		return nil, fmt.Errorf("cannot export assets: %w", asset.ErrForbidden)
	}
	check := f
	if err := check.Validate(); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp("", "mamori-export-*."+string(opts.Format))
	if err != nil {
		return nil, fmt.Errorf("cannot create export file: %w", err)
	}
	out := &File{Format: opts.Format, f: tmp}
	ok := false
	defer func() {
		if !ok {
			_ = out.Close()
		}
	}()
	err = d.ReadSnapshot(ctx, func(tx *db.Tx) error {
		dir, err := loadDirectory(ctx, tx, sc)
		if err != nil {
			return err
		}
		fm := &formatter{dir: dir, lang: opts.Lang, cols: exportColumns()}
		var w tabular.Writer
		if opts.Format == CSV {
			w, err = tabular.NewCSVWriter(tmp, tabular.UTF8BOM)
		} else {
			sheet := "情報資産台帳"
			if opts.Lang == "en" {
				sheet = "Information assets"
			}
			w, err = tabular.NewXLSXWriter(tmp, sheet)
		}
		if err != nil {
			return fmt.Errorf("cannot start export: %w", err)
		}
		if err := w.WriteRow(fm.header()); err != nil {
			return errors.Join(fmt.Errorf("cannot write export: %w", err), w.Close())
		}
		cells := make([]string, 0, len(fm.cols))
		err = asset.Walk(ctx, tx, sc, p, f, func(a asset.Asset) error {
			out.Rows++
			cells = fm.cells(a, cells)
			return w.WriteRow(cells)
		})
		if err != nil {
			_ = w.Close()
			return err
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("cannot finish export: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st, err := tmp.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot size export: %w", err)
	}
	out.Size = st.Size()
	if err := d.Transact(ctx, func(tx *db.Tx) error {
		return asset.RecordExport(ctx, tx, sc, f, string(opts.Format), out.Rows)
	}); err != nil {
		return nil, err
	}
	ok = true
	return out, nil
}

// FileName is an export's name for the reader: 情報資産台帳-20250401.xlsx
// (Japan's date), and an ASCII name for clients that cannot read the other.
func FileName(format Format, lang string, now time.Time) (name, ascii string) {
	day := now.In(wareki.Location).Format("20060102")
	ascii = "assets-" + day + "." + string(format)
	if lang == "en" {
		return "information-assets-" + day + "." + string(format), ascii
	}
	return "情報資産台帳-" + day + "." + string(format), ascii
}

// ContentDisposition is the attachment header for a file name, with the
// RFC 6266 / RFC 5987 filename* for the UTF-8 name and an ASCII fallback.
func ContentDisposition(name, ascii string) string {
	return `attachment; filename="` + strings.NewReplacer(`"`, "", `\`, "").Replace(ascii) +
		`"; filename*=UTF-8''` + extValue(name)
}

// extValue percent-encodes every byte that is not an RFC 5987 attr-char.
func extValue(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
