package assetfile

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
)

// directory names the organisation's departments and people both ways:
// from what a cell says to an id, and from an id to what an export writes.
// It is read once per import or export; its size follows the
// organisation (tens of departments, hundreds or thousands of people),
// never the file.
type directory struct {
	depts      map[int64]org.Department
	deptByWord map[string][]int64 // folded name, code or "部局／課室" path → ids
	deptLabel  map[int64]string   // what an export writes
	people     map[int64]org.Person
	byLogin    map[string]int64
	byName     map[string][]int64 // folded name → ids
}

// pathSeparator joins a 部局 and a 課室 in a department cell when the
// 課室's name alone is not unique ("総務部／総務課").
const pathSeparator = "／"

// idSuffix reads a reference written with its number: "佐藤 花子（#12）"
// or just "#12".
var idSuffix = regexp.MustCompile(`^(.*?)[\s　]*[（(]?[#＃]([0-9０-９]{1,19})[)）]?$`)

func loadDirectory(ctx context.Context, q db.Querier, sc scope.Scope) (*directory, error) {
	depts, err := org.ListDepartments(ctx, q, sc)
	if err != nil {
		return nil, err
	}
	var people []org.Person
	cursor := ""
	for {
		page, err := org.ListPeople(ctx, q, sc, authz.Grant{All: true}, 0, org.PersonFilter{Limit: 500, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		people = append(people, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return newDirectory(depts, people), nil
}

func newDirectory(depts []org.Department, people []org.Person) *directory {
	d := &directory{depts: map[int64]org.Department{}, deptByWord: map[string][]int64{}, deptLabel: map[int64]string{},
		people: map[int64]org.Person{}, byLogin: map[string]int64{}, byName: map[string][]int64{}}
	names := map[string]int{}
	for _, dep := range depts {
		d.depts[dep.ID] = dep
		names[foldName(dep.Name)]++
	}
	add := func(word string, id int64) {
		k := foldName(word)
		if k == "" {
			return
		}
		for _, x := range d.deptByWord[k] {
			if x == id {
				return
			}
		}
		d.deptByWord[k] = append(d.deptByWord[k], id)
	}
	for _, dep := range depts {
		add(dep.Name, dep.ID)
		if dep.Code != "" {
			add(dep.Code, dep.ID)
		}
		label := dep.Name
		if parent, ok := d.depts[dep.ParentID]; ok {
			path := parent.Name + pathSeparator + dep.Name
			for _, sep := range []string{"/", "＞", ">", "›"} {
				add(parent.Name+sep+dep.Name, dep.ID)
			}
			add(path, dep.ID)
			if names[foldName(dep.Name)] > 1 {
				label = path
			}
		}
		d.deptLabel[dep.ID] = label
	}
	// A label must read back as its department: where a code or another
	// name gets in the way, the number decides.
	for id, label := range d.deptLabel {
		if got, problem := d.department(label); problem != "" || got != id {
			d.deptLabel[id] = fmt.Sprintf("%s（#%d）", d.depts[id].Name, id)
		}
	}
	for _, p := range people {
		d.people[p.ID] = p
		if p.Login != "" {
			d.byLogin[foldValue(p.Login)] = p.ID
		}
		k := foldName(p.Name)
		d.byName[k] = append(d.byName[k], p.ID)
	}
	return d
}

// foldName folds a name for comparison: as foldValue, so "佐藤　花子",
// "佐藤 花子" and "佐藤花子" are one name.
func foldName(s string) string { return foldValue(s) }

// refProblem is why a reference does not resolve: a message key of this
// package.
type refProblem string

const (
	refUnknown   refProblem = "assetfile.unknown_ref"
	refAmbiguous refProblem = "assetfile.ambiguous_ref"
)

// department resolves a department cell: its code, its name, "部局／課室",
// or "名前（#12）". A blank cell is 0.
func (d *directory) department(cell string) (int64, refProblem) {
	return resolveNamed(cell, d.deptByWord, func(id int64) (string, bool) {
		dep, ok := d.depts[id]
		return dep.Name, ok
	})
}

// resolveNamed finds a record by its folded name in byName, or by a
// "名前（#12）" cell whose name (if given) matches the record's: the rule
// departments and people share.
func resolveNamed(cell string, byName map[string][]int64, nameOf func(int64) (string, bool)) (int64, refProblem) {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return 0, ""
	}
	ids := byName[foldName(cell)]
	switch len(ids) {
	case 1:
		return ids[0], ""
	case 0:
		if m := idSuffix.FindStringSubmatch(cell); m != nil {
			id, ok := parseDigits(m[2])
			name, found := nameOf(id)
			if ok && found && (m[1] == "" || foldName(m[1]) == foldName(name)) {
				return id, ""
			}
		}
		return 0, refUnknown
	}
	return 0, refAmbiguous
}

// departmentID checks a department id cell.
func (d *directory) departmentID(cell string) (int64, refProblem) {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return 0, ""
	}
	id, ok := parseDigits(strings.TrimPrefix(foldValue(cell), "#"))
	if _, found := d.depts[id]; !ok || !found {
		return 0, refUnknown
	}
	return id, ""
}

// person resolves a person cell: their sign-in login, their name, or
// "名前（#12）". A blank cell is 0.
func (d *directory) person(cell string) (int64, refProblem) {
	if id, ok := d.byLogin[foldValue(strings.TrimSpace(cell))]; ok && strings.TrimSpace(cell) != "" {
		return id, ""
	}
	return resolveNamed(cell, d.byName, func(id int64) (string, bool) {
		p, ok := d.people[id]
		return p.Name, ok
	})
}

// personID checks a person id cell.
func (d *directory) personID(cell string) (int64, refProblem) {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return 0, ""
	}
	id, ok := parseDigits(strings.TrimPrefix(foldValue(cell), "#"))
	if _, found := d.people[id]; !ok || !found {
		return 0, refUnknown
	}
	return id, ""
}

// departmentLabel is what an export writes for a department: its name,
// or "部局／課室" when another 課室 has the same name.
func (d *directory) departmentLabel(id int64) string {
	if id == 0 {
		return ""
	}
	if l, ok := d.deptLabel[id]; ok {
		return l
	}
	return "#" + strconv.FormatInt(id, 10)
}

// personLabel is what an export writes for a person: their login, or
// their name when they have none and it is unique, or "名前（#12）".
func (d *directory) personLabel(id int64) string {
	if id == 0 {
		return ""
	}
	p, ok := d.people[id]
	if !ok {
		return "#" + strconv.FormatInt(id, 10)
	}
	for _, label := range []string{p.Login, p.Name} {
		if got, problem := d.person(label); label != "" && problem == "" && got == id {
			return label
		}
	}
	return fmt.Sprintf("%s（#%d）", p.Name, id)
}

// parseDigits reads a positive id written in ASCII or full-width digits.
func parseDigits(s string) (int64, bool) {
	s = foldValue(s)
	if s == "" || len(s) > 19 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
