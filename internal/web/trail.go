package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mamori/internal/asset"
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
	"mamori/internal/policy"
	"mamori/internal/scope"
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
	Entry trail.Entry
	// Actor is who did it as the reader reads it: the person's name, or
	// the catalogue's word for the system when no person acted.
	Actor string
	// ActorNote names a command-line run under 「システム」.
	ActorNote   string
	ActorHref   string
	EntityLabel string
	EntityHref  string
	// Subject names the record when the page can ("高橋 美咲", "総務部");
	// otherwise the page shows the entity id.
	Subject string
	Changes []trailChange
}

// fieldChange is one field that differs between before and after, as
// stored; the page shows it as a trailChange.
type fieldChange struct {
	Field  string
	Before string
	After  string
}

// trailChange is one changed field in the reader's words: 「所属」 for
// department_id, 「総務部　総務課」 for 7, 「はい」 for true.
type trailChange struct {
	Field string // the stored name
	Label string
	// Before and After are the values as read; HasBefore and HasAfter
	// tell a value that is empty from one the entry does not carry (a
	// creation has no before side).
	Before, After       string
	HasBefore, HasAfter bool
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
	personNames := make(map[int64]string, len(people.Items))
	for _, p := range people.Items {
		personNames[p.ID] = p.Name
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
		if err := asset.RedactTrail(ctx, s.db, sc, id.Principal, entries); err != nil {
			return err
		}
		if err := policy.RedactTrail(ctx, s.db, sc, id.Principal, entries); err != nil {
			return err
		}
	}
	depts, err := org.ListDepartments(ctx, s.db, sc)
	if err != nil {
		return err
	}
	links := s.trailLinker(id.Principal, depts)
	names, err := s.trailNamesFor(ctx, sc, entries, personNames, depts)
	if err != nil {
		return err
	}
	lang := s.lang(r)
	for _, e := range entries {
		row := s.trailRowOf(lang, e, names, links)
		if e.Entity == "organisation" && e.EntityID == strconv.FormatInt(id.Org.ID, 10) {
			row.Subject = id.Org.Name
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
		case "person", "account", "session":
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

// trailNames are the names the trail page shows for the ids in its entries,
// keyed by the id as stored (text).
type trailNames struct {
	people map[string]string
	depts  map[string]string
}

// trailNamesFor gathers the names of the people and departments the
// entries mention: departments from the organisation's list (and, for
// deleted ones, from the entries themselves), people from the actor list
// already read, with one query for any others on the page.
func (s *Server) trailNamesFor(ctx context.Context, sc scope.Scope, entries []trail.Entry, known map[int64]string, depts []org.Department) (trailNames, error) {
	n := trailNames{people: map[string]string{}, depts: map[string]string{}}
	for did, name := range departmentNames(depts) {
		n.depts[strconv.FormatInt(did, 10)] = name
	}
	var missing []int64
	want := func(idText string) {
		pid, err := strconv.ParseInt(idText, 10, 64)
		if err != nil || pid <= 0 {
			return
		}
		if _, ok := n.people[idText]; ok {
			return
		}
		if name, ok := known[pid]; ok {
			n.people[idText] = name
			return
		}
		n.people[idText] = ""
		missing = append(missing, pid)
	}
	for _, e := range entries {
		b, _ := jsonObject(e.Before)
		a, _ := jsonObject(e.After)
		switch e.Entity {
		case "person", "account", "session":
			want(e.EntityID)
		case "department":
			// A deleted department is named by its own entries.
			if _, ok := n.depts[e.EntityID]; !ok {
				for _, obj := range []map[string]json.RawMessage{a, b} {
					if name := jsonText(obj["name"]); name != "" {
						n.depts[e.EntityID] = name
						break
					}
				}
			}
		}
		for _, obj := range []map[string]json.RawMessage{b, a} {
			for _, f := range []string{"person_id", "actor"} {
				if v, ok := obj[f]; ok {
					want(jsonText(v))
				}
			}
		}
	}
	if len(missing) == 0 {
		return n, nil
	}
	found, err := personNamesByID(ctx, s.db, sc, missing)
	if err != nil {
		return n, err
	}
	for pid, name := range found {
		n.people[strconv.FormatInt(pid, 10)] = name
	}
	return n, nil
}

// personNamesByID reads the names of a set of people in one query.
// TODO: belongs in package org (owned elsewhere) as a query of its own.
func personNamesByID(ctx context.Context, q db.Querier, sc scope.Scope, ids []int64) (map[int64]string, error) {
	marks := make([]string, len(ids))
	args := make([]any, 0, len(ids)+1)
	args = append(args, sc.OrgID)
	for i, pid := range ids {
		marks[i] = "?"
		args = append(args, pid)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM people WHERE org_id = ? AND id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot read names of people: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]string, len(ids))
	for rows.Next() {
		var pid int64
		var name string
		if err := rows.Scan(&pid, &name); err != nil {
			return nil, fmt.Errorf("cannot read names of people: %w", err)
		}
		out[pid] = name
	}
	return out, rows.Err()
}

// trailRowOf is one entry in the reader's words.
func (s *Server) trailRowOf(lang string, e trail.Entry, names trailNames, links func(entity, entityID string) string) trailRow {
	row := trailRow{Entry: e, EntityLabel: e.Entity}
	if k := "entity." + e.Entity; s.cat.Has(lang, k) {
		row.EntityLabel = s.cat.T(lang, k)
	}
	switch {
	case e.ActorID != 0:
		row.Actor = e.ActorName
		row.ActorHref = links("person", strconv.FormatInt(e.ActorID, 10))
	case e.ActorName == "":
		// Nobody was signed in: a failed sign-in.
		row.Actor = s.cat.T(lang, "common.unknown")
	default:
		// The program itself (first start, the command line), whatever
		// name it recorded; a command line's own name is kept beside.
		row.Actor = s.cat.T(lang, "common.system")
		if e.ActorName != "system" {
			row.ActorNote = e.ActorName
		}
	}

	b, _ := jsonObject(e.Before)
	a, _ := jsonObject(e.After)
	row.EntityHref = links(e.Entity, e.EntityID)
	switch e.Entity {
	case "person", "account", "session":
		row.Subject = names.people[e.EntityID]
	case "department":
		row.Subject = names.depts[e.EntityID]
	case "role_assignment":
		// The assignment belongs to a person: name them and open their
		// roles.
		pid := jsonText(a["person_id"])
		if pid == "" {
			pid = jsonText(b["person_id"])
		}
		row.EntityHref = ""
		if pid != "" {
			row.Subject = names.people[pid]
			if row.Subject == "" {
				row.Subject = s.cat.T(lang, "entity.person") + " " + s.cat.T(lang, "trail.number", pid)
			}
			if href := links("person", pid); href != "" {
				row.EntityHref = href + "#roles"
			}
		}
	case "api_token":
		row.Subject = jsonText(a["name"])
		if row.Subject == "" {
			row.Subject = jsonText(b["name"])
		}
	}

	for _, c := range diffJSON(e.Before, e.After) {
		tc := trailChange{Field: c.Field, Label: s.trailFieldLabel(lang, e.Entity, c.Field)}
		if c.Field == "" {
			// Not an object: the stored text as it is.
			tc.Before, tc.After = c.Before, c.After
			tc.HasBefore, tc.HasAfter = c.Before != "", c.After != ""
		} else {
			var bv, av json.RawMessage
			bv, tc.HasBefore = b[c.Field]
			av, tc.HasAfter = a[c.Field]
			tc.Before = s.trailValue(lang, e.Entity, c.Field, bv, b, names)
			tc.After = s.trailValue(lang, e.Entity, c.Field, av, a, names)
		}
		row.Changes = append(row.Changes, tc)
	}
	slices.SortStableFunc(row.Changes, func(x, y trailChange) int {
		return trailFieldRank(x.Field) - trailFieldRank(y.Field)
	})
	return row
}

// trailFieldOrder is the order fields are listed in: as the forms ask for
// them, the record number last. Fields not named here follow in name order.
var trailFieldOrder = []string{
	"name", "name_kana", "name_en", "login", "email", "title", "department_id", "staff_category",
	"kind", "parent_id", "code", "sort_order",
	"person_id", "role", "scope_kind", "scope_id",
	"active", "must_change_password", "password_changed",
	"mfa_enabled", "mfa", "recovery_codes", "recovery_code_used",
	"second_factor_pending", "second_factor_passed", "method",
	"locale", "date_style",
	"mfa_required_all", "session_idle_minutes", "session_absolute_hours",
	"prefix", "revoked", "permission",
	"format", "actor", "entity", "entity_id", "action", "from", "to",
}

func trailFieldRank(field string) int {
	if field == "id" {
		return len(trailFieldOrder) + 1
	}
	if i := slices.Index(trailFieldOrder, field); i >= 0 {
		return i
	}
	return len(trailFieldOrder)
}

// trailFieldLabel names a stored field: trail.field.<entity>.<field> where
// one entity names it differently (a person's name is 氏名), else
// trail.field.<field>, else the stored name itself.
func (s *Server) trailFieldLabel(lang, entity, field string) string {
	if field == "" {
		return ""
	}
	for _, k := range []string{"trail.field." + entity + "." + field, "trail.field." + field} {
		if s.cat.Has(lang, k) {
			return s.cat.T(lang, k)
		}
	}
	return field
}

// trailMethods are the second-factor methods a session entry records.
var trailMethods = map[string]string{"totp": "mfa.app", "recovery_code": "mfa.recovery_code"}

// trailValue shows a stored value as the reader reads it: yes or no for a
// truth value, names for coded values and for ids of people and
// departments, the text itself otherwise. obj is the side the value is
// from, for a value read with another (scope_id with scope_kind).
func (s *Server) trailValue(lang, entity, field string, raw json.RawMessage, obj map[string]json.RawMessage, names trailNames) string {
	switch c := string(compactJSON(raw)); c {
	case "", "null":
		return ""
	case "true":
		return s.cat.T(lang, "common.yes")
	case "false":
		return s.cat.T(lang, "common.no")
	}
	text := jsonText(raw)
	if text == "" {
		return ""
	}
	coded := func(prefix string) string {
		if k := prefix + text; s.cat.Has(lang, k) {
			return s.cat.T(lang, k)
		}
		return text
	}
	person := func() string {
		if name := names.people[text]; name != "" {
			return name
		}
		return s.cat.T(lang, "trail.number", text)
	}
	department := func() string {
		if name := names.depts[text]; name != "" {
			return name
		}
		return s.cat.T(lang, "trail.number", text)
	}
	switch field {
	case "role":
		return coded("role.")
	case "scope_kind":
		return coded("scope.")
	case "staff_category":
		return coded("staff_category.")
	case "department_id", "parent_id":
		return department()
	case "person_id":
		return person()
	case "scope_id":
		switch jsonText(obj["scope_kind"]) {
		case "department":
			return department()
		case "system":
			if n, err := strconv.ParseInt(text, 10, 64); err == nil {
				return s.cat.T(lang, "people.system_no", n)
			}
		}
		return text
	}
	switch entity {
	case "department":
		if field == "kind" {
			return coded("department.kind.")
		}
	case "account":
		switch field {
		case "locale":
			return coded("account.language.")
		case "date_style":
			return coded("account.date_style.")
		}
	case "session":
		if k, ok := trailMethods[text]; ok && field == "method" {
			return s.cat.T(lang, k)
		}
	case "request":
		if field == "permission" {
			return coded("perm.")
		}
	case "trail":
		// The filters of an export.
		switch field {
		case "actor":
			return person()
		case "entity":
			return coded("entity.")
		case "action":
			return coded("action.")
		case "format":
			return strings.ToUpper(text)
		}
	}
	return text
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
		if err == nil {
			err = asset.RedactTrail(ctx, s.db, sc, id.Principal, entries)
		}
		if err == nil {
			err = policy.RedactTrail(ctx, s.db, sc, id.Principal, entries)
		}
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
