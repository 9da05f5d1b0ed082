package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/policy"
)

// The document set under the basic policy: the 対策基準 chapters of the
// guideline, procedures for systems and offices (restricted), emergency
// plans and guidance.
var standardChapters = []string{"組織体制", "情報資産の分類と管理", "情報システム全体の強靱性の向上", "物理的セキュリティ",
	"人的セキュリティ", "技術的セキュリティ", "運用", "業務委託と外部サービスの利用", "評価・見直し"}

var procedureTopics = []string{"サーバ室入退室管理", "パスワード管理", "USBメモリ等の外部記録媒体の取扱い", "バックアップ取得及び復旧",
	"ウイルス対策ソフトの更新", "アクセス権限の付与及び削除", "ログの取得及び点検", "LGWAN接続端末の運用", "マイナンバー利用事務系端末の運用",
	"インターネットメールの無害化", "委託事業者への情報提供", "情報資産の廃棄", "ソーシャルメディアアカウントの運用", "テレワーク端末の管理", "障害発生時の連絡"}

var planTopics = []string{"情報セキュリティインシデント発生時の緊急時対応計画", "大規模災害時の情報システム業務継続計画"}

var guideTopics = []string{"職員向け情報セキュリティハンドブック", "標的型メール訓練の手引", "在宅勤務における情報セキュリティの手引"}

var clauseSentences = []string{
	"%sについて、責任者を定め、その責任の範囲を明確にする。",
	"%sに当たっては、情報資産の分類に応じた取扱いを徹底する。",
	"%sの実施状況を定期的に確認し、その結果を統括情報セキュリティ責任者に報告する。",
	"%sに関する記録は、所定の期間保存し、必要に応じて閲覧できるようにする。",
	"職員等は、%sについて定められた手順を遵守しなければならない。",
	"%sに関して例外措置を講じる場合は、最高情報セキュリティ責任者の許可を得る。",
}

// body writes a document's text: numbered sections with items, as the
// organisation's own documents are written, with a revision mark so each
// version differs from the one before.
func (s *seeder) body(title string, rev int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	sections := []string{"目的", "適用範囲", "管理体制", "遵守事項", "点検及び見直し"}
	for i, sec := range sections {
		fmt.Fprintf(&b, "## %d %s\n\n", i+1, sec)
		for j := range 2 + s.rnd.IntN(3) {
			fmt.Fprintf(&b, "### (%d) %s%s\n\n", j+1, title[:min(len(title), len(title))], []string{"の基本", "の手順", "の記録", "の確認", "の例外"}[j%5])
			fmt.Fprintf(&b, clauseSentences[s.rnd.IntN(len(clauseSentences))]+"\n\n", title)
			if s.rnd.IntN(3) == 0 {
				for k, mark := range []string{"①", "②", "③"}[:1+s.rnd.IntN(3)] {
					fmt.Fprintf(&b, "- %s %s\n", mark, fmt.Sprintf(clauseSentences[(j+k)%len(clauseSentences)], sec))
				}
				b.WriteString("\n")
			}
		}
	}
	fmt.Fprintf(&b, "## 附則\n\nこの%sは、第%d版として施行する。\n", "文書", rev)
	return b.String()
}

