package policy_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/policy"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// The whole life: a 統括 writes a 対策基準, submits it, the CISO approves,
// the 統括 publishes it; a second version starts as a copy, goes the same
// way and supersedes the first. Every step is in the trail.
func TestLifeCycle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		before := e.head()
		doc, v1 := e.create(e.director, input(policy.Standard, "情報セキュリティ対策基準", standardBody))
		if doc.Type != policy.Standard || doc.Visibility != policy.Staff || doc.ReviewMonths != 12 || doc.CurrentVersionID != 0 {
			t.Errorf("new document: %+v", doc)
		}
		if v1.No != 1 || v1.Status != policy.Draft || v1.AuthorID != e.director.PersonID || v1.AuthorName != "統括 一郎" || v1.Body != strings.TrimSpace(standardBody) {
			t.Errorf("first draft: %+v", v1)
		}
		// A draft changes; a stale lock version is a conflict.
		edit := v1.Input()
		edit.Body += "\n\n## 3 物理的セキュリティ\n\nサーバ室を施錠する。"
		v1 = e.must(e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.UpdateDraft(ctx, tx, sc, e.director, doc.ID, v1.ID, edit)
		}))
		if !strings.Contains(v1.Body, "サーバ室を施錠") || v1.LockVersion != 2 {
			t.Errorf("edited draft: %+v", v1)
		}
		if _, err := e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.UpdateDraft(ctx, tx, sc, e.director, doc.ID, v1.ID, edit)
		}); !errors.Is(err, db.ErrConflict) {
			t.Errorf("stale edit: %v", err)
		}
		v1 = e.must(e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.Submit(ctx, tx, sc, e.director, doc.ID, v1.ID)
		}))
		if v1.Status != policy.InReview {
			t.Errorf("submitted: %s", v1.Status)
		}
		// A version in review is not edited: it is sent back first.
		if _, err := e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.UpdateDraft(ctx, tx, sc, e.director, doc.ID, v1.ID, v1.Input())
		}); !errors.Is(err, policy.ErrState) || !errors.Is(err, db.ErrConflict) {
			t.Errorf("edit in review: %v", err)
		}
		v1 = e.must(e.step(e.ciso, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.Approve(ctx, tx, sc, e.ciso, doc.ID, v1.ID)
		}))
		if v1.Status != policy.Approved || v1.ApprovalKind != "ciso" || v1.ApprovedBy != e.ciso.PersonID || v1.ApproverName != "最高 責任者" {
			t.Errorf("approved: %+v", v1)
		}
		v1 = e.must(e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.Publish(ctx, tx, sc, e.director, doc.ID, v1.ID, "令和8年12月1日")
		}))
		if v1.Status != policy.Published || v1.EffectiveDate != "2026-12-01" || v1.PublishedAt == 0 {
			t.Errorf("published: %+v", v1)
		}
		doc = e.get(e.staffSect, doc.ID)
		if doc.CurrentVersionID != v1.ID || doc.NextReviewDate != "2027-12-01" {
			t.Errorf("document after publication: %+v", doc)
		}
		// The next version starts as a copy; only one may be unpublished.
		v2 := e.must(e.step(e.director2, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.NewDraft(ctx, tx, sc, e.director2, doc.ID)
		}))
		if v2.No != 2 || v2.Status != policy.Draft || v2.Body != v1.Body || v2.AuthorID != e.director2.PersonID {
			t.Errorf("second draft: %+v", v2)
		}
		if _, err := e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.NewDraft(ctx, tx, sc, e.director, doc.ID)
		}); !errors.Is(err, policy.ErrState) {
			t.Errorf("a second draft at once: %v", err)
		}
		// The author of v2 is director2: director may approve? No — only
		// the CISO approves; the committee is not used. Sent back once.
		e.must(e.step(e.director2, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.Submit(ctx, tx, sc, e.director2, doc.ID, v2.ID)
		}))
		sent := e.must(e.step(e.ciso, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.SendBack(ctx, tx, sc, e.ciso, doc.ID, v2.ID, "第2条の表現を見直してください。")
		}))
		if sent.Status != policy.Draft || sent.SubmittedAt != 0 {
			t.Errorf("sent back: %+v", sent)
		}
		if !strings.Contains(e.newest().After, "第2条の表現") {
			t.Errorf("reason not in the trail: %s", e.newest().After)
		}
		e.publishVersion(doc.ID, v2.ID, "2027-04-01")
		v1 = e.must(policy.GetVersion(ctx, e.d, e.sc, e.staffSect, doc.ID, v1.ID))
		if v1.Status != policy.Superseded || v1.SupersededAt == 0 {
			t.Errorf("first version after the second: %+v", v1)
		}
		vs, err := policy.ListVersions(ctx, e.d, e.sc, e.staffSect, doc.ID)
		if err != nil || len(vs) != 2 || vs[0].No != 2 || vs[1].No != 1 || vs[0].Body != "" {
			t.Errorf("versions: %+v %v", vs, err)
		}
		doc = e.get(e.staffSect, doc.ID)
		if doc.CurrentVersionID != v2.ID || doc.NextReviewDate != "2028-04-01" {
			t.Errorf("document after the second publication: %+v", doc)
		}
		// Every step is recorded.
		es, err := trail.List(ctx, e.d, e.sc, trail.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, en := range es {
			if en.Seq > before {
				counts[en.Entity+" "+string(en.Action)]++
			}
		}
		want := map[string]int{
			"document create": 1, "document_version create": 2,
			// edit, submit, approve, publish; submit, send back, submit, approve, publish, and v1 superseded
			"document_version update": 10, "document update": 2,
		}
		for k, n := range want {
			if counts[k] != n {
				t.Errorf("trail has %d × %s, want %d (all: %v)", counts[k], k, n, counts)
			}
		}
	})
}

