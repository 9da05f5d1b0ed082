package inspection

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/tabular"
	"mamori/internal/textfold"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// The checklist as a workbook. Offices write checklists in Excel, so a
// template travels as an XLSX file with one row per item on the sheet
// 点検表 and, on a sheet 説明, how to fill it in:
//
//	番号 | 分類 | 点検項目 | 回答者 | 確認する証跡 | 重点 | 関連条項
//	1-1  | 組織体制 | … | 全職員 | … | ○ | 基本方針 6-(3)-①; 対策基準 2-(1)
//
// Only 点検項目 is required. 回答者 is 全職員, 管理者 (情報セキュリティ
// 責任者・管理者) or システム管理者 (情報システム管理者), 全職員 when blank;
// 重点 is ○ for a priority item, blank otherwise; 関連条項 names clauses as
// "document clause" separated by ";" — the document by its type when the
// organisation has one of it (基本方針, 対策基準) or by its title or number.
// English headers (code, category, question, respondent, evidence,
// priority, clauses) are read too. ReadTemplate checks a file without
// writing anything and reports every problem by row and column;
// ImportTemplate writes it in one transaction, all or nothing.

// SheetItems and SheetGuide are the sheets of a template workbook.
const (
	SheetItems = "点検表"
	SheetGuide = "説明"
)

// MaxTemplateBytes is the largest template file read.
const MaxTemplateBytes = 10 << 20

// Column keys of a template.
const (
	ColCode       = "code"
	ColCategory   = "category"
	ColQuestion   = "question"
	ColRespondent = "respondent"
	ColEvidence   = "evidence"
	ColPriority   = "priority"
	ColClauses    = "clauses"
)

// TemplateColumns are the columns of a template in their order, each with
// the header texts read for it; the first is the one written.
var TemplateColumns = []tabular.Column{
	{Key: ColCode, Names: []string{"番号", "項目番号", "No.", "code"}},
	{Key: ColCategory, Names: []string{"分類", "大項目", "区分", "category"}},
	{Key: ColQuestion, Names: []string{"点検項目", "点検内容", "question"}, Required: true},
	{Key: ColRespondent, Names: []string{"回答者", "対象者", "respondent"}},
	{Key: ColEvidence, Names: []string{"確認する証跡", "証跡", "確認資料", "evidence", "evidence_expected"}},
	{Key: ColPriority, Names: []string{"重点", "重点項目", "priority"}},
	{Key: ColClauses, Names: []string{"関連条項", "条項", "根拠条項", "clauses"}},
}

// columnOfField maps an ItemInput field to its column.
var columnOfField = map[string]string{
	"code": ColCode, "category": ColCategory, "question": ColQuestion, "respondent": ColRespondent,
	"evidence_expected": ColEvidence, "priority": ColPriority, "clause_text": ColClauses, "clauses": ColClauses,
}

// headerOf is the Japanese header of a column.
func headerOf(key string) string {
	for _, c := range TemplateColumns {
		if c.Key == key {
			return c.Names[0]
		}
	}
	return key
}

// respondentWords are the words read in the 回答者 column; the first of
// each is the one written.
var respondentWords = map[Respondent][]string{
	RespondAll:         {"全職員", "職員", "職員等", "全員", "all"},
	RespondManager:     {"管理者", "責任者", "責任者・管理者", "情報セキュリティ責任者", "情報セキュリティ管理者", "情報セキュリティ責任者・管理者", "manager"},
	RespondSystemAdmin: {"システム管理者", "情報システム管理者", "system_admin", "system admin"},
}

// RespondentWord is how a template writes who answers.
func RespondentWord(r Respondent) string { return respondentWords[r][0] }

func parseRespondent(cell string) (Respondent, bool) {
	f := foldName(cell)
	if f == "" {
		return RespondAll, true
	}
	for _, r := range Respondents {
		for _, w := range respondentWords[r] {
			if foldName(w) == f {
				return r, true
			}
		}
	}
	return "", false
}

