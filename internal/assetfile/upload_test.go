package assetfile_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"mamori/internal/assetfile"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/scope"
	"mamori/internal/tabular"
)

// An upload waits in the database for its owner only, reads back whole in
// chunks, and is gone once deleted or expired.
func TestUploads(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		content := bytes.Repeat([]byte("名称,種別\r\n情報資産,情報\r\n"), 80_000) // over two chunks
		u, err := assetfile.SaveUpload(ctx, d, e.sc, e.hanako.ID, "台帳.csv", bytes.NewReader(content), assetfile.Options{MatchBy: assetfile.MatchName})
		if err != nil || u.Size != int64(len(content)) || len(u.Token) != 32 || u.MatchBy != assetfile.MatchName {
			t.Fatalf("save: %+v %v", u, err)
		}
		got, r, err := assetfile.OpenUpload(ctx, d, e.sc, e.hanako.ID, u.Token)
		if err != nil || got.Name != "台帳.csv" || got.MatchBy != assetfile.MatchName {
			t.Fatalf("open: %+v %v", got, err)
		}
		back, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(back, content) {
			t.Fatalf("read back %d bytes of %d: %v", len(back), len(content), err)
		}
		other := e.sc
		other.OrgID++
		for name, try := range map[string]func() error{
			"another person": func() error {
				_, _, err := assetfile.OpenUpload(ctx, d, e.sc, e.taro.ID, u.Token)
				return err
			},
			"another organisation": func() error {
				_, _, err := assetfile.OpenUpload(ctx, d, scope.Scope{OrgID: other.OrgID}, e.hanako.ID, u.Token)
				return err
			},
			"a made-up token": func() error {
				_, _, err := assetfile.OpenUpload(ctx, d, e.sc, e.hanako.ID, "../../etc/passwd")
				return err
			},
		} {
			if err := try(); !errors.Is(err, assetfile.ErrUploadGone) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := d.ExecContext(ctx, `UPDATE uploads SET expires_at = 1 WHERE token = ?`, u.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := assetfile.OpenUpload(ctx, d, e.sc, e.hanako.ID, u.Token); !errors.Is(err, assetfile.ErrUploadGone) {
			t.Errorf("expired upload: %v", err)
		}
		// The next upload clears expired ones away, chunks and all.
		u2, err := assetfile.SaveUpload(ctx, d, e.sc, e.hanako.ID, "b.csv", bytes.NewReader([]byte("x")), assetfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM upload_chunks`).Scan(&n); err != nil || n != 1 {
			t.Errorf("chunks left: %d %v", n, err)
		}
		if err := assetfile.DeleteUpload(ctx, d, e.sc, e.hanako.ID, u2.Token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := assetfile.OpenUpload(ctx, d, e.sc, e.hanako.ID, u2.Token); !errors.Is(err, assetfile.ErrUploadGone) {
			t.Errorf("deleted upload: %v", err)
		}
		// Too large.
		_, err = assetfile.SaveUpload(ctx, d, e.sc, e.hanako.ID, "c.csv", bytes.NewReader(make([]byte, 100)), assetfile.Options{MaxBytes: 50})
		var te *tabular.Error
		if !errors.As(err, &te) || te.Key != tabular.KeyTooLarge {
			t.Errorf("too large: %v", err)
		}
	})
}
