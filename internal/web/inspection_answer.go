package web

// The answer form of a campaign: the items a person is asked, grouped by
// 分類, each with the four answers, a comment and an optional evidence file.
// One submission saves every answer given (or none), as one trail entry.

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/inspection"
	"mamori/internal/validate"
)

// inspAnswerPage is the form.
type inspAnswerPage struct {
	S        inspection.Sheet
	StartsOn string
	EndsOn   string
	Groups   []inspAnswerGroup
	Answers  []inspection.Answer
	Open     bool
	Percent  int
	MaxFile  string
	// Problems lists a refused submission's problems, each linking to its item.
	Problems []inspAnswerProblem
}

// inspAnswerProblem is one problem of a submission in the reader's words.
type inspAnswerProblem struct {
	Anchor string
	Text   string
}

// inspAnswerGroup is the items of one 分類.
type inspAnswerGroup struct {
	Category string
	Items    []inspection.AnsweredItem
}

func (s *Server) inspAnswerData(r *http.Request, sh inspection.Sheet) inspAnswerPage {
	p := inspAnswerPage{S: sh, StartsOn: s.inspDayText(r, sh.Campaign.StartsOn), EndsOn: s.inspDayText(r, sh.Campaign.EndsOn),
		Answers: inspection.Answers, Open: sh.Open()}
	if sh.Respondent.ItemsTotal > 0 {
		p.Percent = sh.Respondent.ItemsAnswered * 100 / sh.Respondent.ItemsTotal
	}
	for _, it := range sh.Items {
		if n := len(p.Groups); n > 0 && p.Groups[n-1].Category == it.Category {
			p.Groups[n-1].Items = append(p.Groups[n-1].Items, it)
			continue
		}
		p.Groups = append(p.Groups, inspAnswerGroup{Category: it.Category, Items: []inspection.AnsweredItem{it}})
	}
	_, sc := inspectionCtx(r)
	if n, err := evidence.MaxBytes(r.Context(), s.db, sc); err == nil {
		p.MaxFile = evidence.FormatSize(n)
	}
	return p
}

func (s *Server) campaignAnswerForm(w http.ResponseWriter, r *http.Request) error {
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	sh, err := inspection.MySheet(r.Context(), s.db, sc, id.Principal, cid)
	if handled, rerr := s.inspRefused(w, r, err); handled {
		return rerr
	}
	if err != nil {
		return err
	}
	return s.render(w, r, "campaign_answer", "campaign.answer_title", s.inspAnswerData(r, sh))
}

// inspAnswerInputs reads the form: answer_<item>, comment_<item> and the file
// evidence_<item>, for every item the form names (a form naming an item
// the person is not asked is refused as a whole by package inspection).
func inspAnswerInputs(r *http.Request) ([]inspection.AnswerInput, func(), error) {
	ids := map[int64]bool{}
	var order []int64
	note := func(key, prefix string) {
		if rest, ok := strings.CutPrefix(key, prefix); ok {
			if n, err := strconv.ParseInt(rest, 10, 64); err == nil && n > 0 && !ids[n] {
				ids[n] = true
				order = append(order, n)
			}
		}
	}
	for k := range r.PostForm {
		note(k, "answer_")
		note(k, "comment_")
	}
	if r.MultipartForm != nil {
		for k, fs := range r.MultipartForm.File {
			if len(fs) > 0 && fs[0].Size > 0 {
				note(k, "evidence_")
			}
		}
	}
	var closers []func()
	done := func() {
		for _, c := range closers {
			c()
		}
	}
	var in []inspection.AnswerInput
	for _, n := range order {
		a := inspection.AnswerInput{ItemID: n, Answer: r.PostFormValue(fmt.Sprintf("answer_%d", n)),
			Comment: r.PostFormValue(fmt.Sprintf("comment_%d", n))}
		if r.MultipartForm != nil {
			if fs := r.MultipartForm.File[fmt.Sprintf("evidence_%d", n)]; len(fs) > 0 && fs[0].Size > 0 {
				f, err := fs[0].Open()
				if err != nil {
					done()
					return nil, nil, err
				}
				closers = append(closers, func() { f.Close() })
				a.File = &inspection.FileInput{Name: fs[0].Filename, R: f}
			}
		}
		in = append(in, a)
	}
	return in, done, nil
}

func (s *Server) campaignAnswer(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, sc := inspectionCtx(r)
	cid, err := mustID(r, "id")
	if err != nil {
		return err
	}
	in, done, err := inspAnswerInputs(r)
	if err != nil {
		return err
	}
	defer done()
	var st inspection.RespondentStatus
	err = s.transact(ctx, func(tx *db.Tx) (err error) {
		st, err = inspection.SaveAnswers(ctx, tx, sc, id.Principal, cid, in)
		return err
	})
	if handled, rerr := s.inspRefused(w, r, err); handled {
		return rerr
	}
	var er *inspection.EvidenceRefused
	if errors.As(err, &er) {
		if rerr := evidence.RecordRefusal(ctx, s.db, sc, er.Err); rerr != nil {
			return rerr
		}
		err = validate.Errors{er.Field(): er.Problem()}
	}
	if _, invalid := validate.As(err); invalid {
		sh, serr := inspection.MySheet(ctx, s.db, sc, id.Principal, cid)
		if serr != nil {
			return serr
		}
		data := s.inspAnswerData(r, sh)
		fe, _ := s.fieldErrors(r, err)
		for _, it := range sh.Items {
			for _, f := range []string{"answer", "comment", "file"} {
				if msg, ok := fe[fmt.Sprintf("answers.%d.%s", it.ID, f)]; ok {
					label := it.Code
					if label == "" {
						label = inspClipRunes(it.Question, 20)
					}
					data.Problems = append(data.Problems, inspAnswerProblem{Anchor: fmt.Sprintf("item-%d", it.ID), Text: label + ": " + msg})
				}
			}
		}
		return s.renderForm(w, r, "campaign_answer", "campaign.answer_title", data, err)
	}
	if err != nil {
		return inspectionError(err, authz.AnswerCampaigns)
	}
	lang := s.lang(r)
	if st.ItemsTotal > 0 && st.ItemsAnswered >= st.ItemsTotal {
		s.setFlash(w, r, "success", s.cat.T(lang, "campaign.answers_complete"))
		http.Redirect(w, r, fmt.Sprintf("/campaigns/%d", cid), http.StatusSeeOther)
		return nil
	}
	s.setFlash(w, r, "success", s.cat.T(lang, "campaign.answers_saved", st.ItemsAnswered, st.ItemsTotal))
	http.Redirect(w, r, fmt.Sprintf("/campaigns/%d/answer", cid), http.StatusSeeOther)
	return nil
}