// Priority marks: ○ for a priority item, blank (or ×, -) for the others.
const priorityMark = "○"

func parsePriority(cell string) (bool, bool) {
	switch strings.ToLower(textfold.Width(strings.TrimSpace(cell))) {
	case "", "-", "×", "✕", "x", "いいえ", "no", "false", "0", "―", "ー":
		return false, true
	case "○", "◯", "〇", "●", "◎", "レ", "✓", "✔", "はい", "重点", "yes", "true", "1", "y", "o":
		return true, true
	}
	return false, false
}

// TemplateProblem is one thing wrong with a template file: a message key
// with its arguments and where it is.
type TemplateProblem struct {
	Row    int    `json:"row"`              // as Excel numbers it; 0 for the whole file
	Column string `json:"column,omitempty"` // the column's key
	Header string `json:"header,omitempty"` // the column as the file names it
	Cell   string `json:"cell,omitempty"`   // the column's letter ("C")
	Key    string `json:"code"`
	Args   []any  `json:"-"`
}

// TemplateRow is one row of a template and what it would become.
type TemplateRow struct {
	Row        int        `json:"row"`
	Code       string     `json:"code"`
	Category   string     `json:"category"`
	Question   string     `json:"question"`
	Respondent Respondent `json:"respondent,omitempty"`
	// RespondentText is 回答者 as a template writes it (全職員, 管理者,
	// システム管理者), or the cell as written when it names none.
	RespondentText string            `json:"respondent_text"`
	Priority       bool              `json:"priority"`
	Clauses        string            `json:"clauses"`
	Problems       []TemplateProblem `json:"problems"`
}

// MaxReported bounds the problems a report lists; the count covers all.
const MaxReported = 1000

// TemplateReport is what reading a template found.
type TemplateReport struct {
	Format  string   `json:"format"`
	Sheet   string   `json:"sheet"`
	Ignored []string `json:"ignored"` // headers that name no column
	Rows    int      `json:"rows"`
	Failed  int      `json:"error"` // rows with problems
	// File is set when the file as a whole cannot be read.
	File         *TemplateProblem  `json:"file,omitempty"`
	ProblemCount int               `json:"problem_count"`
	Problems     []TemplateProblem `json:"problems"`
	Items        []TemplateRow     `json:"items"`

	inputs []ItemInput
}

// OK reports whether the file can be imported: it was read, it has rows,
// and no row has a problem.
func (r *TemplateReport) OK() bool { return r.File == nil && r.Failed == 0 && r.Rows > 0 }

// Inputs are the items the file gives, for a report that is OK.
func (r *TemplateReport) Inputs() []ItemInput { return r.inputs }

// ErrTemplateProblems is returned by ImportTemplate when the file has
// problems; the report names them and nothing was written.
var ErrTemplateProblems = errors.New("the checklist file has problems; nothing was imported")

func (r *TemplateReport) add(p TemplateProblem) {
	r.ProblemCount++
	if len(r.Problems) < MaxReported {
		r.Problems = append(r.Problems, p)
	}
}

// ClauseIndex resolves the 関連条項 of a template against the
// organisation's policy documents.
type ClauseIndex struct{ d *clauseDirectory }

