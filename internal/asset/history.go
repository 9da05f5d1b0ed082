package asset

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// FieldChange is one field's value before and after a change, as text.
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// HistoryEntry is one change of an asset, from the trail: who, when, and
// each field before → after.
type HistoryEntry struct {
	Seq       int64        `json:"seq"`
	At        int64        `json:"at"` // microseconds, UTC
	ActorID   int64        `json:"actor_id,string"`
	ActorName string       `json:"actor_name"`
	Action    trail.Action `json:"action"`
	// Entity is EntityAsset, EntityLink (Link is set) or EntityScheme (a
	// scheme switch that reclassified this asset among all others).
	Entity  string        `json:"entity"`
	Changes []FieldChange `json:"changes"`
	Link    *Link         `json:"link,omitempty"`
}

// historyFields are the fields a history shows, in form order.
var historyFields = []string{"name", "kind", "description", "department_id", "owner_id", "custodian_id", "location",
	"is_controlled_area", "domain", "confidentiality", "integrity", "availability", "retention_years", "status",
	"disposed_on", "disposal_method", "disposal_witness_id", "next_review_date", "tags",
	"mfa_on_terminals", "takeout_disabled", "isolated_from_other_domains", "traffic_monitoring"}

// maxHistory bounds how many trail entries a history reads.
const maxHistory = 1000

// History returns an asset's changes, newest first: its own entries, its
// outgoing links, and the scheme switches since it was registered, each
// with the fields it changed. A reader who sees the asset masked gets no
// history (an empty list), since the entries hold the hidden details.
func History(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, id int64) ([]HistoryEntry, error) {
	a, err := Get(ctx, q, sc, p, id)
	if err != nil {
		return nil, err
	}
	out := []HistoryEntry{}
	if a.Masked {
		return out, nil
	}
	key := fmt.Sprint(id)
	var entries []trail.Entry
	for _, f := range []trail.Filter{
		{Entity: EntityAsset, EntityID: key, Limit: maxHistory},
		{Entity: EntityLink, EntityID: key, Limit: maxHistory},
		// Not From the asset's creation: with a time range SQLite walks
		// the trail's time index over every entry since (1.5 s at a
		// million entries); an organisation switches its scheme a few
		// times, so the switches are read whole and the older ones left.
		{Entity: EntityScheme, EntityID: fmt.Sprint(sc.OrgID), Limit: maxHistory},
	} {
		es, err := trail.List(ctx, q, sc, f)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if e.Entity != EntityScheme || e.At >= a.CreatedAt {
				entries = append(entries, e)
			}
		}
	}
	slices.SortFunc(entries, func(x, y trail.Entry) int { return int(x.Seq - y.Seq) })
	// Walk oldest first, following the level, so a scheme switch can show
	// what it did to this asset.
	var level Confidentiality
	for _, e := range entries {
		h := HistoryEntry{Seq: e.Seq, At: e.At, ActorID: e.ActorID, ActorName: e.ActorName, Action: e.Action, Entity: e.Entity, Changes: []FieldChange{}}
		switch e.Entity {
		case EntityAsset:
			before, after, err := decodeFields(e.Before, e.After)
			if err != nil {
				return nil, fmt.Errorf("cannot read history of asset %d: %w", id, err)
			}
			for _, f := range historyFields {
				b, a := before[f], after[f]
				if b != a {
					h.Changes = append(h.Changes, FieldChange{Field: f, Before: b, After: a})
				}
			}
			if c, ok := after["confidentiality"]; ok {
				level = Confidentiality(c)
			}
		case EntityLink:
			var l Link
			text := e.After
			if text == "" {
				text = e.Before
			}
			if err := json.Unmarshal([]byte(text), &l); err != nil {
				return nil, fmt.Errorf("cannot read history of asset %d: %w", id, err)
			}
			h.Link = &l
		case EntityScheme:
			var ch SchemeChange
			if err := json.Unmarshal([]byte(e.After), &ch); err != nil {
				return nil, fmt.Errorf("cannot read history of asset %d: %w", id, err)
			}
			to, ok := ch.Mapping[level]
			if !ok {
				continue // this asset's level meant the same in both schemes
			}
			h.Changes = append(h.Changes, FieldChange{Field: "confidentiality", Before: string(level), After: string(to)})
			level = to
		}
		out = append(out, h)
	}
	slices.Reverse(out)
	return out, nil
}

// decodeFields reads an entry's before and after snapshots as field → text.
func decodeFields(before, after string) (map[string]string, map[string]string, error) {
	b, err := fields(before)
	if err != nil {
		return nil, nil, err
	}
	a, err := fields(after)
	return b, a, err
}

func fields(text string) (map[string]string, error) {
	out := map[string]string{}
	if text == "" {
		return out, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = x
		case []any:
			parts := make([]string, 0, len(x))
			for _, p := range x {
				parts = append(parts, fmt.Sprint(p))
			}
			out[k] = strings.Join(parts, ", ")
		case nil:
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out, nil
}
