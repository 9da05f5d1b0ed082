package demo

import (
	"context"
	"fmt"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/inspection"
)

// checkTopics are the 分類 of the self-inspection checklist, each with the
// clause of the basic policy its items check, and the practices asked
// about.
var checkTopics = []struct {
	category, clause string
	practices        []string
}{
	{"情報資産の管理", "6-(2)", []string{"情報資産台帳を最新の状態に保っている", "情報資産に分類を表示している", "機密性3の情報を施錠できる場所に保管している",
		"不要になった情報資産を定められた方法で廃棄している", "情報資産の持ち出しについて許可を得ている"}},
	{"物理的セキュリティ", "6-(4)", []string{"サーバ室の入退室を記録している", "離席時に端末をロックしている", "退庁時に机上に書類を残していない",
		"来訪者を執務室内で一人にしていない", "記録媒体を施錠保管している"}},
	{"人的セキュリティ", "6-(5)", []string{"情報セキュリティ研修を受講した", "情報セキュリティポリシーの改定内容を確認した",
		"インシデントの連絡先を知っている", "退職・異動者のアカウントを速やかに削除している", "委託事業者に遵守事項を伝えている"}},
	{"技術的セキュリティ", "6-(6)", []string{"パスワードを他人に教えていない", "ウイルス対策ソフトの定義ファイルが最新である",
		"許可されていないソフトウェアを導入していない", "不審なメールの添付ファイルを開いていない", "USBメモリを許可なく使用していない"}},
	{"運用", "6-(7)", []string{"アクセスログを定期的に点検している", "バックアップを定期的に取得している", "バックアップからの復旧を試験している",
		"システムの変更を記録している", "情報システムの障害を記録している"}},
}

// campaigns writes a self-inspection checklist of 100 items and three
// years of campaigns over every department, everyone answering (the latest
// still open, with a tenth of the people yet to answer), the results
// improving from year to year. The answers are loaded in bulk
// (inspection.LoadAnswers), one submission per person in the trail.
func (s *seeder) campaigns(ctx context.Context) error {
	ciso := authz.Principal{PersonID: s.logins["demo-ciso"], Assignments: []authz.Assignment{{Role: authz.CISO, ScopeKind: authz.ScopeOrg}}}
	csc := s.sc
	csc.ActorID = ciso.PersonID
	var items []inspection.ItemInput
	for i := range 100 {
		t := checkTopics[i%len(checkTopics)]
		p := t.practices[(i/len(checkTopics))%len(t.practices)]
		round := i / (len(checkTopics) * len(t.practices))
		q := p + "か。"
		if round > 0 {
			q = fmt.Sprintf("%s（%s）か。", p, []string{"課室として", "担当システムについて", "委託業務について"}[(round-1)%3])
		}
		items = append(items, inspection.ItemInput{Code: fmt.Sprintf("%d-%d", i%len(checkTopics)+1, i/len(checkTopics)+1),
			Category: t.category, Question: q, Respondent: "all", Priority: i%9 == 0, ClauseText: "基本方針 " + t.clause})
	}
	var cl inspection.Checklist
	if err := s.d.Transact(ctx, func(tx *db.Tx) (err error) {
		if cl, err = inspection.CreateChecklist(ctx, tx, csc, ciso, inspection.ChecklistInput{Title: "情報セキュリティ自己点検表", Items: items}); err != nil {
			return err
		}
		cl, err = inspection.Activate(ctx, tx, csc, ciso, cl.ID)
		return err
	}); err != nil {
		return fmt.Errorf("cannot write the checklist: %w", err)
	}
	asked, err := inspection.Items(ctx, s.d, csc, cl.ID)
	if err != nil {
		return err
	}
	answers := []string{"done", "partial", "not_done", "na"}
	for year := range 3 {
		last := year == 2
		err := s.d.Transact(ctx, func(tx *db.Tx) error {
			c, err := inspection.CreateCampaign(ctx, tx, csc, ciso, inspection.CampaignInput{
				Title: fmt.Sprintf("令和%d年度 情報セキュリティ自己点検", 5+year), ChecklistID: cl.ID,
				StartsOn: fmt.Sprintf("%d-07-01", 2023+year), EndsOn: fmt.Sprintf("%d-07-31", 2023+year), DepartmentIDs: s.bureau})
			if err != nil {
				return err
			}
			if c, err = inspection.Open(ctx, tx, csc, ciso, c.ID); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT person_id FROM campaign_respondents WHERE org_id = ? AND campaign_id = ? ORDER BY person_id`, s.sc.OrgID, c.ID)
			if err != nil {
				return err
			}
			var people []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				people = append(people, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			// 実施 grows from 70% to 86% over the three years.
			done := 70 + 8*year
			var load []inspection.LoadedAnswers
			for _, id := range people {
				if last && s.rnd.IntN(10) == 0 {
					continue // yet to answer
				}
				la := inspection.LoadedAnswers{PersonID: id}
				for _, it := range asked {
					a := answers[0]
					switch n := s.rnd.IntN(100); {
					case n >= done+20:
						a = answers[3]
					case n >= done+10:
						a = answers[2]
					case n >= done:
						a = answers[1]
					}
					la.Answers = append(la.Answers, inspection.AnswerInput{ItemID: it.ID, Answer: a})
				}
				load = append(load, la)
			}
			if err := inspection.LoadAnswers(ctx, tx, csc, ciso, c.ID, load); err != nil {
				return err
			}
			if !last {
				_, err = inspection.Close(ctx, tx, csc, ciso, c.ID)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("cannot write campaign %d: %w", year+1, err)
		}
	}
	return nil
}