// LoadClauseIndex reads the organisation's documents (their clauses are
// read as references need them).
func LoadClauseIndex(ctx context.Context, q db.Querier, sc scope.Scope) (*ClauseIndex, error) {
	d, err := loadClauseDirectory(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	return &ClauseIndex{d: d}, nil
}

// IndexDocument is a policy document for an index held in memory.
type IndexDocument struct {
	ID      int64
	Type    string // basic_policy, standard, …
	Title   string
	Number  string
	Clauses []string // identifiers of the version in effect; none: no such version
}

// NewClauseIndex builds an index in memory (tests, fuzzing).
func NewClauseIndex(docs []IndexDocument) *ClauseIndex {
	d := &clauseDirectory{byName: map[string][]int{}, idents: map[int64]map[string]string{}}
	perType := map[string]int{}
	for i, doc := range docs {
		c := clauseDoc{id: doc.ID, docType: doc.Type, title: doc.Title, number: doc.Number}
		if len(doc.Clauses) > 0 {
			c.versionID = int64(i + 1)
			m := map[string]string{}
			for _, s := range doc.Clauses {
				m[foldIdent(s)] = s
			}
			d.idents[c.versionID] = m
		}
		d.docs = append(d.docs, c)
		perType[doc.Type]++
	}
	for i := range d.docs {
		c := &d.docs[i]
		c.name = c.title
		if tn, ok := typeNames[c.docType]; ok && perType[c.docType] == 1 {
			c.name = tn
			d.add(tn, i)
		}
		d.add(c.title, i)
		if c.number != "" {
			d.add(c.number, i)
		}
	}
	return &ClauseIndex{d: d}
}

// ParseTemplate reads a template file (XLSX, or CSV as Excel saves it)
// and checks every row: the fields, the words of 回答者 and 重点, that
// each 関連条項 is a clause of a document in effect, and that no 番号 is
// given twice. It writes nothing. A file that cannot be read at all is
// reported in File; the error is for failures of the reader itself.
func ParseTemplate(r io.Reader, name string, size int64, idx *ClauseIndex) (*TemplateReport, error) {
	rep := &TemplateReport{Problems: []TemplateProblem{}, Items: []TemplateRow{}, Ignored: []string{}}
	if idx == nil {
		idx = NewClauseIndex(nil)
	}
	if size > MaxTemplateBytes {
		rep.File = &TemplateProblem{Key: tabular.KeyTooLarge, Args: []any{"10 MB"}}
		return rep, nil
	}
	// Templates are small: hold the file, so the sheet 点検表 can be
	// looked for first and the first sheet read when there is none.
	data, err := io.ReadAll(io.LimitReader(r, MaxTemplateBytes+1))
	if err != nil {
		return rep, fmt.Errorf("cannot read checklist file: %w", err)
	}
	if len(data) > MaxTemplateBytes {
		rep.File = &TemplateProblem{Key: tabular.KeyTooLarge, Args: []any{"10 MB"}}
		return rep, nil
	}
	opts := tabular.Options{MaxBytes: MaxTemplateBytes, MaxRows: MaxItems, MaxCells: 50, MaxCellBytes: 16 << 10,
		Sheet: SheetItems, UnescapeFormula: true}
	tr, err := tabular.Open(bytes.NewReader(data), name, int64(len(data)), opts)
	var te *tabular.Error
	if errors.As(err, &te) && te.Key == tabular.KeyNoSheet {
		opts.Sheet = ""
		tr, err = tabular.Open(bytes.NewReader(data), name, int64(len(data)), opts)
	} else if err == nil {
		rep.Sheet = SheetItems
	}
	if err != nil {
		if p := tableProblem(err); p != nil {
			rep.File = p
			rep.add(*p)
			return rep, nil
		}
		return rep, fmt.Errorf("cannot read checklist file: %w", err)
	}
	defer tr.Close()
	rep.Format = tr.Format().String()
	header := tr.Header()
	index, unknown, err := tabular.MapHeader(header, TemplateColumns)
	if err != nil {
		if p := tableProblem(err); p != nil {
			rep.File = p
			rep.add(*p)
			return rep, nil
		}
		return rep, fmt.Errorf("cannot read checklist header: %w", err)
	}
	if unknown != nil {
		rep.Ignored = unknown
	}
	where := func(row int, key string) TemplateProblem {
		p := TemplateProblem{Row: row, Column: key, Header: headerOf(key)}
		if i, ok := index[key]; ok {
			p.Header = header[i]
			p.Cell = tabular.ColumnName(i)
		}
		return p
	}
	cell := func(cells []string, key string) string {
		if i, ok := index[key]; ok && i < len(cells) {
			return cells[i]
		}
		return ""
	}
	codes := map[string]int{}
	for {
		row, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			p := tableProblem(err)
			if p == nil {
				return rep, fmt.Errorf("cannot read checklist file: %w", err)
			}
			var te *tabular.Error
			if errors.As(err, &te) && te.Recoverable() {
				rep.Rows++
				rep.Failed++
				rep.add(*p)
				rep.Items = append(rep.Items, TemplateRow{Row: row.Number, Problems: []TemplateProblem{*p}})
				continue
			}
			rep.File = p
			rep.add(*p)
			return rep, nil
		}
		rep.Rows++
		tr := TemplateRow{Row: row.Number, Problems: []TemplateProblem{}}
		in := ItemInput{
			Code:             normNewlines(cell(row.Cells, ColCode)),
			Category:         normNewlines(cell(row.Cells, ColCategory)),
			Question:         normNewlines(cell(row.Cells, ColQuestion)),
			EvidenceExpected: normNewlines(cell(row.Cells, ColEvidence)),
			ClauseText:       normNewlines(cell(row.Cells, ColClauses)),
		}
		var probs []TemplateProblem
		badRespondent := false
		if resp, ok := parseRespondent(cell(row.Cells, ColRespondent)); ok {
			in.Respondent = string(resp)
		} else {
			badRespondent = true
			p := where(row.Number, ColRespondent)
			p.Key, p.Args = "checklist.file.bad_respondent", []any{strings.TrimSpace(cell(row.Cells, ColRespondent))}
			probs = append(probs, p)
			in.Respondent = string(RespondAll)
		}
		if pr, ok := parsePriority(cell(row.Cells, ColPriority)); ok {
			in.Priority = pr
		} else {
			p := where(row.Number, ColPriority)
			p.Key, p.Args = "checklist.file.bad_priority", []any{strings.TrimSpace(cell(row.Cells, ColPriority))}
			probs = append(probs, p)
		}
		e := validate.Errors{}
		in.validate(e, "")
		if _, bad := e["clause_text"]; !bad && in.ClauseText != "" {
			if _, err := idx.d.resolve(e, "clause_text", nil, in.ClauseText); err != nil {
				return rep, err
			}
		}
		for _, f := range []string{"code", "category", "question", "respondent", "evidence_expected", "clause_text", "clauses"} {
			if pr, ok := e[f]; ok {
				p := where(row.Number, columnOfField[f])
				p.Key, p.Args = pr.Key, pr.Args
				probs = append(probs, p)
			}
		}
		if in.Code != "" {
			k := foldName(in.Code)
			if first, dup := codes[k]; dup {
				p := where(row.Number, ColCode)
				p.Key, p.Args = "checklist.file.duplicate_code", []any{in.Code, first}
				probs = append(probs, p)
			} else {
				codes[k] = row.Number
			}
		}
		tr.Code, tr.Category, tr.Question, tr.Respondent, tr.Priority, tr.Clauses =
			in.Code, in.Category, in.Question, Respondent(in.Respondent), in.Priority, in.ClauseText
		tr.RespondentText = RespondentWord(tr.Respondent)
		if badRespondent {
			tr.Respondent, tr.RespondentText = "", strings.TrimSpace(cell(row.Cells, ColRespondent))
		}
		if len(probs) > 0 {
			rep.Failed++
			for _, p := range probs {
				rep.add(p)
			}
			tr.Problems = probs
		}
		rep.Items = append(rep.Items, tr)
		rep.inputs = append(rep.inputs, in)
	}
	if rep.Rows == 0 && rep.File == nil {
		p := TemplateProblem{Key: "checklist.file.no_rows"}
		rep.File = &p
		rep.add(p)
	}
	return rep, nil
}

