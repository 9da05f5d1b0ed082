package web

// A version as the official document: an A4 page without the site's
// frame (templates/document_print.html redefines "layout"), with the
// organisation, the title and number, the version, the effective date in
// 和暦 (平成28年4月1日施行) and who approved it, the clauses numbered as
// written. And the version in effect as a Markdown file, recorded in the
// trail as an export before the first byte goes out.

import (
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"mamori/internal/assetfile"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/policy"
	"mamori/internal/wareki"
)

// versionPrintPage is a version to print.
type versionPrintPage struct {
	Document policy.Document
	Version  policy.Version
	Body     template.HTML
	TOC      []documentClause
	// Effective is the effective date in 和暦 for a Japanese reader.
	Effective string
	Approver  string
	Approved  string // the approval's date
	// Draft marks a version not (yet) in effect: printed as 案.
	Draft bool
	// Titled: the text opens with its own title (bodyHasTitle), so the
	// head of the page does not repeat it.
	Titled    bool
	Printed   string
	BackURL   string
	TypeKey   string
	StatusKey string
}

func (s *Server) versionPrint(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, vid, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	d, err := policy.GetDocument(ctx, s.db, sc, id.Principal, docID)
	if err != nil {
		return err
	}
	v, err := policy.GetVersion(ctx, s.db, sc, id.Principal, docID, vid)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	page := versionPrintPage{Document: d, Version: v, Body: documentBody(v), TOC: documentTOC(v.Clauses),
		Effective: documentWareki(lang, v.EffectiveDate), Draft: v.Status != policy.Published && v.Status != policy.Superseded,
		BackURL: versionURL(docID, vid), TypeKey: d.Type.Key(), StatusKey: v.Status.Key()}
	page.Titled = bodyHasTitle(page.Body)
	page.Approver = s.approverName(lang, v)
	if v.ApprovedAt != 0 {
		page.Approved = documentWareki(lang, db.Time(v.ApprovedAt).In(wareki.Location).Format("2006-01-02"))
	}
	page.Printed = documentWareki(lang, time.Now().In(wareki.Location).Format("2006-01-02"))
	return s.renderTitled(w, r, "document_print", s.versionTitle(r, d, v), page)
}

func (s *Server) documentExportMarkdown(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	docID, _, err := documentIDs(r)
	if err != nil {
		return err
	}
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	// policy.Export reads the version in effect through need-to-know and
	// records the export in the trail before the first byte goes out.
	var d policy.Document
	var v policy.Version
	err = s.transact(ctx, func(tx *db.Tx) error {
		var err error
		d, v, err = policy.Export(ctx, tx, sc, id.Principal, docID, "md")
		return err
	})
	if err != nil {
		return err
	}
	body := v.Body
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	name, ascii := documentFileName(s.cat.T(s.lang(r), "documentweb.file_version", v.No), d, v)
	h := w.Header()
	h.Set("Content-Type", "text/markdown; charset=utf-8")
	h.Set("Content-Disposition", assetfile.ContentDisposition(name, ascii))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(body)); err != nil {
		s.log.Info("document export not sent whole", "request_id", httpx.RequestID(ctx), "err", err)
	}
	return nil
}

// fileUnsafe are the characters a file name on Windows or in a header
// may not hold.
var fileUnsafe = regexp.MustCompile(`[\\/:*?"<>|\x00-\x1f]+`)

// documentFileName names the export: "規程第3号_情報セキュリティ対策基準_第2版.md",
// with an ASCII fallback for old clients.
func documentFileName(versionWords string, d policy.Document, v policy.Version) (name, ascii string) {
	parts := []string{}
	if d.Number != "" {
		parts = append(parts, d.Number)
	}
	parts = append(parts, d.Title, versionWords)
	name = fileUnsafe.ReplaceAllString(strings.Join(parts, "_"), "_")
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	return name + ".md", fmt.Sprintf("document-%d-v%d.md", d.ID, v.No)
}