// The refusals the issue names are refused with a clear reason and kept
// in the trail as denials.
func TestRefusalsAreRecorded(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		// The CISO writes a version and cannot approve it.
		own, ownV := e.create(e.ciso, input(policy.Standard, "CISOが起案した基準", standardBody))
		e.must(e.step(e.ciso, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.Submit(ctx, tx, sc, e.ciso, own.ID, ownV.ID)
		}))
		draft, draftV := e.create(e.director, input(policy.Standard, "承認前の基準", standardBody))
		pub, pubV := e.publish(input(policy.Standard, "公表済みの基準", standardBody), "2026-04-01")
		cases := []struct {
			name      string
			p         authz.Principal
			fn        func(tx *db.Tx, sc scope.Scope) (policy.Version, error)
			key, step string
			forbidden bool
		}{
			{"approval by the author", e.ciso, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
				return policy.Approve(ctx, tx, sc, e.ciso, own.ID, ownV.ID)
			}, "policy.refused.own_approval", "approve", true},
			{"publication without approval", e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
				return policy.Publish(ctx, tx, sc, e.director, draft.ID, draftV.ID, "2026-12-01")
			}, "policy.refused.not_approved", "publish", false},
			{"edit of a published version", e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
				in := pubV.Input()
				in.Body = "書き換え"
				return policy.UpdateDraft(ctx, tx, sc, e.director, pub.ID, pubV.ID, in)
			}, "policy.refused.published_immutable", "edit", false},
			{"approval of a draft", e.ciso, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
				return policy.Approve(ctx, tx, sc, e.ciso, draft.ID, draftV.ID)
			}, "policy.refused.not_in_review", "approve", false},
			{"publication twice", e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
				return policy.Publish(ctx, tx, sc, e.director, pub.ID, pubV.ID, "2026-12-01")
			}, "policy.refused.not_approved", "publish", false},
		}
		for _, c := range cases {
			before := e.head()
			_, err := e.step(c.p, c.fn)
			r, ok := policy.AsRefusal(err)
			if !ok || r.Key != c.key || r.Step != c.step {
				t.Errorf("%s: %v, want refusal %s", c.name, err, c.key)
				continue
			}
			if c.forbidden != errors.Is(err, authz.ErrForbidden) || c.forbidden == errors.Is(err, db.ErrConflict) {
				t.Errorf("%s: forbidden %v, conflict %v", c.name, errors.Is(err, authz.ErrForbidden), errors.Is(err, db.ErrConflict))
			}
			if e.head() != before {
				t.Errorf("%s: the refused step wrote to the trail in its own transaction", c.name)
			}
			if err := policy.RecordRefusal(ctx, e.d, e.as(c.p), err); err != nil {
				t.Fatal(err)
			}
			last := e.newest()
			var rec struct{ Step, Reason string }
			_ = json.Unmarshal([]byte(last.After), &rec)
			if last.Action != trail.Denied || last.Entity != policy.EntityVersion || last.EntityID != idStr(r.VersionID) ||
				last.ActorID != c.p.PersonID || rec.Reason != c.key || rec.Step != c.step {
				t.Errorf("%s: denial not in the trail: %+v", c.name, last)
			}
		}
		// Other errors are not refusals and record nothing.
		before := e.head()
		if err := policy.RecordRefusal(ctx, e.d, e.sc, db.ErrNotFound); err != nil || e.head() != before {
			t.Errorf("a plain error recorded: %v", err)
		}
		// Nothing changed.
		v := e.must(policy.GetVersion(ctx, e.d, e.sc, e.ciso, pub.ID, pubV.ID))
		if v.Body != pubV.Body || v.Status != policy.Published {
			t.Errorf("published version changed: %+v", v)
		}
	})
}

