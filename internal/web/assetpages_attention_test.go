package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"mamori/internal/asset"
	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/dbtest"
	"mamori/internal/firststart"
	"mamori/internal/httpx"
	"mamori/internal/i18n"
	"mamori/internal/org"
	"mamori/internal/scope"
)

// The home page's 要対応 list names the assets a person is responsible for
// that break a network-domain rule or are overdue, with what each needs;
// someone with nothing there gets nil, so the home page leaves it out.
func TestAssetPagesAttention(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := firststart.Bootstrap(ctx, d, "", "kawa-no-nagare-2026-test, twice", io.Discard); err != nil {
			t.Fatal(err)
		}
		o, err := org.First(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		cat, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		s := New(Config{DB: d, Catalog: cat, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		sc := scope.System(o.ID, "test")
		var owner, other org.Person
		var terminal asset.Asset
		err = d.Transact(ctx, func(tx *db.Tx) error {
			dept, err := org.CreateDepartment(ctx, tx, sc, org.DepartmentInput{Name: "総務部"})
			if err != nil {
				return err
			}
			if owner, err = org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: "山田 太郎", DepartmentID: dept.ID}); err != nil {
				return err
			}
			if other, err = org.CreatePerson(ctx, tx, sc, org.PersonInput{Name: "佐藤 花子", DepartmentID: dept.ID}); err != nil {
				return err
			}
			for i, p := range []org.Person{owner, other} {
				if err := auth.CreateAccount(ctx, tx, sc, p.ID, "user"+itoa(int64(i)), "Quiet-Harbour-Lantern-2025", false); err != nil {
					return err
				}
			}
			ciso := authz.Principal{Assignments: []authz.Assignment{{Role: authz.CISO, ScopeKind: authz.ScopeOrg}}}
			terminal, err = asset.Create(ctx, tx, sc, ciso, asset.Input{Name: "マイナンバー端末", Kind: "equipment", DepartmentID: dept.ID,
				OwnerID: owner.ID, Domain: "mynumber", MFAOnTerminals: "yes", TakeoutDisabled: "yes", Confidentiality: "2",
				Integrity: "1", Availability: "1"})
			if err != nil {
				return err
			}
			_, err = asset.Create(ctx, tx, sc, ciso, asset.Input{Name: "古い名簿", Kind: "information", DepartmentID: dept.ID,
				OwnerID: owner.ID, NextReviewDate: "2020-04-01", Confidentiality: "1", Integrity: "1", Availability: "1"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		as := func(pid int64) (any, error) {
			id, err := httpx.LoadIdentity(ctx, d, o.ID, pid)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			return s.assetAttention(r.WithContext(httpx.WithIdentity(r.Context(), id)))
		}
		got, err := as(owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		list, ok := got.(assetAttentionList)
		if !ok || list.Total != 2 || len(list.Items) != 2 {
			t.Fatalf("owner's list: %#v", got)
		}
		var text []string
		for _, it := range list.Items {
			text = append(text, it.Name+": "+strings.Join(it.Reasons, " / "))
		}
		all := strings.Join(text, "\n")
		for _, want := range []string{"マイナンバー端末", cat.T("ja", "asset.warning.isolated_from_other_domains.unknown"),
			"古い名簿", cat.T("ja", "asset.review_overdue")} {
			if !strings.Contains(all, want) {
				t.Errorf("owner's list lacks %q:\n%s", want, all)
			}
		}
		if got, err := as(other.ID); err != nil || got != nil {
			t.Errorf("someone responsible for nothing: %#v, %v", got, err)
		}

		// The partial renders in every page set, the home page's included.
		pt := s.pages["home"].Get().(*pageTemplate)
		pt.state.lang = "ja"
		var buf bytes.Buffer
		if err := pt.t.ExecuteTemplate(&buf, "asset_attention", list); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`href="/assets/` + itoa(terminal.ID) + `"`, "マイナンバー端末", cat.T("ja", "asset.attention_title")} {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("partial lacks %q", want)
			}
		}
	})
}
