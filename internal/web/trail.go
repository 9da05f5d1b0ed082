package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/org"
	"mamori/internal/trail"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

const (
	// trailPageSize is how many entries one page of the trail shows.
	trailPageSize = 50
	// trailExportBatch is how many entries the CSV export reads at a time;
	// the file is streamed, never held whole in memory.
	trailExportBatch = 1000
	// trailPeopleChoices bounds the 実行者 select; beyond it the filter
	// takes a person number instead.
	trailPeopleChoices = 500
)

// trailEntities are the kinds of record the filter offers by name. Others
// appear in the trail as they are, and can still be filtered by link.
var trailEntities = []string{"person", "account", "role_assignment", "department", "organisation", "api_token", "session", "request", "trail"}

// trailQuery is the trail filter as typed and as understood.
type trailQuery struct {
	Actor    string
	Entity   string
	EntityID string
	Action   string
	From     string
	To       string
	Filter   trail.Filter
}

// values returns the filter as query parameters (without the cursor).
func (q trailQuery) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"actor": q.Actor, "entity": q.Entity, "entity_id": q.EntityID, "action": q.Action, "from": q.From, "to": q.To} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// parseTrailQuery reads the filter; problems are reported per field.
func parseTrailQuery(q url.Values) (trailQuery, validate.Errors) {
	e := validate.Errors{}
	t := trailQuery{
		Actor:    strings.TrimSpace(q.Get("actor")),
		Entity:   strings.TrimSpace(q.Get("entity")),
		EntityID: strings.TrimSpace(q.Get("entity_id")),
		Action:   strings.TrimSpace(q.Get("action")),
		From:     strings.TrimSpace(q.Get("from")),
		To:       strings.TrimSpace(q.Get("to")),
	}
	if t.Actor != "" {
		n, err := strconv.ParseInt(toHalfWidthDigits(t.Actor), 10, 64)
		if err != nil || n < 0 {
			e.Add("actor", "error.invalid_number")
		}
		t.Filter.ActorID = n
	}
	if t.Entity != "" {
		if len(t.Entity) > 64 || strings.Trim(t.Entity, "abcdefghijklmnopqrstuvwxyz_") != "" {
			e.Add("entity", "error.invalid_choice")
		}
		t.Filter.Entity = t.Entity
	}
	t.EntityID = e.Text("entity_id", t.EntityID, false, 200, false)
	t.Filter.EntityID = t.EntityID
	if t.Action != "" {
		e.Choice("action", t.Action, false, actionCodes()...)
		t.Filter.Action = trail.Action(t.Action)
	}
	var from, to time.Time
	if t.From != "" {
		d, err := wareki.Parse(t.From)
		if err != nil {
			e.Add("from", "error.invalid_date")
		}
		from = d
		t.Filter.From = d.UnixMicro()
	}
	if t.To != "" {
		d, err := wareki.Parse(t.To)
		if err != nil {
			e.Add("to", "error.invalid_date")
		}
		to = d
		// The end date is inclusive: everything before the next midnight.
		t.Filter.To = d.AddDate(0, 0, 1).UnixMicro()
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		e.Add("to", "trail.to_before_from")
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			e.Add("before", "error.invalid_number")
		}
		t.Filter.BeforeSeq = n
	}
	if len(e) > 0 {
		// Nothing is filtered by half-understood values.
		t.Filter = trail.Filter{}
	}
	return t, e
}

func actionCodes() []string {
	out := make([]string, len(trail.Actions))
	for i, a := range trail.Actions {
		out[i] = string(a)
	}
	return out
}

// trailPage is the 監査証跡 list.
type trailPage struct {
	Rows       []trailRow
	HeadSeq    int64
	HeadHash   string
	HeadAt     int64
	Q          trailQuery
	Filtered   bool
	People     []org.Person
	ActorIsNum bool
	Entities   []string
	Actions    []trail.Action
	OlderURL   string
	NewestURL  string
	ExportURL  string
	CanExport  bool
}

// trailRow is one entry as the page shows it.
type trailRow struct {
	Entry       trail.Entry
	ActorHref   string
	EntityLabel string
	EntityHref  string
	// Subject names the record when it is a person or a department
	// ("高橋 美咲"); otherwise the page shows the entity id.
	Subject string
	Changes []fieldChange
}

// fieldChange is one field that differs between before and after.
type fieldChange struct {
	Field  string
	Before string
	After  string
}

