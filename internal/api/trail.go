package api

import (
	"encoding/json"
	"mamori/internal/asset"
	"net/http"
	"strconv"
	"time"

	"mamori/internal/db"
	"mamori/internal/policy"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// trailEntry is one trail entry as the API shows it.
type trailEntry struct {
	ID         int64           `json:"id,string"`
	Seq        int64           `json:"seq"`
	At         string          `json:"at"` // RFC 3339, UTC
	ActorID    int64           `json:"actor_id,string"`
	ActorName  string          `json:"actor_name"`
	Action     trail.Action    `json:"action"`
	Entity     string          `json:"entity"`
	EntityID   string          `json:"entity_id"`
	Before     json.RawMessage `json:"before"` // the record before the change, or null
	After      json.RawMessage `json:"after"`  // the record after the change, or null
	RequestID  string          `json:"request_id"`
	ClientAddr string          `json:"client_addr"`
	Hash       string          `json:"hash"`
	PrevHash   string          `json:"prev_hash"`
}

func viewEntry(e trail.Entry) trailEntry {
	return trailEntry{
		ID: e.ID, Seq: e.Seq, At: db.Time(e.At).Format(time.RFC3339Nano), ActorID: e.ActorID, ActorName: e.ActorName,
		Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, Before: storedJSON(e.Before), After: storedJSON(e.After),
		RequestID: e.RequestID, ClientAddr: e.ClientAddr, Hash: e.Hash, PrevHash: e.PrevHash,
	}
}

// storedJSON passes a stored JSON text through; text that is not JSON (the
// trail accepts any string) goes out as a JSON string instead.
func storedJSON(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	return b
}

// japanTime reads dates given without a time of day: the bodies mamori
// serves keep their days in Japan Standard Time.
var japanTime = time.FixedZone("JST", 9*60*60)

// trail lists the organisation's trail newest first. The cursor is the seq
// of the last entry of the previous page.
func (s *Server) trail(w http.ResponseWriter, r *http.Request) error {
	id, sc := scopeOf(r)
	limit, cursor, err := paging(r)
	if err != nil {
		return err
	}
	f := trail.Filter{Limit: limit + 1}
	if cursor != "" {
		seq, ok := parseID(cursor)
		if !ok {
			return invalidQuery("cursor", "error.invalid_cursor")
		}
		f.BeforeSeq = seq
	}
	if f.ActorID, err = queryID(r, "actor_id"); err != nil {
		return err
	}
	if f.Entity, err = queryText(r, "entity", 64); err != nil {
		return err
	}
	if f.EntityID, err = queryText(r, "entity_id", 200); err != nil {
		return err
	}
	if v := r.URL.Query().Get("action"); v != "" {
		e := validate.Errors{}
		names := make([]string, len(trail.Actions))
		for i, a := range trail.Actions {
			names[i] = string(a)
		}
		e.Choice("action", v, false, names...)
		if err := e.Err(); err != nil {
			return err
		}
		f.Action = trail.Action(v)
	}
	if f.From, err = queryTime(r, "from", false); err != nil {
		return err
	}
	if f.To, err = queryTime(r, "to", true); err != nil {
		return err
	}
	entries, err := trail.List(r.Context(), s.db, sc, f)
	if err != nil {
		return err
	}
	if err := asset.RedactTrail(r.Context(), s.db, sc, id.Principal, entries); err != nil {
		return err
	}
	if err := policy.RedactTrail(r.Context(), s.db, sc, id.Principal, entries); err != nil {
		return err
	}
	next := ""
	if len(entries) > limit {
		entries = entries[:limit]
		next = strconv.FormatInt(entries[limit-1].Seq, 10)
	}
	out := make([]trailEntry, len(entries))
	for i, e := range entries {
		out[i] = viewEntry(e)
	}
	return s.respond(w, r, http.StatusOK, newList(out, next))
}

// queryTime reads an RFC 3339 time or a date (YYYY-MM-DD, a day in Japan
// time) as stored microseconds. A date as the end of a range ("to") takes
// the whole day in: the range ends at the next midnight.
func queryTime(r *http.Request, name string, end bool) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC().UnixMicro(), nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, japanTime)
	if err != nil {
		return 0, invalidQuery(name, "api.invalid_time")
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t.UTC().UnixMicro(), nil
}

// trailHeadView is the newest point of the chain, to compare against an
// earlier reading or a verification.
type trailHeadView struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

func (s *Server) trailHead(w http.ResponseWriter, r *http.Request) error {
	_, sc := scopeOf(r)
	seq, hash, err := trail.Head(r.Context(), s.db, sc.OrgID)
	if err != nil {
		return err
	}
	return s.respond(w, r, http.StatusOK, trailHeadView{Seq: seq, Hash: hash})
}
