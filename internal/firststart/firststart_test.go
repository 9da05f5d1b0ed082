package firststart_test

import (
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/firststart"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// First start puts the organisation's own basic policy in effect: public,
// published as version 1, effective 平成28年4月1日, in its 45 clauses, and
// the trail says where it came from. A second start changes nothing.
func TestBootstrapLoadsTheBasicPolicy(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := firststart.Bootstrap(ctx, d, "", "tsuki-ga-kirei-desu-ne-2025", io.Discard); err != nil {
			t.Fatal(err)
		}
		o, err := org.First(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		items, err := policy.ListPublic(ctx, d, o.ID)
		if err != nil || len(items) != 1 {
			t.Fatalf("public documents: %+v %v", items, err)
		}
		it := items[0]
		if it.Type != policy.BasicPolicy || it.Visibility != policy.Public || it.Status != policy.Published || it.VersionNo != 1 ||
			it.EffectiveDate != "2016-04-01" || it.Title != "一般財団法人北海道市町村職員福祉協会情報セキュリティ基本方針" {
			t.Errorf("basic policy: %+v", it)
		}
		doc, v, err := policy.GetPublic(ctx, d, o.ID, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Clauses) != 45 {
			t.Errorf("%d clauses, want 45", len(v.Clauses))
		}
		idents := map[string]bool{}
		for _, c := range v.Clauses {
			idents[c.Ident] = true
		}
		for _, want := range []string{"1", "2-(1)", "2-(1)-①", "6-(3)", "10"} {
			if !idents[want] {
				t.Errorf("clause %s missing", want)
			}
		}
		if !strings.Contains(v.Body, "機密性、完全性及び可用性") || v.ApprovalKind != "ciso" || v.ApprovedBy != 0 {
			t.Errorf("version: approval %q by %d", v.ApprovalKind, v.ApprovedBy)
		}
		if doc.CurrentVersionID != v.ID || doc.NextReviewDate == "" {
			t.Errorf("document: %+v", doc)
		}
		// Every worker reads it, and the trail says it was loaded.
		sc := scope.System(o.ID, "test")
		if ok, err := policy.CanRead(ctx, d, sc, authz.Principal{PersonID: 0}, doc.ID); !ok || err != nil {
			t.Errorf("not readable: %v", err)
		}
		es, err := trail.List(ctx, d, sc, trail.Filter{Entity: policy.EntityVersion, EntityID: idOf(v.ID), Limit: 10})
		if err != nil || len(es) != 1 || !strings.Contains(es[0].After, policy.SeedSource) {
			t.Errorf("trail: %+v %v", es, err)
		}
		if err := firststart.Bootstrap(ctx, d, "", "tsuki-ga-kirei-desu-ne-2025", io.Discard); err != nil {
			t.Fatal(err)
		}
		if again, err := policy.ListPublic(ctx, d, o.ID); err != nil || len(again) != 1 {
			t.Errorf("after a second start: %d %v", len(again), err)
		}
	})
}

func idOf(id int64) string { return strconv.FormatInt(id, 10) }
