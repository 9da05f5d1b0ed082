package assetfile

import (
	"slices"
	"strconv"
	"strings"

	"mamori/internal/asset"
	"mamori/internal/tabular"
	"mamori/internal/wareki"
)

// layout is where a file keeps each column.
type layout struct {
	index  map[string]int // column key → 0-based position
	header []string
}

func newLayout(header []string) (*layout, []string, error) {
	index, unknown, err := tabular.MapHeader(header, tabularColumns())
	if err != nil {
		return nil, nil, err
	}
	return &layout{index: index, header: header}, unknown, nil
}

// has reports whether the file has the column.
func (l *layout) has(key string) bool {
	_, ok := l.index[key]
	return ok
}

// cell returns the row's cell of a column, and whether the file has it.
func (l *layout) cell(cells []string, key string) (string, bool) {
	i, ok := l.index[key]
	if !ok || i >= len(cells) {
		return "", ok
	}
	return cells[i], true
}

// problem names a column of a row.
func (l *layout) problem(row int, key, msg string, args ...any) Problem {
	p := Problem{Row: row, Column: key, Key: msg, Args: args}
	if i, ok := l.index[key]; ok {
		p.Header = strings.TrimSpace(l.header[i])
		p.Cell = tabular.ColumnName(i)
	} else if c, ok := columnByKey(key); ok {
		p.Header = c.JA
	}
	return p
}

// rowParser reads rows into asset inputs.
type rowParser struct {
	l      *layout
	dir    *directory
	scheme asset.Scheme
	// levels is the scheme's confidentiality levels as a message lists them.
	levels string
}

func newRowParser(l *layout, dir *directory, scheme asset.Scheme) *rowParser {
	var ls []string
	for _, c := range scheme.Levels() {
		ls = append(ls, string(c))
	}
	return &rowParser{l: l, dir: dir, scheme: scheme, levels: strings.Join(ls, ", ")}
}

// matchID reads the row's 管理番号: 0 when blank.
func (rp *rowParser) matchID(row tabular.Row) (int64, *Problem) {
	cell, ok := rp.l.cell(row.Cells, ColID)
	cell = strings.TrimSpace(cell)
	if !ok || cell == "" {
		return 0, nil
	}
	id, valid := parseDigits(strings.TrimPrefix(foldValue(cell), "#"))
	if !valid {
		p := rp.l.problem(row.Number, ColID, "assetfile.invalid_id", cell)
		return 0, &p
	}
	return id, nil
}

