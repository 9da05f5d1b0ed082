// Package demo owns the demonstration data set (issue 6): a deterministic,
// realistic organisation — departments, people with accounts, assets,
// policy documents with versions and acknowledgements, a long trail — for
// trying mamori out and for the load benchmark. Everything is written
// through the domain packages, so the data keeps every rule and every
// change is in the trail, as if people had entered it.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"mamori/internal/asset"
	"mamori/internal/auth"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/org"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// Password is the password of every demo account (demo-ciso, demo-director,
// demo-officer-01 …); the demo data is for trying out and measuring only.
const Password = "demo-password-mamori-2026"

// Sizes of a scale.
type Sizes struct {
	People      int
	Assets      int
	Documents   int // documents besides the basic policy
	Versions    int // published versions over all of them
	TrailTarget int // pad the trail with sign-ins up to this many entries
}

// Scales names the sizes `mamori demo seed --scale` accepts.
var Scales = map[string]Sizes{
	"small": {People: 100, Assets: 1_000, Documents: 5, Versions: 10, TrailTarget: 0},
	"large": {People: 2_000, Assets: 100_000, Documents: 30, Versions: 200, TrailTarget: 1_000_000},
}

// ErrSeeded is returned when the organisation already has demo data.
var ErrSeeded = errors.New("the demo data is already there")

// Options says what to seed.
type Options struct {
	Scale string
	Seed  uint64
	Log   io.Writer
}

// seeder carries the state of one seeding.
type seeder struct {
	d      *db.DB
	sc     scope.Scope
	sizes  Sizes
	rnd    *rand.Rand
	log    io.Writer
	start  time.Time
	bureau []int64 // 部局 ids
	sects  []int64 // 課室 ids
	people []seededPerson
	logins map[string]int64
}

type seededPerson struct {
	id, dept int64
	name     string
}

