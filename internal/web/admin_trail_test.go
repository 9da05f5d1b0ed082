package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/wareki"
)

var trailRowSeq = regexp.MustCompile(`<tr>\s*<td class="num"[^>]*>(\d+)</td>`)

func seqsOnPage(body string) []int64 {
	var out []int64
	for _, m := range trailRowSeq.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

func (e *adminEnv) trailSeqs(f trail.Filter) []int64 {
	e.t.Helper()
	if f.Limit == 0 {
		f.Limit = 50
	}
	es, err := trail.List(e.ctx, e.d, e.sc, f)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []int64
	for _, x := range es {
		out = append(out, x.Seq)
	}
	return out
}

func TestAdminTrailPage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		dept := e.department("情報政策課", 0)
		e.tx(func(tx *db.Tx) error {
			_, err := org.UpdateDepartment(e.ctx, tx, e.sc, dept, org.DepartmentInput{Name: "デジタル推進課"})
			return err
		})
		pid := e.person("記録 対象", dept, true)
		staff := e.signIn(pid)
		if w := e.do(http.MethodGet, "/trail", staff, nil); w.Code != http.StatusForbidden {
			t.Fatalf("staff reading the trail: %d", w.Code)
		}
		// Enough entries for a second page, made by the administrator.
		for i := range 60 {
			e.do(http.MethodPost, "/departments", e.admin, url.Values{"name": {fmt.Sprintf("臨時課%02d", i)}})
		}

		today := time.Now().In(wareki.Location)
		midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, wareki.Location)
		tests := []struct {
			query string
			f     trail.Filter
		}{
			{"", trail.Filter{}},
			{"action=create", trail.Filter{Action: trail.Create}},
			{"action=denied", trail.Filter{Action: trail.Denied}},
			{"entity=department", trail.Filter{Entity: "department"}},
			{"actor=" + fmt.Sprint(e.admin.personID), trail.Filter{ActorID: e.admin.personID}},
			{"entity=person&entity_id=" + fmt.Sprint(pid), trail.Filter{Entity: "person", EntityID: fmt.Sprint(pid)}},
			{"from=" + url.QueryEscape(wareki.Format(today)), trail.Filter{From: midnight.UnixMicro()}},
			{"to=" + today.AddDate(0, 0, -1).Format("2006-01-02"), trail.Filter{To: midnight.UnixMicro()}},
			{"from=R1.5.1&to=" + url.QueryEscape(wareki.Format(today)), trail.Filter{From: time.Date(2019, 5, 1, 0, 0, 0, 0, wareki.Location).UnixMicro(), To: midnight.AddDate(0, 0, 1).UnixMicro()}},
			{"action=update&entity=department", trail.Filter{Action: trail.Update, Entity: "department"}},
		}
		for _, tt := range tests {
			w := e.do(http.MethodGet, "/trail?"+tt.query, e.admin, nil)
			got, want := seqsOnPage(w.Body.String()), e.trailSeqs(tt.f)
			if w.Code != http.StatusOK || !slices.Equal(got, want) {
				t.Errorf("%q: status %d, seqs %v, want %v", tt.query, w.Code, got, want)
			}
		}
		if got := e.trailSeqs(trail.Filter{Action: trail.Denied}); len(got) == 0 {
			t.Errorf("the refusal is not in the trail")
		}

		// Refused filters say which field is wrong and list nothing.
		bad := []struct{ query, key string }{
			{"from=" + url.QueryEscape("令和7年13月1日"), "error.invalid_date"},
			{"to=yesterday", "error.invalid_date"},
			{"from=2025-04-02&to=2025-04-01", "trail.to_before_from"},
			{"action=hack", "error.invalid_choice"},
			{"actor=someone", "error.invalid_number"},
			{"entity=" + url.QueryEscape("people; drop"), "error.invalid_choice"},
		}
		for _, tt := range bad {
			w := e.do(http.MethodGet, "/trail?"+tt.query, e.admin, nil)
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), html.EscapeString(e.ja(tt.key))) || len(seqsOnPage(w.Body.String())) != 0 {
				t.Errorf("%q: status %d, message %q shown %v", tt.query, w.Code, e.ja(tt.key), strings.Contains(w.Body.String(), e.ja(tt.key)))
			}
		}

		// Paging to older entries by sequence number.
		w := e.do(http.MethodGet, "/trail", e.admin, nil)
		first := seqsOnPage(w.Body.String())
		older := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(w.Body.String())
		if older == nil || !strings.Contains(w.Body.String(), e.ja("trail.older")) {
			t.Fatal("no link to older entries")
		}
		w = e.do(http.MethodGet, html.UnescapeString(older[1]), e.admin, nil)
		second := seqsOnPage(w.Body.String())
		if len(second) == 0 || second[0] != first[len(first)-1]-1 {
			t.Errorf("older page starts at %v after %v", second, first[len(first)-1])
		}

		// The head box and the export link with the same filter.
		seq, hash, _ := trail.Head(e.ctx, d, e.org.ID)
		w = e.do(http.MethodGet, "/trail?action=create&entity=department", e.admin, nil)
		body := w.Body.String()
		if !strings.Contains(body, hash) || !strings.Contains(body, fmt.Sprintf(`<span class="mono">%d</span>`, seq)) {
			t.Errorf("head not shown")
		}
		if !strings.Contains(body, `href="/trail/export.csv?action=create&amp;entity=department"`) {
			t.Errorf("export link does not carry the filter")
		}

		// Changes show only the fields that changed, and link the subject.
		w = e.do(http.MethodGet, fmt.Sprintf("/trail?action=update&entity=department&entity_id=%d", dept), e.admin, nil)
		body = w.Body.String()
		if !strings.Contains(body, "<details>") || !strings.Contains(body, "情報政策課") || !strings.Contains(body, "デジタル推進課") ||
			!strings.Contains(body, `<dt data-field="name">`+e.ja("trail.field.name")+`</dt>`) || strings.Contains(body, `data-field="sort_order"`) {
			t.Errorf("the change is not shown as a diff of changed fields")
		}
		if !strings.Contains(body, fmt.Sprintf(`href="/departments/%d"`, dept)) {
			t.Errorf("the department is not linked")
		}

		// Fields and values in the reader's words: labels for field names,
		// names for codes and ids, はい/いいえ for truth values.
		body = e.do(http.MethodGet, fmt.Sprintf("/trail?entity=person&entity_id=%d", pid), e.admin, nil).Body.String()
		for _, want := range []string{
			`<dt data-field="department_id">` + e.ja("trail.field.department_id") + `</dt>`,
			`<dt data-field="name">` + e.ja("trail.field.person.name") + `</dt>`,
			"デジタル推進課", e.ja("staff_category.regular"), e.ja("common.yes"),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the person's entry lacks %q", want)
			}
		}
		for _, raw := range []string{">regular<", ">true<", ">department_id<"} {
			if strings.Contains(body, raw) {
				t.Errorf("the person's entry shows the stored %q", raw)
			}
		}

		// A role assignment names and links the person it belongs to.
		if w := e.do(http.MethodPost, fmt.Sprintf("/people/%d/roles", pid), e.admin,
			url.Values{"kind": {"org"}, "role": {string(authz.Auditor)}}); w.Code != http.StatusSeeOther {
			t.Fatalf("assigning a role: %d", w.Code)
		}
		body = e.do(http.MethodGet, "/trail?entity=role_assignment&action=create", e.admin, nil).Body.String()
		if !strings.Contains(body, fmt.Sprintf(`<a href="/people/%d#roles">記録 対象</a>`, pid)) ||
			!strings.Contains(body, e.ja("role.auditor")) || !strings.Contains(body, e.ja("scope.org")) || strings.Contains(body, ">auditor<") {
			t.Errorf("the role assignment does not name its person, role and scope")
		}

		// What the program did itself reads 「システム」, whatever it stored.
		body = e.do(http.MethodGet, "/trail?entity=organisation", e.admin, nil).Body.String()
		if !strings.Contains(body, ">"+e.ja("common.system")) || strings.Contains(body, ">system<") {
			t.Errorf("the first start is not shown as done by the system")
		}
	})
}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	bom := []byte("\xEF\xBB\xBF")
	if !bytes.HasPrefix(body, bom) {
		t.Fatalf("no byte order mark: %q", body[:min(len(body), 16)])
	}
	rows, err := csv.NewReader(bytes.NewReader(body[len(bom):])).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v", err)
	}
	return rows
}