// apply writes what the row says onto in, column by column; columns the
// file lacks leave in as it is, so a file of a few columns changes only
// those. Blank cells clear a field (or take its default). It returns the
// problems of values it cannot read; checks that need storage or the
// whole input (a required field, the disposal record, permissions) are
// asset.Check's.
func (rp *rowParser) apply(row tabular.Row, in *asset.Input) []Problem {
	var probs []Problem
	bad := func(key, msg string, args ...any) {
		probs = append(probs, rp.l.problem(row.Number, key, msg, args...))
	}
	badWord := func(key string, v *vocab, cell string) {
		p := rp.l.problem(row.Number, key, "assetfile.invalid_choice", strings.TrimSpace(cell))
		p.Vocab = v.name
		probs = append(probs, p)
	}
	get := func(key string) (string, bool) { return rp.l.cell(row.Cells, key) }
	text := func(key string, dst *string) {
		if c, ok := get(key); ok {
			*dst = strings.TrimSpace(normNewlines(c))
		}
	}
	word := func(key string, v *vocab, dst *string) {
		c, ok := get(key)
		if !ok {
			return
		}
		if strings.TrimSpace(c) == "" {
			*dst = ""
			return
		}
		code, known := v.code(c)
		if !known {
			badWord(key, v, c)
			return
		}
		*dst = code
	}
	levelOf := func(key string, dst *string, allowed []string, list string, prefixes []string) {
		c, ok := get(key)
		if !ok {
			return
		}
		if strings.TrimSpace(c) == "" {
			*dst = ""
			return
		}
		l := level(c, prefixes...)
		if !slices.Contains(allowed, l) {
			bad(key, "assetfile.invalid_level", strings.TrimSpace(c), list)
			return
		}
		*dst = l
	}
	date := func(key string, dst *string) {
		c, ok := get(key)
		if !ok {
			return
		}
		c = strings.TrimSpace(c)
		if c == "" {
			*dst = ""
			return
		}
		t, err := wareki.Parse(c)
		if err != nil {
			bad(key, "assetfile.invalid_date", c)
			return
		}
		*dst = t.Format("2006-01-02")
	}
	// ref reads a reference by name (nameKey) and by number (idKey); when
	// the file has both and both are filled in, they must agree.
	ref := func(nameKey, idKey string, byName, byID func(string) (int64, refProblem), dst *int64) {
		nc, hasName := get(nameKey)
		ic, hasID := get(idKey)
		var fromName, fromID int64
		ok := true
		if hasName {
			var rpb refProblem
			if fromName, rpb = byName(nc); rpb != "" {
				bad(nameKey, string(rpb), strings.TrimSpace(nc))
				ok = false
			}
		}
		if hasID {
			var rpb refProblem
			if fromID, rpb = byID(ic); rpb != "" {
				bad(idKey, string(rpb), strings.TrimSpace(ic))
				ok = false
			}
		}
		if !ok || (!hasName && !hasID) {
			return
		}
		switch {
		case hasName && hasID && fromName != 0 && fromID != 0 && fromName != fromID:
			bad(idKey, "assetfile.conflicting_columns", rp.l.problem(0, nameKey, "").Header)
		case hasName && strings.TrimSpace(nc) != "":
			*dst = fromName
		case hasID:
			*dst = fromID
		default:
			*dst = 0
		}
	}

	text(ColName, &in.Name)
	word(ColKind, kinds, &in.Kind)
	text(ColDescription, &in.Description)
	ref(ColDepartment, ColDepartmentID, rp.dir.department, rp.dir.departmentID, &in.DepartmentID)
	ref(ColOwner, ColOwnerID, rp.dir.person, rp.dir.personID, &in.OwnerID)
	ref(ColCustodian, ColCustodianID, rp.dir.person, rp.dir.personID, &in.CustodianID)
	text(ColLocation, &in.Location)
	if c, ok := get(ColControlledArea); ok {
		if strings.TrimSpace(c) == "" {
			in.ControlledArea = false
		} else if code, known := yesNo.code(c); known {
			in.ControlledArea = code == "yes"
		} else {
			badWord(ColControlledArea, yesNo, c)
		}
	}
	word(ColDomain, domains, &in.Domain)
	levelOf(ColConfidentiality, &in.Confidentiality, asset.LevelsOf(rp.scheme, asset.DimConfidentiality), rp.levels, confidentialityPrefixes)
	levelOf(ColIntegrity, &in.Integrity, []string{"2", "1"}, "2, 1", integrityPrefixes)
	levelOf(ColAvailability, &in.Availability, []string{"2", "1"}, "2, 1", availabilityPrefixes)
	if c, ok := get(ColRetention); ok {
		if years, valid := asset.ParseRetention(c); valid {
			in.RetentionYears = years
		} else {
			bad(ColRetention, "assetfile.invalid_retention", strings.TrimSpace(c), asset.MaxRetentionYears)
		}
	}
	word(ColStatus, statuses, &in.Status)
	date(ColDisposedOn, &in.DisposedOn)
	text(ColDisposalMethod, &in.DisposalMethod)
	ref(ColDisposalWitness, ColDisposalWitnessID, rp.dir.person, rp.dir.personID, &in.DisposalWitnessID)
	date(ColNextReview, &in.NextReviewDate)
	if c, ok := get(ColTags); ok {
		if strings.TrimSpace(c) == "" {
			in.Tags = []string{}
		} else {
			// Validate splits and checks them, naming a tag too long.
			in.Tags = []string{c}
		}
	}
	word(ColMFA, facts, &in.MFAOnTerminals)
	word(ColTakeout, facts, &in.TakeoutDisabled)
	word(ColIsolated, facts, &in.IsolatedFromOtherDomains)
	word(ColMonitoring, facts, &in.TrafficMonitoring)
	return probs
}

// normNewlines writes every line break as "\n": a CSV cell may bring
// "\r\n" where the form stored "\n", and that is no change.
func normNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// sameInput reports whether two inputs describe the same asset, as
// Validate would store them: defaults filled in, text trimmed, line
// breaks and tags normalised.
func sameInput(a, b asset.Input) bool {
	a, b = canonical(a), canonical(b)
	return a.Name == b.Name && a.Kind == b.Kind && a.Description == b.Description && a.DepartmentID == b.DepartmentID &&
		a.OwnerID == b.OwnerID && a.CustodianID == b.CustodianID && a.Location == b.Location &&
		a.ControlledArea == b.ControlledArea && a.Domain == b.Domain && a.Confidentiality == b.Confidentiality &&
		a.Integrity == b.Integrity && a.Availability == b.Availability && a.RetentionYears == b.RetentionYears &&
		a.Status == b.Status && a.DisposedOn == b.DisposedOn && a.DisposalMethod == b.DisposalMethod &&
		a.DisposalWitnessID == b.DisposalWitnessID && a.NextReviewDate == b.NextReviewDate &&
		slices.Equal(a.Tags, b.Tags) && a.MFAOnTerminals == b.MFAOnTerminals && a.TakeoutDisabled == b.TakeoutDisabled &&
		a.IsolatedFromOtherDomains == b.IsolatedFromOtherDomains && a.TrafficMonitoring == b.TrafficMonitoring
}