// documents writes the document set with its published versions, and the
// acknowledgements most people gave before the next version replaced each.
func (s *seeder) documents(ctx context.Context) error {
	director := authz.Principal{PersonID: s.logins["demo-director"], Assignments: []authz.Assignment{{Role: authz.SecurityDirector, ScopeKind: authz.ScopeOrg}}}
	ciso := authz.Principal{PersonID: s.logins["demo-ciso"], Assignments: []authz.Assignment{{Role: authz.CISO, ScopeKind: authz.ScopeOrg}}}
	dsc, csc := s.sc, s.sc
	dsc.ActorID, csc.ActorID = director.PersonID, ciso.PersonID
	var basic int64
	if err := s.d.QueryRowContext(ctx, `SELECT id FROM documents WHERE org_id = ? AND doc_type = 'basic_policy' ORDER BY id LIMIT 1`, s.sc.OrgID).Scan(&basic); err != nil {
		return fmt.Errorf("cannot find the basic policy: %w", err)
	}
	type plan struct {
		in policy.DocumentInput
	}
	var plans []plan
	add := func(t policy.Type, number, title string, parent int64, vis policy.Visibility, access []policy.Access) {
		in := policy.NewDocumentInput()
		in.Type, in.Number, in.Title, in.ParentID, in.Visibility, in.Access = string(t), number, title, parent, string(vis), access
		in.OwnerID = director.PersonID
		plans = append(plans, plan{in})
	}
	for i, ch := range standardChapters {
		add(policy.Standard, fmt.Sprintf("対策基準第%d章", i+1), "情報セキュリティ対策基準 "+ch, basic, policy.Staff, nil)
	}
	for i, t := range procedureTopics {
		b := s.bureau[i%len(s.bureau)]
		add(policy.Procedure, fmt.Sprintf("実施手順%02d", i+1), t+"実施手順", 0, policy.Restricted,
			[]policy.Access{{Kind: policy.AccessDepartment, Ref: strconv.FormatInt(b, 10)}, {Kind: policy.AccessRole, Ref: string(authz.SystemAdmin)}})
	}
	for i, t := range planTopics {
		add(policy.EmergencyPlan, fmt.Sprintf("計画%d", i+1), t, 0, policy.Staff, nil)
	}
	for i, t := range guideTopics {
		add(policy.Guideline, fmt.Sprintf("手引%d", i+1), t, 0, policy.Staff, nil)
	}
	// The demo's number of documents besides the basic policy, and
	// versions spread over them (at least one each).
	plans = plans[:min(len(plans), s.sizes.Documents)]
	versions := make([]int, len(plans))
	for i := range versions {
		versions[i] = 1
	}
	for left := s.sizes.Versions - len(plans); left > 0; left-- {
		versions[s.rnd.IntN(len(versions))]++
	}
	everyone := make([]int64, len(s.people))
	for i, p := range s.people {
		everyone[i] = p.id
	}
	for i, pl := range plans {
		err := s.d.Transact(ctx, func(tx *db.Tx) error {
			pl.in.Body = s.body(pl.in.Title, 1)
			pl.in.ChangeSummary = "制定"
			d, v, err := policy.CreateDocument(ctx, tx, dsc, director, pl.in)
			if err != nil {
				return err
			}
			effective := time.Date(2017, 4, 1, 0, 0, 0, 0, time.UTC)
			for n := 1; n <= versions[i]; n++ {
				if n > 1 {
					if v, err = policy.NewDraft(ctx, tx, dsc, director, d.ID); err != nil {
						return err
					}
					if v, err = policy.UpdateDraft(ctx, tx, dsc, director, d.ID, v.ID, policy.DraftInput{Title: v.Title,
						Body: s.body(pl.in.Title, n), ChangeSummary: fmt.Sprintf("第%d版への改正", n), LockVersion: v.LockVersion}); err != nil {
						return err
					}
				}
				if _, err = policy.Submit(ctx, tx, dsc, director, d.ID, v.ID); err != nil {
					return err
				}
				if _, err = policy.Approve(ctx, tx, csc, ciso, d.ID, v.ID); err != nil {
					return err
				}
				if _, err = policy.Publish(ctx, tx, dsc, director, d.ID, v.ID, effective.Format("2006-01-02")); err != nil {
					return err
				}
				// Most people acknowledge; the newest version still has
				// some waiting, as in life.
				share := 95
				if n == versions[i] {
					share = 70
				}
				var who []int64
				for _, id := range everyone {
					if s.rnd.IntN(100) < share {
						who = append(who, id)
					}
				}
				if _, err := policy.RecordAcknowledgements(ctx, tx, dsc, d.ID, v.ID, who, db.Now()); err != nil {
					return err
				}
				effective = effective.AddDate(0, 3+s.rnd.IntN(9), 0)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("document %q: %w", pl.in.Title, err)
		}
	}
	return nil
}