func TestAdminTrailExport(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newAdminEnv(t, d)
		auditor := e.signIn(e.person("=1+2", 0, true, org.AssignmentInput{Role: string(authz.Auditor)}))
		// More than one batch of 1000, some with cells a spreadsheet would run.
		e.tx(func(tx *db.Tx) error {
			sc := scope.Scope{OrgID: e.org.ID, ActorName: "-batch", RequestID: "@req", ClientAddr: "+addr"}
			for i := range 1100 {
				if err := trail.Record(e.ctx, tx, sc, trail.Change{Action: trail.Admin, Entity: "test", EntityID: fmt.Sprintf("=cmd|%d", i)}); err != nil {
					return err
				}
			}
			return nil
		})
		columns := []string{"seq", "at", "actor_id", "actor_name", "action", "entity", "entity_id", "before", "after", "request_id", "client_addr", "prev_hash", "hash"}

		w := e.do(http.MethodGet, "/trail/export.csv", auditor, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("export: %d", w.Code)
		}
		if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		wantName := fmt.Sprintf(`attachment; filename="trail-%s.csv"`, time.Now().In(wareki.Location).Format("20060102"))
		if cd := w.Header().Get("Content-Disposition"); cd != wantName {
			t.Errorf("content disposition %q, want %q", cd, wantName)
		}
		rows := readCSV(t, w.Body.Bytes())
		for i, c := range columns {
			if rows[0][i] != e.ja("trail.csv."+c) {
				t.Errorf("header %d = %q, want %q", i, rows[0][i], e.ja("trail.csv."+c))
			}
		}
		head, _, _ := trail.Head(e.ctx, d, e.org.ID)
		data := rows[1:]
		if int64(len(data)) != head {
			t.Fatalf("%d rows, the trail has %d entries", len(data), head)
		}
		for i, r := range data {
			if r[0] != fmt.Sprint(head-int64(i)) {
				t.Fatalf("row %d has seq %s", i, r[0])
			}
			if i+1 < len(data) && r[11] != data[i+1][12] {
				t.Fatalf("row %d: previous hash does not match the next row's hash", i)
			}
		}
		// The export itself was recorded before the file was written.
		exp := data[0]
		if exp[4] != "export" || exp[5] != "trail" || exp[3] != "'=1+2" || !strings.Contains(exp[8], `"format":"csv"`) {
			t.Errorf("export entry: %q", exp)
		}
		if _, err := time.Parse(time.RFC3339Nano, exp[1]); err != nil || !strings.HasSuffix(exp[1], "+09:00") {
			t.Errorf("time %q is not ISO 8601 in JST: %v", exp[1], err)
		}
		batch := data[1]
		for i, want := range map[int]string{3: "'-batch", 6: "'=cmd|1099", 9: "'@req", 10: "'+addr"} {
			if batch[i] != want {
				t.Errorf("column %s = %q, want %q", columns[i], batch[i], want)
			}
		}

		// A filtered export holds only what the filter lets through, and
		// the filter is kept in the trail.
		w = e.do(http.MethodGet, "/trail/export.csv?action=create&entity=department", auditor, nil)
		rows = readCSV(t, w.Body.Bytes())
		for _, r := range rows[1:] {
			if r[4] != "create" || r[5] != "department" {
				t.Errorf("filtered export has %q", r)
			}
		}
		last, err := trail.List(e.ctx, d, e.sc, trail.Filter{Action: trail.Export, Limit: 1})
		if err != nil || len(last) != 1 || !strings.Contains(last[0].After, `"action":"create"`) || last[0].ActorID != auditor.personID {
			t.Errorf("filtered export not recorded with its filter: %+v %v", last, err)
		}
		if w := e.do(http.MethodGet, "/trail/export.csv?from=nonsense", auditor, nil); w.Code != http.StatusBadRequest {
			t.Errorf("bad filter: %d", w.Code)
		}

		// An English reader gets English headings.
		e.tx(func(tx *db.Tx) error {
			return auth.SetPreferences(e.ctx, tx, e.sc, auditor.personID, auth.LocaleEN, auth.DateStyleISO)
		})
		rows = readCSV(t, e.do(http.MethodGet, "/trail/export.csv?action=signin", auditor, nil).Body.Bytes())
		if rows[0][0] != e.cat.T("en", "trail.csv.seq") || rows[0][0] == e.ja("trail.csv.seq") {
			t.Errorf("English header: %q", rows[0])
		}
	})
}