func canonical(in asset.Input) asset.Input {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(normNewlines(in.Description))
	in.Location = strings.TrimSpace(in.Location)
	in.DisposalMethod = strings.TrimSpace(in.DisposalMethod)
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&in.Domain, string(asset.DomainNone))
	def(&in.Status, string(asset.StatusInUse))
	for _, f := range []*string{&in.MFAOnTerminals, &in.TakeoutDisabled, &in.IsolatedFromOtherDomains, &in.TrafficMonitoring} {
		def(f, string(asset.FactUnknown))
	}
	in.Tags = asset.ParseTags(strings.Join(in.Tags, " "))
	return in
}

// formatter writes an asset as the cells of a row, in the reader's
// language: the inverse of rowParser.apply.
type formatter struct {
	dir  *directory
	lang string
	cols []Column
}

func (f *formatter) header() []string {
	out := make([]string, len(f.cols))
	for i, c := range f.cols {
		out[i] = c.Header(f.lang)
	}
	return out
}

// cells writes a row. A masked asset shows only what Mask keeps; its other
// cells are blank, and reading them back leaves it unchanged.
func (f *formatter) cells(a asset.Asset, out []string) []string {
	out = out[:0]
	for _, c := range f.cols {
		out = append(out, f.cell(a, c.Key))
	}
	return out
}

func (f *formatter) cell(a asset.Asset, key string) string {
	if a.Masked {
		switch key {
		case ColID, ColName, ColKind, ColDepartment, ColConfidentiality, ColIntegrity, ColAvailability, ColStatus:
		default:
			return ""
		}
	}
	switch key {
	case ColID:
		return strconv.FormatInt(a.ID, 10)
	case ColName:
		return a.Name
	case ColKind:
		return kinds.label(string(a.Kind), f.lang)
	case ColDescription:
		return a.Description
	case ColDepartment:
		return f.dir.departmentLabel(a.DepartmentID)
	case ColOwner:
		return f.dir.personLabel(a.OwnerID)
	case ColCustodian:
		return f.dir.personLabel(a.CustodianID)
	case ColLocation:
		return a.Location
	case ColControlledArea:
		if a.ControlledArea {
			return yesNo.label("yes", f.lang)
		}
		return yesNo.label("no", f.lang)
	case ColDomain:
		return domains.label(string(a.Domain), f.lang)
	case ColConfidentiality:
		return string(a.Confidentiality)
	case ColIntegrity:
		return string(a.Integrity)
	case ColAvailability:
		return string(a.Availability)
	case ColRetention:
		if f.lang == "en" {
			switch {
			case a.RetentionYears == asset.RetentionPermanent:
				return "permanent"
			case a.RetentionYears > 0:
				return strconv.Itoa(a.RetentionYears)
			}
			return ""
		}
		return asset.FormatRetention(a.RetentionYears)
	case ColStatus:
		return statuses.label(string(a.Status), f.lang)
	case ColDisposedOn:
		return f.date(a.DisposedOn)
	case ColDisposalMethod:
		return a.DisposalMethod
	case ColDisposalWitness:
		return f.dir.personLabel(a.DisposalWitnessID)
	case ColNextReview:
		return f.date(a.NextReviewDate)
	case ColTags:
		return joinWords(f.lang, a.Tags)
	case ColMFA:
		return facts.label(string(a.MFAOnTerminals), f.lang)
	case ColTakeout:
		return facts.label(string(a.TakeoutDisabled), f.lang)
	case ColIsolated:
		return facts.label(string(a.IsolatedFromOtherDomains), f.lang)
	case ColMonitoring:
		return facts.label(string(a.TrafficMonitoring), f.lang)
	}
	return ""
}

// date writes a stored date as the office reads it: 和暦 in Japanese,
// ISO in English.
func (f *formatter) date(iso string) string {
	if iso == "" || f.lang == "en" {
		return iso
	}
	t, err := wareki.Parse(iso)
	if err != nil {
		return iso
	}
	return wareki.Format(t)
}