// The storage refuses to change a published version's text even when the
// application is bypassed; moving it to superseded is allowed.
func TestPublishedVersionsAreFrozenInStorage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		doc, v := e.publish(input(policy.Standard, "凍結の確認", standardBody), "2026-04-01")
		for _, stmt := range []string{
			`UPDATE document_versions SET body = 'x' WHERE id = ?`,
			`UPDATE document_versions SET title = 'x' WHERE id = ?`,
			`UPDATE document_versions SET effective_date = '2030-01-01' WHERE id = ?`,
		} {
			if _, err := d.ExecContext(ctx, stmt, v.ID); err == nil || !strings.Contains(err.Error(), "immutable") {
				t.Errorf("%s: %v", stmt, err)
			}
		}
		if _, err := d.ExecContext(ctx, `UPDATE document_versions SET status = 'superseded' WHERE id = ?`, v.ID); err != nil {
			t.Errorf("superseding refused: %v", err)
		}
		if _, err := d.ExecContext(ctx, `UPDATE document_versions SET body = 'x' WHERE id = ?`, v.ID); err == nil {
			t.Error("superseded version changed")
		}
		_ = doc
	})
}

// Committee approval: with a quorum of 0 the committee does not approve;
// with 2, two members' votes approve; the author never votes, and nobody
// votes twice.
func TestCommitteeQuorum(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		doc, v := e.create(e.director, input(policy.Standard, "委員会で承認する基準", standardBody))
		e.must(e.step(e.director, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.Submit(ctx, tx, sc, e.director, doc.ID, v.ID)
		}))
		vote := func(p authz.Principal) (policy.Version, error) {
			return e.step(p, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
				return policy.Vote(ctx, tx, sc, p, doc.ID, v.ID)
			})
		}
		if _, err := vote(e.committeeA); err == nil {
			t.Fatal("vote counted without a quorum")
		} else if r, ok := policy.AsRefusal(err); !ok || r.Key != "policy.refused.committee_not_used" {
			t.Errorf("vote without quorum: %v", err)
		}
		setQuorum := func(p authz.Principal, n int) error {
			return e.tx(func(tx *db.Tx) error { return policy.SetCommitteeQuorum(ctx, tx, e.as(p), p, n) })
		}
		if err := setQuorum(e.ciso, 2); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("quorum set without settings permission: %v", err)
		}
		if err := setQuorum(e.admin, -1); fieldKey(err, "committee_quorum") != "error.range" {
			t.Errorf("negative quorum: %v", err)
		}
		if err := setQuorum(e.admin, 2); err != nil {
			t.Fatal(err)
		}
		if n, err := policy.CommitteeQuorum(ctx, e.d, e.sc); err != nil || n != 2 {
			t.Errorf("quorum %d %v", n, err)
		}
		// Only committee members vote.
		if _, err := vote(e.officer); !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("officer voted: %v", err)
		}
		got, err := vote(e.committeeA)
		if err != nil || got.Status != policy.InReview || got.Votes != 1 {
			t.Fatalf("first vote: %+v %v", got, err)
		}
		if _, err := vote(e.committeeA); err == nil {
			t.Error("second vote by the same member counted")
		} else if r, ok := policy.AsRefusal(err); !ok || r.Key != "policy.refused.already_voted" {
			t.Errorf("second vote: %v", err)
		}
		got, err = vote(e.committeeB)
		if err != nil || got.Status != policy.Approved || got.ApprovalKind != "committee" || got.ApprovedBy != 0 || got.Votes != 2 {
			t.Fatalf("quorum reached: %+v %v", got, err)
		}
		voters, err := policy.ListVotes(ctx, e.d, e.sc, e.ciso, doc.ID, v.ID)
		if err != nil || len(voters) != 2 || voters[0].PersonID != e.committeeA.PersonID || voters[1].Name != "委員 次郎" {
			t.Errorf("voters: %+v %v", voters, err)
		}
		// A committee member who wrote a version cannot vote for it.
		var author authz.Principal
		author = e.director
		author.Assignments = append(author.Assignments, authz.Assignment{Role: authz.Committee, ScopeKind: authz.ScopeOrg})
		doc2, v2 := e.create(author, input(policy.Guideline, "委員が起案した手引", standardBody))
		e.must(e.step(author, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.Submit(ctx, tx, sc, author, doc2.ID, v2.ID)
		}))
		_, err = e.step(author, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.Vote(ctx, tx, sc, author, doc2.ID, v2.ID)
		})
		if r, ok := policy.AsRefusal(err); !ok || r.Key != "policy.refused.own_vote" || !errors.Is(err, authz.ErrForbidden) {
			t.Errorf("author's vote: %v", err)
		}
		// Sending back clears the votes: the next review starts afresh.
		got, err = e.step(e.committeeA, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.Vote(ctx, tx, sc, e.committeeA, doc2.ID, v2.ID)
		})
		if err != nil || got.Votes != 1 {
			t.Fatalf("vote on the second: %+v %v", got, err)
		}
		got = e.must(e.step(e.ciso, func(tx *db.Tx, sc scope.Scope) (policy.Version, error) {
			return policy.SendBack(ctx, tx, sc, e.ciso, doc2.ID, v2.ID, "再検討")
		}))
		if got.Votes != 0 || got.Status != policy.Draft {
			t.Errorf("sent back: %+v", got)
		}
	})
}