func (s *Server) trailList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	q, problems := parseTrailQuery(r.URL.Query())
	page := trailPage{
		Q:        q,
		Filtered: len(q.values()) > 0,
		Entities: trailEntities,
		Actions:  trail.Actions,
		// A filter that was not understood cannot be exported either.
		CanExport: authz.CanSome(id.Principal, authz.ExportTrail) && len(problems) == 0,
	}
	if q.Entity != "" && !slices.Contains(page.Entities, q.Entity) {
		page.Entities = append(slices.Clone(page.Entities), q.Entity)
	}
	var err error
	page.HeadSeq, page.HeadHash, err = trail.Head(ctx, s.db, id.Org.ID)
	if err != nil {
		return err
	}
	page.HeadAt = db.Now()
	people, err := org.ListPeople(ctx, s.db, sc, authz.Grant{All: true}, 0, org.PersonFilter{Limit: trailPeopleChoices})
	if err != nil {
		return err
	}
	page.People, page.ActorIsNum = people.Items, people.NextCursor != ""
	personNames := make(map[string]string, len(people.Items))
	for _, p := range people.Items {
		personNames[strconv.FormatInt(p.ID, 10)] = p.Name
	}
	if page.ActorIsNum {
		page.People = nil
	}

	var entries []trail.Entry
	if len(problems) == 0 {
		f := q.Filter
		f.Limit = trailPageSize
		entries, err = trail.List(ctx, s.db, sc, f)
		if err != nil {
			return err
		}
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return err
	}
	links := s.trailLinker(id.Principal, depts)
	deptNames := make(map[string]string, len(depts))
	for did, name := range departmentNames(depts) {
		deptNames[strconv.FormatInt(did, 10)] = name
	}
	lang := s.lang(r)
	for _, e := range entries {
		row := trailRow{Entry: e, EntityLabel: e.Entity, Changes: diffJSON(e.Before, e.After)}
		if k := "entity." + e.Entity; s.cat.Has(lang, k) {
			row.EntityLabel = s.cat.T(lang, k)
		}
		row.EntityHref = links(e.Entity, e.EntityID)
		switch e.Entity {
		case "person", "account":
			row.Subject = personNames[e.EntityID]
		case "department":
			row.Subject = deptNames[e.EntityID]
		}
		if e.ActorID != 0 {
			row.ActorHref = links("person", strconv.FormatInt(e.ActorID, 10))
		}
		page.Rows = append(page.Rows, row)
	}
	base := q.values()
	if len(entries) == trailPageSize {
		older := q.values()
		older.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		page.OlderURL = "/trail?" + older.Encode()
	}
	if q.Filter.BeforeSeq != 0 {
		page.NewestURL = "/trail"
		if len(base) > 0 {
			page.NewestURL += "?" + base.Encode()
		}
	}
	page.ExportURL = "/trail/export.csv"
	if len(base) > 0 {
		page.ExportURL += "?" + base.Encode()
	}
	p := s.newPage(r, "trail.title", page)
	status := http.StatusOK
	if len(problems) > 0 {
		p.Errors = map[string]string{}
		for f, pr := range problems {
			p.Errors[f] = s.cat.T(lang, pr.Key, pr.Args...)
		}
		p.Flash = &Flash{Kind: "error", Text: s.cat.T(lang, "error.invalid_input")}
		status = http.StatusBadRequest
	}
	return s.renderPage(w, r, status, "trail", p)
}

// trailLinker returns where an entry's subject can be opened by this
// reader, or "" when there is no such page (or they may not open it).
func (s *Server) trailLinker(p authz.Principal, depts []org.Department) func(entity, entityID string) string {
	people := authz.GrantFor(p, authz.ViewPeople).All
	editDepts := authz.CanSome(p, authz.EditDepartments)
	viewDepts := authz.CanSome(p, authz.ViewDepartments)
	settings := authz.CanSome(p, authz.ViewSettings)
	known := make(map[string]bool, len(depts))
	for _, d := range depts {
		known[strconv.FormatInt(d.ID, 10)] = true
	}
	return func(entity, entityID string) string {
		n, err := strconv.ParseInt(entityID, 10, 64)
		if err != nil || n <= 0 {
			return ""
		}
		switch entity {
		case "person", "account":
			if people {
				return "/people/" + entityID
			}
		case "department":
			switch {
			case !known[entityID]:
			case editDepts:
				return "/departments/" + entityID
			case viewDepts:
				return "/departments#dept-" + entityID
			}
		case "organisation":
			if settings {
				return "/settings"
			}
		}
		return ""
	}
}

