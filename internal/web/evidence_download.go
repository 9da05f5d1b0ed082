package web

// GET /evidence/{id}: an evidence file, for those its owner (an evidence
// request of an audit, a corrective action, a self-inspection answer)
// lets read it. Every download is kept in the trail, as an export, before
// the first byte goes out; a refusal is kept as a denial.

import (
	"fmt"
	"net/http"
	"net/url"

	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/httpx"
)

func (s *Server) evidenceDownload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	meta, err := evidence.Get(ctx, s.db, sc, fid)
	if err != nil {
		return err
	}
	ok, err := evidence.CanRead(ctx, s.db, sc, id.Principal, meta)
	if err != nil {
		return err
	}
	if !ok {
		return deniedError{"evidence.download"}
	}
	var data []byte
	err = s.transact(ctx, func(tx *db.Tx) error {
		var f evidence.File
		if data, f, err = evidence.Open(ctx, tx, sc, fid); err != nil {
			return err
		}
		return evidence.RecordDownload(ctx, tx, sc, f)
	})
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", meta.ContentType)
	h.Set("Content-Length", fmt.Sprint(len(data)))
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="evidence-%d"; filename*=UTF-8''%s`, meta.ID, url.PathEscape(meta.FileName)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-store")
	_, err = w.Write(data)
	return err
}