// tableProblem turns an error of the table reader into a problem, or nil
// when it is not about the data.
func tableProblem(err error) *TemplateProblem {
	var te *tabular.Error
	if !errors.As(err, &te) {
		return nil
	}
	p := &TemplateProblem{Row: te.Row, Key: te.Key, Args: te.Args}
	if te.Column > 0 {
		p.Cell = tabular.ColumnName(te.Column - 1)
	}
	return p
}

func normNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// ProblemText is a problem in the reader's words: 「3行目・回答者: 「課長」は
// 選べません…」. t is the catalogue bound to the reader's language.
func ProblemText(t func(key string, args ...any) string, p TemplateProblem) string {
	msg := t(p.Key, p.Args...)
	switch {
	case strings.HasPrefix(p.Key, "tabular."):
		return msg
	case p.Row > 0 && p.Header != "":
		return t("checklist.file.at_cell", p.Row, p.Header, msg)
	case p.Row > 0:
		return t("checklist.file.at_row", p.Row, msg)
	case p.Header != "":
		return t("checklist.file.at_column", p.Header, msg)
	}
	return msg
}

// ReadTemplate is ParseTemplate against the organisation's documents, for
// a person who may edit checklists: the dry run of an import.
func ReadTemplate(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, r io.Reader, name string, size int64) (*TemplateReport, error) {
	if !canEdit(p) {
		return nil, fmt.Errorf("cannot import checklist: %w", ErrForbidden)
	}
	idx, err := LoadClauseIndex(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	return ParseTemplate(r, name, size, idx)
}

// TitleFromFileName is a new checklist's title when none is given: the
// file's name without its extension ("令和8年度 自己点検表.xlsx").
func TitleFromFileName(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, "/\\"); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.LastIndex(name, "."); i > 0 {
		name = name[:i]
	}
	return clipText(name, maxTitle)
}