// diffJSON lists the fields that differ between two JSON objects, in name
// order. A value that is not an object is shown whole as one change.
func diffJSON(before, after string) []fieldChange {
	if before == "" && after == "" {
		return nil
	}
	b, okB := jsonObject(before)
	a, okA := jsonObject(after)
	if !okB || !okA {
		return []fieldChange{{Before: before, After: after}}
	}
	keys := make([]string, 0, len(a)+len(b))
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []fieldChange
	for _, k := range keys {
		bv, inB := b[k]
		av, inA := a[k]
		if inB && inA && bytes.Equal(compactJSON(bv), compactJSON(av)) {
			continue
		}
		out = append(out, fieldChange{Field: k, Before: jsonText(bv), After: jsonText(av)})
	}
	return out
}

// jsonObject reads an object; empty text is an empty object.
func jsonObject(s string) (map[string]json.RawMessage, bool) {
	if strings.TrimSpace(s) == "" {
		return map[string]json.RawMessage{}, true
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, false
	}
	return m, true
}

func compactJSON(raw json.RawMessage) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw
	}
	return buf.Bytes()
}

// jsonText shows a value as a person reads it: text without quotes, other
// values as compact JSON.
func jsonText(raw json.RawMessage) string {
	if raw == nil {
		return ""
	}
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		return str
	}
	return string(compactJSON(raw))
}

// trailExport streams the filtered trail as CSV for Excel: UTF-8 with a
// byte order mark, a header row in the reader's language, and every cell
// that a spreadsheet would read as a formula defused. The export is itself
// recorded, in its own transaction, before the first byte is sent.
func (s *Server) trailExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	q, problems := parseTrailQuery(r.URL.Query())
	if len(problems) > 0 {
		return problems
	}
	filters := map[string]string{"format": "csv"}
	for k, v := range q.values() {
		filters[k] = v[0]
	}
	if err := s.transact(ctx, func(tx *db.Tx) error {
		return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Export, Entity: "trail", After: filters})
	}); err != nil {
		return err
	}

	lang := s.lang(r)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="trail-%s.csv"`, time.Now().In(jst).Format("20060102")))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("\uFEFF")); err != nil {
		return nil // the reader went away; nothing more to tell them
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := make([]string, len(trailCSVColumns))
	for i, c := range trailCSVColumns {
		header[i] = s.cat.T(lang, "trail.csv."+c)
	}
	if err := cw.Write(header); err != nil {
		return nil
	}
	f := q.Filter
	f.Limit = trailExportBatch
	f.BeforeSeq = 0
	for {
		entries, err := trail.List(ctx, s.db, sc, f)
		if err != nil {
			// The status line has gone; the truncated file and the log
			// are all that can show it.
			s.log.Error("trail export failed", "request_id", httpx.RequestID(ctx), "err", err)
			return nil
		}
		for _, e := range entries {
			if err := cw.Write(trailCSVRow(e)); err != nil {
				return nil
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return nil
		}
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		if len(entries) < trailExportBatch {
			return nil
		}
		f.BeforeSeq = entries[len(entries)-1].Seq
	}
}

// trailCSVColumns are the export's columns; their headings are the
// catalogue's trail.csv.<column>.
var trailCSVColumns = []string{"seq", "at", "actor_id", "actor_name", "action", "entity", "entity_id",
	"before", "after", "request_id", "client_addr", "prev_hash", "hash"}

// trailCSVRow is one entry as CSV cells. Values are the stored ones (the
// time in JST to the microsecond), so the chain can be checked from the file.
func trailCSVRow(e trail.Entry) []string {
	cells := []string{
		strconv.FormatInt(e.Seq, 10),
		db.Time(e.At).In(jst).Format("2006-01-02T15:04:05.000000-07:00"),
		strconv.FormatInt(e.ActorID, 10),
		e.ActorName,
		string(e.Action),
		e.Entity,
		e.EntityID,
		e.Before,
		e.After,
		e.RequestID,
		e.ClientAddr,
		e.PrevHash,
		e.Hash,
	}
	for i, c := range cells {
		cells[i] = csvSafe(c)
	}
	return cells
}

// csvSafe defuses a cell a spreadsheet would run as a formula (CSV
// injection): text starting with = + - @ (or a tab or carriage return,
// which some spreadsheets skip before looking) gets a leading apostrophe.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}
