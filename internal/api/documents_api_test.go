package api_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/trail"
)

// docPeople are the people a document fixture is written and approved
// by: none of them is a role holder of the route table, so no holder is
// ever refused as the author.
type docPeople struct {
	author, approver authz.Principal
}

// docPeopleOf holds each env's docPeople (env belongs to the shared
// helpers; tests run in parallel, each with its own env).
var docPeopleOf sync.Map // *env → *docPeople

func (e *env) docPeople(t *testing.T) *docPeople {
	t.Helper()
	if dp, ok := docPeopleOf.Load(e); ok {
		return dp.(*docPeople)
	}
	ctx := context.Background()
	dp := &docPeople{}
	for _, x := range []struct {
		p    *authz.Principal
		name string
		role authz.Role
	}{{&dp.author, "起案 者", authz.SecurityDirector}, {&dp.approver, "承認 者", authz.CISO}} {
		pid := e.newPerson(t, x.name, "", e.s3, org.AssignmentInput{Role: string(x.role)})
		e.tx(t, func(tx *db.Tx) (err error) {
			*x.p, err = org.Principal(ctx, tx, e.sc, pid)
			return err
		})
	}
	// The committee approves with three votes, so one vote leaves the
	// version in review.
	e.tx(t, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE organisations SET committee_quorum = 3 WHERE id = ?`, e.org.ID)
		return err
	})
	docPeopleOf.Store(e, dp)
	return dp
}

// newDocument creates a document as the fixture author and takes its
// first version as far as upTo (draft, in_review, approved, published).
func (e *env) newDocument(t *testing.T, in policy.DocumentInput, upTo policy.Status) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	dp := e.docPeople(t)
	var d policy.Document
	var v policy.Version
	e.tx(t, func(tx *db.Tx) (err error) {
		d, v, err = policy.CreateDocument(ctx, tx, e.sc, dp.author, in)
		return err
	})
	steps := []struct {
		to Status
		fn func(tx *db.Tx) error
	}{
		{policy.InReview, func(tx *db.Tx) error {
			_, err := policy.Submit(ctx, tx, e.sc, dp.author, d.ID, v.ID)
			return err
		}},
		{policy.Approved, func(tx *db.Tx) error {
			_, err := policy.Approve(ctx, tx, e.sc, dp.approver, d.ID, v.ID)
			return err
		}},
		{policy.Published, func(tx *db.Tx) error {
			_, err := policy.Publish(ctx, tx, e.sc, dp.author, d.ID, v.ID, "2026-04-01")
			return err
		}},
	}
	for _, s := range steps {
		if order(upTo) < order(s.to) {
			break
		}
		e.tx(t, s.fn)
	}
	return d.ID, v.ID
}

type Status = policy.Status

func order(s policy.Status) int {
	for i, x := range policy.Statuses {
		if x == s {
			return i
		}
	}
	return -1
}

// documentInput is a 対策基準 for all staff.
func documentInput(title, body string) policy.DocumentInput {
	in := policy.NewDocumentInput()
	in.Type, in.Title, in.Body, in.AckRequired = "standard", title, body, false
	return in
}

// documentFixture is the document and version a route of the table
// works on, in the state the route needs.
func (e *env) documentFixture(t *testing.T, route string) (int64, int64) {
	t.Helper()
	in := documentInput(fmt.Sprintf("ルート表の基準 %d", bodySeq.Add(1)), "# 1 目的\n\n情報資産を守る。")
	// Everyone (the role holder included) is asked to acknowledge it.
	in.AckRequired = strings.HasSuffix(route, "/acknowledge")
	upTo := policy.Published
	switch {
	case strings.HasPrefix(route, "PATCH ") && strings.Contains(route, "{vid}"), strings.HasSuffix(route, "/submit"):
		upTo = policy.Draft
	case strings.HasSuffix(route, "/approve"), strings.HasSuffix(route, "/vote"), strings.HasSuffix(route, "/send-back"),
		strings.HasPrefix(route, "POST ") && strings.HasSuffix(route, "/comments"):
		upTo = policy.InReview
	case strings.HasSuffix(route, "/publish"):
		upTo = policy.Approved
	}
	return e.newDocument(t, in, upTo)
}

func newDocumentBody(e *env, f fixture) any {
	return map[string]any{"type": "standard", "title": fmt.Sprintf("新しい基準 %d", bodySeq.Add(1)), "body": "# 1 目的\n\n本文"}
}
func retitleDocumentBody(e *env, f fixture) any {
	return map[string]any{"title": fmt.Sprintf("改題した基準 %d", bodySeq.Add(1))}
}
func redraftBody(e *env, f fixture) any {
	return map[string]any{"body": "# 1 目的\n\n書き直した本文"}
}
func sendBackBody(e *env, f fixture) any {
	return map[string]any{"reason": "表現を見直してください。"}
}
func publishBody(e *env, f fixture) any { return map[string]any{"effective_date": "2026-12-01"} }
func commentBody(e *env, f fixture) any {
	return map[string]any{"body": "第1条の趣旨を明確に。"}
}

// The walk through the API: a 統括 drafts a 対策基準 and a
// restricted 実施手順, the CISO approves them, the 統括 publishes them;
// a worker sees the standard and not a word of the procedure.
func TestDocumentsAPILifeCycle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "文書財団")
		director := e.holder(t, authz.SecurityDirector)
		ciso := e.holder(t, authz.CISO)
		worker := e.newUser(t, "職員 一般", e.s1)
		insider := e.newUser(t, "手順 担当", e.s3)

		res := e.do(t, req{Method: "POST", Path: "/api/v1/documents", Token: director.Token, Body: map[string]any{
			"type": "standard", "title": "情報セキュリティ対策基準", "number": "規程第3号", "body": "# 1 組織体制\n\n組織を定める。"}})
		if res.Status != 201 {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var std struct {
			ID, Title, Type, Visibility, Body, Status, EffectiveDate, VersionID string
			Version                                                             int
			Clauses                                                             []map[string]any
			AckRequired                                                         bool
		}
		res.Decode(t, &std)
		m := res.JSON(t)
		std.VersionID, std.EffectiveDate, std.AckRequired = m["version_id"].(string), m["effective_date"].(string), m["ack_required"].(bool)
		if std.ID == "" || std.Type != "standard" || std.Visibility != "staff" || std.Status != "draft" || std.Version != 1 ||
			std.Body != "# 1 組織体制\n\n組織を定める。" || std.Clauses == nil || !std.AckRequired || std.VersionID == "" {
			t.Errorf("created: %s", res.Body)
		}
		res = e.do(t, req{Method: "POST", Path: "/api/v1/documents", Token: director.Token, Body: map[string]any{
			"type": "procedure", "title": "鍵管理実施手順", "body": "# 1 手順\n\n鍵は" + secretWord + "で保管する。", "ack_required": false,
			"access": []map[string]string{{"kind": "person", "ref": id(insider.ID)}}}})
		if res.Status != 201 {
			t.Fatalf("create procedure: %d %s", res.Status, res.Body)
		}
		proc := res.JSON(t)
		if proc["visibility"] != "restricted" {
			t.Errorf("procedure visibility %v", proc["visibility"])
		}
		for _, doc := range []map[string]any{{"id": std.ID, "version_id": std.VersionID}, proc} {
			base := "/api/v1/documents/" + doc["id"].(string) + "/versions/" + doc["version_id"].(string)
			for _, step := range []struct {
				path  string
				token string
				body  any
				want  string
			}{
				{base + "/submit", director.Token, nil, "in_review"},
				{base + "/approve", ciso.Token, nil, "approved"},
				{base + "/publish", director.Token, map[string]any{"effective_date": "2026-12-01"}, "published"},
			} {
				res := e.do(t, req{Method: "POST", Path: step.path, Token: step.token, Body: step.body})
				if res.Status != 200 || res.JSON(t)["status"] != step.want {
					t.Fatalf("%s: %d %s", step.path, res.Status, res.Body)
				}
			}
		}
		res = e.do(t, req{Method: "GET", Path: "/api/v1/documents/" + std.ID, Token: worker.Token})
		got := res.JSON(t)
		if res.Status != 200 || got["status"] != "published" || got["effective_date"] != "2026-12-01" || got["next_review_date"] != "2027-12-01" {
			t.Errorf("standard for a worker: %d %s", res.Status, res.Body)
		}
		// The worker: the standard is listed and found, the procedure nowhere.
		res = e.do(t, req{Method: "GET", Path: "/api/v1/documents", Token: worker.Token})
		if res.Status != 200 || !strings.Contains(string(res.Body), "情報セキュリティ対策基準") || strings.Contains(string(res.Body), "鍵管理") {
			t.Errorf("worker's list: %s", res.Body)
		}
		procID, procVersion := proc["id"].(string), proc["version_id"].(string)
		for _, path := range []string{
			"/api/v1/documents?q=" + secretWord,
			"/api/v1/documents?q=%E9%8D%B5%E7%AE%A1%E7%90%86", // 鍵管理
			"/api/v1/documents/" + procID,
			"/api/v1/documents/" + procID + "/versions",
			"/api/v1/documents/" + procID + "/versions/" + procVersion,
			"/api/v1/documents/" + procID + "/versions/" + procVersion + "/comments",
			"/api/v1/documents/" + procID + "/compare?from=" + procVersion + "&to=" + procVersion,
		} {
			res := e.do(t, req{Method: "GET", Path: path, Token: worker.Token})
			if strings.Contains(string(res.Body), secretWord) || strings.Contains(string(res.Body), "鍵管理") {
				t.Errorf("%s shows the procedure to a worker: %s", path, res.Body)
			}
			if strings.Contains(path, "?q=") {
				if res.Status != 200 || len(res.JSON(t)["items"].([]any)) != 0 {
					t.Errorf("%s: %d %s", path, res.Status, res.Body)
				}
			} else if res.Status != 404 {
				t.Errorf("%s: %d, want 404", path, res.Status)
			}
		}
		// The person on the access list finds it by a word of its text.
		res = e.do(t, req{Method: "GET", Path: "/api/v1/documents?q=" + secretWord, Token: insider.Token})
		if items := res.JSON(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != procID {
			t.Errorf("insider's search: %s", res.Body)
		}
		// The trail's before/after: the administrator (trail reader, not on
		// the list) sees the procedure's entries redacted; the CISO sees them.
		admin := e.holder(t, authz.Admin)
		for _, c := range []struct {
			token string
			shows bool
		}{{admin.Token, false}, {ciso.Token, true}} {
			res := e.do(t, req{Method: "GET", Path: "/api/v1/trail?entity=document_version&limit=200", Token: c.token})
			if res.Status != 200 || strings.Contains(string(res.Body), secretWord) != c.shows {
				t.Errorf("trail shows the procedure %v, want %v: %d", !c.shows, c.shows, res.Status)
			}
		}
		// A new version, its draft changed, compared with the first.
		res = e.do(t, req{Method: "POST", Path: "/api/v1/documents/" + std.ID + "/versions", Token: director.Token})
		if res.Status != 201 {
			t.Fatalf("new version: %d %s", res.Status, res.Body)
		}
		v2 := res.JSON(t)["id"].(string)
		res = e.do(t, req{Method: "PATCH", Path: "/api/v1/documents/" + std.ID + "/versions/" + v2, Token: director.Token,
			Body: map[string]any{"body": "# 1 組織体制\n\n組織と役割を定める。", "change_summary": "役割を追加"}})
		if res.Status != 200 || res.JSON(t)["change_summary"] != "役割を追加" || res.JSON(t)["title"] != "情報セキュリティ対策基準" {
			t.Fatalf("edit draft: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "GET", Path: "/api/v1/documents/" + std.ID + "/compare?from=" + std.VersionID + "&to=" + v2, Token: director.Token})
		if res.Status != 200 || res.JSON(t)["to"].(map[string]any)["id"] != v2 {
			t.Errorf("compare: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "GET", Path: "/api/v1/documents/" + std.ID, Token: director.Token})
		if res.JSON(t)["draft_version_id"] != v2 || res.JSON(t)["version_id"] != std.VersionID {
			t.Errorf("director's view: %s", res.Body)
		}
		// The worker sees neither the draft nor its comparison.
		for _, path := range []string{"/api/v1/documents/" + std.ID + "/versions/" + v2,
			"/api/v1/documents/" + std.ID + "/compare?from=" + std.VersionID + "&to=" + v2} {
			if res := e.do(t, req{Method: "GET", Path: path, Token: worker.Token}); res.Status != 404 {
				t.Errorf("worker: %s: %d", path, res.Status)
			}
		}
		res = e.do(t, req{Method: "GET", Path: "/api/v1/documents/" + std.ID, Token: worker.Token})
		if _, ok := res.JSON(t)["draft_version_id"]; ok || strings.Contains(string(res.Body), "役割を追加") {
			t.Errorf("worker's view names the draft: %s", res.Body)
		}
		// Settings change with the lock version.
		res = e.do(t, req{Method: "PATCH", Path: "/api/v1/documents/" + std.ID, Token: director.Token,
			Body: map[string]any{"review_months": 24, "ack_departments": []string{id(e.s1)}, "lock_version": 1}})
		if res.Status != 409 {
			t.Errorf("stale settings: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "PATCH", Path: "/api/v1/documents/" + std.ID, Token: director.Token,
			Body: map[string]any{"review_months": 24, "ack_departments": []string{id(e.s1)}}})
		if res.Status != 200 || res.JSON(t)["review_months"] != float64(24) || fmt.Sprint(res.JSON(t)["ack_departments"]) != "["+id(e.s1)+"]" {
			t.Errorf("settings: %d %s", res.Status, res.Body)
		}
		if res := e.do(t, req{Method: "PATCH", Path: "/api/v1/documents/" + std.ID, Token: director.Token, Body: map[string]any{"body": "x"}}); res.Status != 400 {
			t.Errorf("PATCH with a body field: %d %s", res.Status, res.Body)
		}
	})
}

const secretWord = "ヤマザクラ符号"

// Refused steps answer with the rule's message and are in the trail once,
// as a denial of the version.
func TestDocumentsAPIRefusals(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "拒否財団")
		ciso := e.holder(t, authz.CISO)
		director := e.holder(t, authz.SecurityDirector)
		// The CISO's own draft, submitted.
		res := e.do(t, req{Method: "POST", Path: "/api/v1/documents", Token: ciso.Token, Body: map[string]any{"type": "guideline", "title": "CISOの手引", "body": "本文"}})
		own := res.JSON(t)
		ownBase := "/api/v1/documents/" + own["id"].(string) + "/versions/" + own["version_id"].(string)
		if res := e.do(t, req{Method: "POST", Path: ownBase + "/submit", Token: ciso.Token}); res.Status != 200 {
			t.Fatalf("submit: %d %s", res.Status, res.Body)
		}
		draftDoc, draftV := e.newDocument(t, documentInput("下書きの基準", "本文"), policy.Draft)
		pubDoc, pubV := e.newDocument(t, documentInput("公表済みの基準", "本文"), policy.Published)
		cases := []struct {
			name, path, token string
			method            string
			body              any
			status            int
			code, key         string
		}{
			{"approval by the author", ownBase + "/approve", ciso.Token, "POST", nil, 403, "forbidden", "policy.refused.own_approval"},
			{"publication without approval", fmt.Sprintf("/api/v1/documents/%d/versions/%d/publish", draftDoc, draftV), director.Token, "POST",
				map[string]any{"effective_date": "2026-12-01"}, 409, "conflict", "policy.refused.not_approved"},
			{"edit of a published version", fmt.Sprintf("/api/v1/documents/%d/versions/%d", pubDoc, pubV), director.Token, "PATCH",
				map[string]any{"body": "書き換え"}, 409, "conflict", "policy.refused.published_immutable"},
			{"vote on a draft", fmt.Sprintf("/api/v1/documents/%d/versions/%d/vote", draftDoc, draftV), e.holder(t, authz.Committee).Token, "POST",
				nil, 409, "conflict", "policy.refused.not_in_review"},
		}
		for _, c := range cases {
			before, _ := e.head(t)
			res := e.do(t, req{Method: c.method, Path: c.path, Token: c.token, Body: c.body, Header: map[string]string{"Accept-Language": "en"}})
			if res.Status != c.status || res.errorCode(t) != c.code {
				t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
				continue
			}
			if msg := res.JSON(t)["error"].(map[string]any)["message"].(string); msg != e.text("en", c.key) {
				t.Errorf("%s: message %q, want the rule's", c.name, msg)
			}
			after, _ := e.head(t)
			last := e.newest(t)
			if after != before+1 || last.Action != trail.Denied || last.Entity != policy.EntityVersion || !strings.Contains(last.After, c.key) {
				t.Errorf("%s: trail %d→%d, newest %+v", c.name, before, after, last)
			}
		}
		// Input problems name the field.
		res = e.do(t, req{Method: "POST", Path: "/api/v1/documents", Token: director.Token, Body: map[string]any{"type": "procedure", "title": "", "visibility": "public"}})
		if f := res.fieldCodes(t); res.Status != 400 || f["title"] != "error.required" || f["visibility"] != "policy.procedure_not_public" {
			t.Errorf("invalid document: %d %s", res.Status, res.Body)
		}
		res = e.do(t, req{Method: "POST", Path: "/api/v1/documents", Token: director.Token, Body: map[string]any{"type": "standard", "title": "x", "ack_departments": []int{1}}})
		if f := res.fieldCodes(t); res.Status != 400 || f["ack_departments"] == "" {
			t.Errorf("ids as numbers: %d %s", res.Status, res.Body)
		}
		for _, path := range []string{"/api/v1/documents?type=memo", "/api/v1/documents?cursor=%21%21", "/api/v1/documents?limit=0",
			fmt.Sprintf("/api/v1/documents/%d/compare?from=%d", pubDoc, pubV)} {
			if res := e.do(t, req{Method: "GET", Path: path, Token: director.Token}); res.Status != 400 {
				t.Errorf("%s: %d %s", path, res.Status, res.Body)
			}
		}
		if res := e.do(t, req{Method: "POST", Path: fmt.Sprintf("/api/v1/documents/%d/versions/%d/publish", pubDoc, pubV), Token: director.Token,
			Body: map[string]any{"effective_date": "2026-13-45"}}); res.Status != 409 {
			// Published already: the state is refused before the date is read.
			t.Errorf("publish twice: %d %s", res.Status, res.Body)
		}
	})
}

// text is a catalogue message.
func (e *env) text(lang, key string) string {
	cat, err := i18n.Load()
	if err != nil {
		panic(err)
	}
	return cat.T(lang, key)
}

// A list pages through every document once.
func TestDocumentsAPIPages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "頁財団")
		worker := e.newUser(t, "職員", e.s1)
		want := map[string]bool{}
		for i := range 7 {
			in := documentInput(fmt.Sprintf("基準 %d", i), "共通の本文")
			in.Number = fmt.Sprintf("第%02d号", i)
			doc, _ := e.newDocument(t, in, policy.Published)
			want[id(doc)] = true
		}
		e.newDocument(t, documentInput("未公表の基準", "共通の本文"), policy.InReview)
		seen := map[string]bool{}
		path := "/api/v1/documents?limit=3&q=%E5%85%B1%E9%80%9A" // 共通
		for pages := 0; path != ""; pages++ {
			res := e.do(t, req{Method: "GET", Path: path, Token: worker.Token})
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			res.Decode(t, &page)
			if res.Status != 200 || len(page.Items) > 3 || pages > 5 {
				t.Fatalf("page %d: %d %s", pages, res.Status, res.Body)
			}
			for _, it := range page.Items {
				if seen[it.ID] || !want[it.ID] {
					t.Errorf("item %s repeated or unexpected", it.ID)
				}
				seen[it.ID] = true
			}
			path = ""
			if page.NextCursor != "" {
				path = "/api/v1/documents?limit=3&q=%E5%85%B1%E9%80%9A&cursor=" + page.NextCursor
			}
		}
		if len(seen) != len(want) {
			t.Errorf("saw %d of %d", len(seen), len(want))
		}
	})
}

// Acknowledgement through the API: once by those asked; refused, and kept
// in the trail, for someone outside the version's scope.
func TestDocumentsAPIAcknowledge(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, "確認財団")
		asked := e.newUser(t, "人事 課員", e.s2)
		outside := e.newUser(t, "総務 課員", e.s1)
		in := documentInput("人事課の手引", "# 1 目的\n\n人事情報を守る。")
		in.Type, in.AckRequired, in.AckDepartments = "guideline", true, policy.IDs{e.s2}
		doc, v := e.newDocument(t, in, policy.Published)
		path := fmt.Sprintf("/api/v1/documents/%d/versions/%d/acknowledge", doc, v)
		res := e.do(t, req{Method: "POST", Path: path, Token: asked.Token})
		if res.Status != 200 || res.JSON(t)["asked"] != true || res.JSON(t)["acknowledged_at"] == nil {
			t.Fatalf("acknowledge: %d %s", res.Status, res.Body)
		}
		if res := e.do(t, req{Method: "POST", Path: path, Token: asked.Token}); res.Status != 409 || !bytes.Contains(res.Body, []byte("既に確認済み")) {
			t.Errorf("second acknowledgement: %d %s", res.Status, res.Body)
		}
		docPath := fmt.Sprintf("/api/v1/documents/%d", doc)
		mine, _ := e.do(t, req{Method: "GET", Path: docPath, Token: asked.Token}).JSON(t)["acknowledgement"].(map[string]any)
		if mine["asked"] != true || mine["acknowledged_at"] == nil {
			t.Errorf("the document shows its reader's acknowledgement as %v", mine)
		}
		theirs, _ := e.do(t, req{Method: "GET", Path: docPath, Token: outside.Token}).JSON(t)["acknowledgement"].(map[string]any)
		if theirs["asked"] != false || theirs["acknowledged_at"] != nil {
			t.Errorf("someone not asked sees %v", theirs)
		}
		before, _ := e.head(t)
		res = e.do(t, req{Method: "POST", Path: path, Token: outside.Token})
		if res.Status != 403 || res.errorCode(t) != "forbidden" {
			t.Errorf("out of scope: %d %s", res.Status, res.Body)
		}
		after, _ := e.head(t)
		if last := e.newest(t); after != before+1 || last.Action != trail.Denied || !strings.Contains(last.After, "out_of_scope") {
			t.Errorf("refusal in the trail: %d→%d %+v", before, after, last)
		}
	})
}