// Seed fills organisation sc.OrgID with demo data of the given scale. It
// refuses an organisation that already has it.
func Seed(ctx context.Context, d *db.DB, sc scope.Scope, opts Options) error {
	sizes, ok := Scales[opts.Scale]
	if !ok {
		return fmt.Errorf("unknown scale %q (small or large)", opts.Scale)
	}
	s := &seeder{d: d, sc: sc, sizes: sizes, rnd: rand.New(rand.NewPCG(opts.Seed, 0x6d616d6f7269)),
		log: opts.Log, start: time.Now(), logins: map[string]int64{}}
	if s.log == nil {
		s.log = io.Discard
	}
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE org_id = ? AND login = 'demo-ciso'`, sc.OrgID).Scan(&n); err != nil {
		return fmt.Errorf("cannot check for demo data: %w", err)
	}
	if n > 0 {
		return ErrSeeded
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"departments", s.departments},
		{"people and accounts", s.peopleAndAccounts},
		{"assets", s.assets},
		{"search index", func(ctx context.Context) error {
			_, err := asset.IndexPending(ctx, s.d, s.sc.OrgID)
			return err
		}},
		{"documents", s.documents},
		{"self-inspection", s.campaigns},
		{"trail", s.padTrail},
		{"statistics", s.analyze},
	}
	for _, st := range steps {
		t0 := time.Now()
		if err := st.fn(ctx); err != nil {
			return fmt.Errorf("cannot seed %s: %w", st.name, err)
		}
		fmt.Fprintf(s.log, "demo: %s in %v\n", st.name, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

func (s *seeder) departments(ctx context.Context) error {
	return s.d.Transact(ctx, func(tx *db.Tx) error {
		for i, b := range bureaus {
			bd, err := org.CreateDepartment(ctx, tx, s.sc, org.DepartmentInput{Code: fmt.Sprintf("B%02d", i+1), Name: b.name, SortOrder: i})
			if err != nil {
				return err
			}
			s.bureau = append(s.bureau, bd.ID)
			for j, name := range b.sections {
				sd, err := org.CreateDepartment(ctx, tx, s.sc, org.DepartmentInput{ParentID: bd.ID,
					Code: fmt.Sprintf("S%02d%d", i+1, j+1), Name: name, SortOrder: j})
				if err != nil {
					return err
				}
				s.sects = append(s.sects, sd.ID)
			}
		}
		return nil
	})
}

func (s *seeder) personName() (name, kana string) {
	sn := surnames[s.rnd.IntN(len(surnames))]
	gn := givenNames[s.rnd.IntN(len(givenNames))]
	return sn.kanji + " " + gn.kanji, sn.kana + " " + gn.kana
}

// demoAccounts are the people who can sign in, with their roles; the load
// benchmark signs in as them (demo-ciso only through API tokens, since the
// CISO's role demands a second factor).
func (s *seeder) demoAccounts() []struct {
	login string
	role  string
	scope int64
	dept  int64
} {
	type acc = struct {
		login string
		role  string
		scope int64
		dept  int64
	}
	out := []acc{
		{"demo-ciso", "ciso", 0, s.sects[0]},
		{"demo-director", "security_director", 0, s.sects[0]},
	}
	for i := range 10 {
		b := i % len(s.bureau)
		out = append(out,
			acc{fmt.Sprintf("demo-officer-%02d", i+1), "security_officer", s.bureau[b], s.sects[b*4]},
			acc{fmt.Sprintf("demo-manager-%02d", i+1), "security_manager", s.sects[b*4+1], s.sects[b*4+1]},
			acc{fmt.Sprintf("demo-staff-%02d", i+1), "", 0, s.sects[b*4+2]})
	}
	return out
}

var categories = []struct {
	c      org.StaffCategory
	weight int
}{
	{org.Regular, 70}, {org.TemporaryAppointed, 10}, {org.Dispatched, 8}, {org.Contract, 7}, {org.Temporary, 5},
}

func (s *seeder) category() org.StaffCategory {
	n := s.rnd.IntN(100)
	for _, c := range categories {
		if n < c.weight {
			return c.c
		}
		n -= c.weight
	}
	return org.Regular
}

func (s *seeder) peopleAndAccounts(ctx context.Context) error {
	accounts := s.demoAccounts()
	const perTx = 500
	for start := 0; start < s.sizes.People; start += perTx {
		err := s.d.Transact(ctx, func(tx *db.Tx) error {
			for i := start; i < min(start+perTx, s.sizes.People); i++ {
				name, kana := s.personName()
				dept := s.sects[i%len(s.sects)]
				cat := s.category()
				if i < len(accounts) {
					dept, cat = accounts[i].dept, org.Regular
				}
				p, err := org.CreatePerson(ctx, tx, s.sc, org.PersonInput{Name: name, NameKana: kana,
					Title: titles[s.rnd.IntN(len(titles))], DepartmentID: dept, StaffCategory: string(cat)})
				if err != nil {
					return err
				}
				s.people = append(s.people, seededPerson{id: p.ID, dept: dept, name: name})
				if i >= len(accounts) {
					continue
				}
				a := accounts[i]
				if err := auth.CreateAccount(ctx, tx, s.sc, p.ID, a.login, Password, false); err != nil {
					return err
				}
				s.logins[a.login] = p.ID
				if a.role != "" {
					if _, err := org.Assign(ctx, tx, s.sc, p.ID, org.AssignmentInput{Role: a.role, ScopeID: a.scope}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// padTrail adds sign-ins by random people until the trail holds the
// scale's number of entries: a year of an office signing in.
func (s *seeder) padTrail(ctx context.Context) error {
	seq, _, err := trail.Head(ctx, s.d, s.sc.OrgID)
	if err != nil {
		return err
	}
	missing := int64(s.sizes.TrailTarget) - seq
	const perActor, perTx = 50, 20_000
	for missing > 0 {
		n := min(missing, perTx)
		err := s.d.Transact(ctx, func(tx *db.Tx) error {
			for done := int64(0); done < n; done += perActor {
				p := s.people[s.rnd.IntN(len(s.people))]
				sc := s.sc
				sc.ActorID, sc.ActorName, sc.ClientAddr = p.id, p.name, fmt.Sprintf("10.%d.%d.%d", 1+s.rnd.IntN(20), s.rnd.IntN(256), 1+s.rnd.IntN(250))
				cs := make([]trail.Change, min(perActor, n-done))
				for i := range cs {
					cs[i] = trail.Change{Action: trail.SignIn, Entity: "session", EntityID: fmt.Sprint(p.id)}
				}
				if err := trail.RecordMany(ctx, tx, sc, cs); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		missing -= n
	}
	return nil
}

// assets registers the scale's assets through the same batched path as an
// import (asset.Batch), as the CISO.
func (s *seeder) assets(ctx context.Context) error {
	cisoID := s.logins["demo-ciso"]
	p := authz.Principal{PersonID: cisoID, Assignments: []authz.Assignment{{Role: authz.CISO, ScopeKind: authz.ScopeOrg}}}
	sc := s.sc
	sc.ActorID = cisoID
	byDept := map[int64][]int64{}
	for _, pp := range s.people {
		byDept[pp.dept] = append(byDept[pp.dept], pp.id)
	}
	const perTx, perFlush = 20_000, 500
	for start := 0; start < s.sizes.Assets; start += perTx {
		err := s.d.Transact(ctx, func(tx *db.Tx) error {
			b := asset.NewBatch(tx, tx, sc, p)
			for i := start; i < min(start+perTx, s.sizes.Assets); i++ {
				if _, err := b.Create(ctx, s.assetInput(i, byDept)); err != nil {
					return fmt.Errorf("asset %d: %w", i, err)
				}
				if b.Pending() >= perFlush {
					if _, err := b.Flush(ctx); err != nil {
						return err
					}
				}
			}
			_, err := b.Flush(ctx)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// assetInput makes the i-th asset: a realistic mix of kinds, levels,
// domains and states, including some that break the §6(3) rules and some
// with an overdue review, so the 要対応 lists have something in them.
func (s *seeder) assetInput(i int, byDept map[int64][]int64) asset.Input {
	r := s.rnd
	subject := assetSubjects[r.IntN(len(assetSubjects))]
	form := assetForms[r.IntN(len(assetForms))]
	dept := s.sects[r.IntN(len(s.sects))]
	owners := byDept[dept]
	in := asset.Input{
		Name:           fmt.Sprintf("%s%s 第%05d号", subject, form.suffix, i+1),
		Kind:           form.kind,
		Description:    fmt.Sprintf("%sに関する%s。%d年度から使用。", subject, form.suffix, 2015+r.IntN(11)),
		DepartmentID:   dept,
		OwnerID:        owners[r.IntN(len(owners))],
		Location:       locations[r.IntN(len(locations))],
		Integrity:      []string{"1", "2"}[r.IntN(2)],
		Availability:   []string{"1", "2"}[r.IntN(2)],
		RetentionYears: []int{1, 3, 5, 10, 30, -1}[r.IntN(6)],
		NextReviewDate: fmt.Sprintf("%d-%02d-%02d", 2025+r.IntN(3), 1+r.IntN(12), 1+r.IntN(28)),
	}
	in.ControlledArea = in.Location == "本部 サーバ室" || in.Location == "データセンター"
	switch n := r.IntN(100); {
	case n < 15:
		in.Confidentiality = "3"
	case n < 65:
		in.Confidentiality = "2"
	default:
		in.Confidentiality = "1"
	}
	switch n := r.IntN(100); {
	case n < 10:
		in.Domain = "mynumber"
		in.MFAOnTerminals, in.TakeoutDisabled, in.IsolatedFromOtherDomains = s.fact(), s.fact(), s.fact()
	case n < 65:
		in.Domain = "lgwan"
	case n < 85:
		in.Domain = "internet"
		in.TrafficMonitoring = s.fact()
	case n < 90:
		in.Domain = "standalone"
	default:
		in.Domain = "none"
	}
	for range r.IntN(3) {
		in.Tags = append(in.Tags, assetWords[r.IntN(len(assetWords))])
	}
	switch n := r.IntN(100); {
	case n < 90:
		in.Status = "in_use"
	case n < 97:
		in.Status = "retired"
	default:
		in.Status = "disposed"
		in.DisposedOn = fmt.Sprintf("%d-%02d-%02d", 2020+r.IntN(6), 1+r.IntN(12), 1+r.IntN(28))
		in.DisposalMethod = []string{"溶解処理", "裁断", "物理破壊", "データ消去ソフトによる消去"}[r.IntN(4)]
		in.DisposalWitnessID = owners[r.IntN(len(owners))]
	}
	return in
}

// fact is a §6(3) fact as registers record them: mostly yes, sometimes
// not recorded, rarely no.
func (s *seeder) fact() string {
	switch n := s.rnd.IntN(100); {
	case n < 85:
		return "yes"
	case n < 95:
		return "unknown"
	default:
		return "no"
	}
}

// analyze has PostgreSQL gather statistics and mark the pages just written
// as visible, as autovacuum would some minutes later: plans made before it
// runs assume empty tables, and index-only scans read the table until it
// has. SQLite plans with the statistics the migrations write.
func (s *seeder) analyze(ctx context.Context) error {
	if s.d.Dialect() != db.Postgres {
		return nil
	}
	if _, err := s.d.ExecContext(ctx, `VACUUM (ANALYZE)`); err != nil {
		return fmt.Errorf("cannot analyze the demo data: %w", err)
	}
	return nil
}