// ImportTarget says where imported items go: a new checklist (ChecklistID
// 0, with Title), the draft ChecklistID (its items replaced), or a new
// version of the active or retired ChecklistID.
type ImportTarget struct {
	ChecklistID int64  `json:"checklist_id,string"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

// Validate checks the target's fields.
func (t *ImportTarget) Validate() error {
	e := validate.Errors{}
	if t.ChecklistID == 0 {
		validateHead(e, &t.Title, &t.Description)
	}
	return e.Err()
}

// ImportTemplate reads a template again inside tx and writes its items to
// the target, all in the one transaction: a file with any problem returns
// its report with ErrTemplateProblems and writes nothing.
func ImportTemplate(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, r io.Reader, name string, size int64, target ImportTarget) (*TemplateReport, Checklist, error) {
	if err := target.Validate(); err != nil {
		return nil, Checklist{}, err
	}
	rep, err := ReadTemplate(ctx, tx, sc, p, r, name, size)
	if err != nil {
		return rep, Checklist{}, err
	}
	if !rep.OK() {
		return rep, Checklist{}, ErrTemplateProblems
	}
	var c Checklist
	switch {
	case target.ChecklistID == 0:
		c, err = CreateChecklist(ctx, tx, sc, p, ChecklistInput{Title: target.Title, Description: target.Description, Items: rep.inputs})
	default:
		var base Checklist
		if base, err = loadChecklist(ctx, tx, sc, target.ChecklistID); err != nil {
			return rep, c, err
		}
		if base.Status == ChecklistDraft {
			c, err = ReplaceItems(ctx, tx, sc, p, base.ID, rep.inputs)
		} else {
			c, err = NewVersion(ctx, tx, sc, p, base.ID, rep.inputs)
		}
	}
	return rep, c, err
}

// templateRow writes an item as a template row.
func templateRow(it Item) []string {
	prio := ""
	if it.Priority {
		prio = priorityMark
	}
	return []string{it.Code, it.Category, it.Question, RespondentWord(it.Respondent), it.EvidenceExpected, prio, FormatClauses(it.Clauses)}
}

// templateHeader is the header row written.
func templateHeader() []string {
	out := make([]string, len(TemplateColumns))
	for i, c := range TemplateColumns {
		out[i] = c.Names[0]
	}
	return out
}

// guideKeys are the lines of the sheet 説明, as message keys.
var guideKeys = []string{
	"checklist.guide.title", "checklist.guide.intro", "",
	"checklist.guide.code", "checklist.guide.category", "checklist.guide.question", "checklist.guide.respondent",
	"checklist.guide.evidence", "checklist.guide.priority", "checklist.guide.clauses", "",
	"checklist.guide.clause_docs", "checklist.guide.rows", "checklist.guide.import",
}

// WriteTemplate writes a checklist version's items (none: an empty
// template) as a workbook: the sheet 点検表 and the sheet 説明. t is the
// catalogue in Japanese (the template's language is the office's).
func WriteTemplate(w io.Writer, items []Item, docs []string, t func(key string, args ...any) string) error {
	rows := [][]string{templateHeader()}
	for _, it := range items {
		rows = append(rows, templateRow(it))
	}
	var guide [][]string
	for _, k := range guideKeys {
		switch {
		case k == "":
			guide = append(guide, []string{""})
		case k == "checklist.guide.clause_docs":
			guide = append(guide, []string{t(k, strings.Join(docs, "、"))})
		default:
			guide = append(guide, []string{t(k)})
		}
	}
	wb := workbook{sheets: []sheet{
		{name: SheetItems, rows: rows, widths: []float64{8, 18, 60, 16, 30, 8, 36}, lists: map[int][]string{
			3: {RespondentWord(RespondAll), RespondentWord(RespondManager), RespondentWord(RespondSystemAdmin)},
			5: {priorityMark},
		}},
		{name: SheetGuide, rows: guide, plain: true, widths: []float64{110}},
	}}
	return wb.write(w)
}

// DocumentNames lists the names a template may use for the organisation's
// documents in effect, for the sheet 説明.
func (x *ClauseIndex) DocumentNames() []string {
	var out []string
	for _, d := range x.d.docs {
		if d.versionID != 0 {
			out = append(out, d.name)
		}
	}
	return out
}

// ItemsAsInputs turns items back into inputs (a copy into a new checklist).
func ItemsAsInputs(items []Item) []ItemInput {
	out := make([]ItemInput, len(items))
	for i, it := range items {
		in := ItemInput{Code: it.Code, Category: it.Category, Question: it.Question, Respondent: string(it.Respondent),
			EvidenceExpected: it.EvidenceExpected, Priority: it.Priority}
		for _, c := range it.Clauses {
			in.Clauses = append(in.Clauses, c.ClauseRef)
		}
		out[i] = in
	}
	return out
}

// EntityTemplate is the trail entity of a refused checklist file.
const EntityTemplate = "checklist_file"

// templateRefusal is what the trail keeps of a refused checklist file: the
// file's name, how many rows failed, and the first problems (message keys
// by row and column), never the file's content.
type templateRefusal struct {
	FileName     string            `json:"file_name"`
	Rows         int               `json:"rows"`
	Failed       int               `json:"failed_rows"`
	ProblemCount int               `json:"problem_count"`
	Problems     []TemplateProblem `json:"problems"`
}

// RecordTemplateRefusal writes a checklist file that cannot be imported
// to the trail as a denial, in a transaction of its own; a report that is
// OK records nothing.
func RecordTemplateRefusal(ctx context.Context, d *db.DB, sc scope.Scope, fileName string, rep *TemplateReport) error {
	if rep == nil || rep.OK() {
		return nil
	}
	rec := templateRefusal{FileName: clipText(fileName, 200), Rows: rep.Rows, Failed: rep.Failed, ProblemCount: rep.ProblemCount}
	for i, p := range rep.Problems {
		if i == 10 {
			break
		}
		rec.Problems = append(rec.Problems, TemplateProblem{Row: p.Row, Column: p.Column, Cell: p.Cell, Key: p.Key})
	}
	return d.Transact(ctx, func(tx *db.Tx) error {
		return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Denied, Entity: EntityTemplate, EntityID: "import", After: rec})
	})
}
