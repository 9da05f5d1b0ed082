package asset

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
	"mamori/internal/validate"
)

// Scheme is an organisation's classification scheme for confidentiality:
// the three levels of older policies (this seed's among them) or the five of
// the October 2024 revision of the MIC guideline. It is kept in
// organisations.classification_scheme.
type Scheme string

const (
	SchemeLegacy Scheme = "legacy" // 機密性3 / 2 / 1
	Scheme2024   Scheme = "2024"   // 機密性3A / 3B / 3C / 2 / 1
)

// Schemes lists both schemes.
var Schemes = []Scheme{SchemeLegacy, Scheme2024}

// IsValid reports whether s is a known scheme.
func (s Scheme) IsValid() bool { return slices.Contains(Schemes, s) }

// Key is the message key of the scheme's name.
func (s Scheme) Key() string { return "asset.scheme." + string(s) }

// Levels returns the scheme's confidentiality levels, highest first.
func (s Scheme) Levels() []Confidentiality {
	if s == Scheme2024 {
		return []Confidentiality{C3A, C3B, C3C, C2, C1}
	}
	return []Confidentiality{C3, C2, C1}
}

// Confidentiality is a 機密性 level. "2" and "1" are shared by both schemes;
// "3" is the legacy scheme's top level, split into 3A, 3B and 3C in 2024.
type Confidentiality string

const (
	C3A Confidentiality = "3A" // 2024: equivalent to secret documents
	C3B Confidentiality = "3B" // 2024: leak gravely harms individuals' rights
	C3C Confidentiality = "3C" // 2024: the rest of the former level 3
	C3  Confidentiality = "3"  // legacy top level
	C2  Confidentiality = "2"
	C1  Confidentiality = "1"
)

// IsValid reports whether c is a level of either scheme.
func (c Confidentiality) IsValid() bool {
	switch c {
	case C3A, C3B, C3C, C3, C2, C1:
		return true
	}
	return false
}

// In reports whether c is a level of scheme s.
func (c Confidentiality) In(s Scheme) bool { return slices.Contains(s.Levels(), c) }

// Restricted reports whether an asset of this level shows its details only
// to readers with asset.view_restricted over it: 3A and 3B, and the legacy 3
// they came from. 3C is the milder part of the former 3, and the guideline
// gives it ordinary 機密性3 handling without the need-to-know listing.
func (c Confidentiality) Restricted() bool { return c == C3A || c == C3B || c == C3 }

// Integrity is a 完全性 level.
type Integrity string

const (
	I2 Integrity = "2" // alteration or loss would harm rights or the proper conduct of work
	I1 Integrity = "1"
)

// IntegrityLevels lists the levels, highest first.
var IntegrityLevels = []Integrity{I2, I1}

// IsValid reports whether i is a known level.
func (i Integrity) IsValid() bool { return i == I2 || i == I1 }

// Availability is a 可用性 level.
type Availability string

const (
	A2 Availability = "2" // loss or unavailability would harm rights or stable work
	A1 Availability = "1"
)

// AvailabilityLevels lists the levels, highest first.
var AvailabilityLevels = []Availability{A2, A1}

// IsValid reports whether a is a known level.
func (a Availability) IsValid() bool { return a == A2 || a == A1 }

// Dimension is one of the three properties an asset is classified by.
type Dimension string

const (
	DimConfidentiality Dimension = "confidentiality"
	DimIntegrity       Dimension = "integrity"
	DimAvailability    Dimension = "availability"
)

// Dimensions lists them in the order of seed §1.
var Dimensions = []Dimension{DimConfidentiality, DimIntegrity, DimAvailability}

// LevelsOf returns the level codes of a dimension in a scheme, highest first.
func LevelsOf(s Scheme, d Dimension) []string {
	switch d {
	case DimConfidentiality:
		var out []string
		for _, c := range s.Levels() {
			out = append(out, string(c))
		}
		return out
	case DimIntegrity:
		return []string{string(I2), string(I1)}
	case DimAvailability:
		return []string{string(A2), string(A1)}
	}
	return nil
}

// LevelKey is the message key of a level's short name ("機密性3B").
func LevelKey(d Dimension, level string) string {
	return "asset.level." + string(d) + "." + strings.ToLower(level)
}

// DefaultDescriptionKey is the message key of a level's default description
// (the guideline's wording, DESIGN.md), shown until the organisation writes
// its own. Integrity and availability read the same in both schemes; "2" and
// "1" of confidentiality too, since 2024 kept their meaning.
func DefaultDescriptionKey(d Dimension, level string) string {
	return "asset.level_desc." + string(d) + "." + strings.ToLower(level)
}

// LevelInfo is one level as a form explains it.
type LevelInfo struct {
	Dimension Dimension `json:"dimension"`
	Level     string    `json:"level"`
	NameKey   string    `json:"name_key"`
	// Description is the organisation's own text; when empty the form shows
	// the catalogue text under DefaultKey.
	Description string `json:"description"`
	DefaultKey  string `json:"default_key"`
}

// SchemeOf returns the organisation's classification scheme.
func SchemeOf(ctx context.Context, q db.Querier, sc scope.Scope) (Scheme, error) {
	var s string
	err := q.QueryRowContext(ctx, `SELECT classification_scheme FROM organisations WHERE id = ?`, sc.OrgID).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("organisation %d: %w", sc.OrgID, db.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("cannot read classification scheme: %w", err)
	}
	if !Scheme(s).IsValid() {
		return "", fmt.Errorf("cannot read classification scheme: unknown scheme %q", s)
	}
	return Scheme(s), nil
}

// Levels returns every level of the organisation's current scheme with its
// description, dimension by dimension, highest level first.
func Levels(ctx context.Context, q db.Querier, sc scope.Scope) (Scheme, []LevelInfo, error) {
	s, err := SchemeOf(ctx, q, sc)
	if err != nil {
		return s, nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT dimension, level, description FROM classification_levels
		WHERE org_id = ? AND scheme = ?`, sc.OrgID, string(s))
	if err != nil {
		return s, nil, fmt.Errorf("cannot list level descriptions: %w", err)
	}
	defer rows.Close()
	own := map[[2]string]string{}
	for rows.Next() {
		var d, l, text string
		if err := rows.Scan(&d, &l, &text); err != nil {
			return s, nil, fmt.Errorf("cannot read level description: %w", err)
		}
		own[[2]string{d, l}] = text
	}
	if err := rows.Err(); err != nil {
		return s, nil, fmt.Errorf("cannot list level descriptions: %w", err)
	}
	var out []LevelInfo
	for _, d := range Dimensions {
		for _, l := range LevelsOf(s, d) {
			out = append(out, LevelInfo{Dimension: d, Level: l, NameKey: LevelKey(d, l),
				Description: own[[2]string{string(d), l}], DefaultKey: DefaultDescriptionKey(d, l)})
		}
	}
	return s, out, nil
}

// LevelInput changes the organisation's description of one level of its
// current scheme. An empty Description goes back to the default text.
type LevelInput struct {
	Dimension   string `json:"dimension"`
	Level       string `json:"level"`
	Description string `json:"description"`
}

// MaxLevelDescription bounds a level description, in characters.
const MaxLevelDescription = 500

// Validate checks the text; whether the level belongs to the scheme is
// checked by SetLevelDescription, which knows the scheme.
func (in *LevelInput) Validate() error {
	e := validate.Errors{}
	if !slices.Contains(Dimensions, Dimension(in.Dimension)) {
		choice(e, "dimension", in.Dimension)
	}
	in.Description = e.Text("description", in.Description, false, MaxLevelDescription, true)
	return e.Err()
}

// SetLevelDescription stores the organisation's own description of a level
// of its current scheme (or removes it when empty) and records the change.
func SetLevelDescription(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in LevelInput) (LevelInfo, error) {
	if !authz.CanSome(p, authz.ConfigureAssets) {
		return LevelInfo{}, fmt.Errorf("cannot change level description: %w", ErrForbidden)
	}
	if err := in.Validate(); err != nil {
		return LevelInfo{}, err
	}
	s, err := SchemeOf(ctx, tx, sc)
	if err != nil {
		return LevelInfo{}, err
	}
	d := Dimension(in.Dimension)
	if !slices.Contains(LevelsOf(s, d), in.Level) {
		return LevelInfo{}, validate.Errors{"level": {Key: "asset.level_not_in_scheme"}}
	}
	var before string
	err = tx.QueryRowContext(ctx, `SELECT description FROM classification_levels WHERE org_id = ? AND scheme = ? AND dimension = ? AND level = ?`,
		sc.OrgID, string(s), string(d), in.Level).Scan(&before)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return LevelInfo{}, fmt.Errorf("cannot read level description: %w", err)
	}
	if in.Description == "" {
		_, err = tx.ExecContext(ctx, `DELETE FROM classification_levels WHERE org_id = ? AND scheme = ? AND dimension = ? AND level = ?`,
			sc.OrgID, string(s), string(d), in.Level)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO classification_levels (org_id, scheme, dimension, level, description, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, scheme, dimension, level) DO UPDATE SET description = excluded.description, updated_at = excluded.updated_at`,
			sc.OrgID, string(s), string(d), in.Level, in.Description, db.Now())
	}
	if err != nil {
		return LevelInfo{}, fmt.Errorf("cannot store level description: %w", err)
	}
	info := LevelInfo{Dimension: d, Level: in.Level, NameKey: LevelKey(d, in.Level), Description: in.Description,
		DefaultKey: DefaultDescriptionKey(d, in.Level)}
	type text struct {
		Scheme      Scheme    `json:"scheme"`
		Dimension   Dimension `json:"dimension"`
		Level       string    `json:"level"`
		Description string    `json:"description"`
	}
	return info, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityLevel,
		EntityID: string(s) + "/" + string(d) + "/" + in.Level,
		Before:   text{s, d, in.Level, before}, After: text{s, d, in.Level, in.Description}})
}

// SchemeSwitch asks to move the organisation to another scheme.
type SchemeSwitch struct {
	To string `json:"to"`
	// Level3To is where legacy 3 goes when moving to 2024: "3B" unless told
	// otherwise. 3B is the graver part of the former 3, so every asset keeps
	// at least the protection it had; 3A (secret-equivalent) must be a
	// deliberate designation, and lowering to 3C a deliberate review, both
	// made asset by asset afterwards.
	Level3To string `json:"level3_to"`
}

// SchemeChange is what a switch did; it is also the trail entry's content.
type SchemeChange struct {
	From    Scheme                              `json:"from"`
	To      Scheme                              `json:"to"`
	Mapping map[Confidentiality]Confidentiality `json:"mapping"`
	// Changed counts the assets moved, by "from→to" pair.
	Changed map[string]int `json:"changed"`
	Total   int            `json:"total"`
}

// Mapping returns how confidentiality levels move between two schemes.
// Going back to legacy, 3A, 3B and 3C all become 3: the older scheme has
// nothing finer, and none of them may end below the old top level. 2 and 1
// mean the same in both schemes.
func Mapping(from, to Scheme, level3To Confidentiality) map[Confidentiality]Confidentiality {
	m := map[Confidentiality]Confidentiality{}
	switch {
	case from == SchemeLegacy && to == Scheme2024:
		m[C3] = level3To
	case from == Scheme2024 && to == SchemeLegacy:
		m[C3A], m[C3B], m[C3C] = C3, C3, C3
	}
	return m
}

// SwitchScheme moves the organisation to another scheme and reclassifies
// every asset in the same transaction, with one UPDATE per level pair so it
// stays fast at 100,000 assets. The trail gets one entry with the mapping
// and the number of assets per pair rather than one per asset: it states
// the single decision an auditor looks for, the per-asset change follows
// from it exactly (each asset's History shows it), and a hundred thousand
// identical entries would bury everything else in the chain.
func SwitchScheme(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, in SchemeSwitch) (SchemeChange, error) {
	if !authz.CanSome(p, authz.ConfigureAssets) {
		return SchemeChange{}, fmt.Errorf("cannot switch classification scheme: %w", ErrForbidden)
	}
	to := Scheme(in.To)
	if !to.IsValid() {
		return SchemeChange{}, validate.Errors{"to": {Key: "error.invalid_choice"}}
	}
	level3 := Confidentiality(in.Level3To)
	if level3 == "" {
		level3 = C3B
	}
	if !level3.In(Scheme2024) || !strings.HasPrefix(string(level3), "3") {
		return SchemeChange{}, validate.Errors{"level3_to": {Key: "error.invalid_choice"}}
	}
	from, err := SchemeOf(ctx, tx, sc)
	if err != nil {
		return SchemeChange{}, err
	}
	if from == to {
		return SchemeChange{}, validate.Errors{"to": {Key: "asset.scheme_unchanged"}}
	}
	ch := SchemeChange{From: from, To: to, Mapping: Mapping(from, to, level3), Changed: map[string]int{}}
	now := db.Now()
	// Lock the organisation row first so two switches cannot interleave.
	if _, err := tx.ExecContext(ctx, `UPDATE organisations SET classification_scheme = ?, updated_at = ? WHERE id = ?`,
		string(to), now, sc.OrgID); err != nil {
		return ch, fmt.Errorf("cannot switch classification scheme: %w", err)
	}
	olds := make([]Confidentiality, 0, len(ch.Mapping))
	for o := range ch.Mapping {
		olds = append(olds, o)
	}
	slices.Sort(olds)
	for _, o := range olds {
		n := ch.Mapping[o]
		// updated_at stays the last edit by a person: a scheme switch is one
		// decision, in the trail, and should not bury every real change under
		// "recently updated". The version moves, so a form opened before the
		// switch cannot write the old level back.
		res, err := tx.ExecContext(ctx, `UPDATE assets SET confidentiality = ?, restricted = ?, version = version + 1
			WHERE org_id = ? AND confidentiality = ?`, string(n), n.Restricted(), sc.OrgID, string(o))
		if err != nil {
			return ch, fmt.Errorf("cannot reclassify assets from %s to %s: %w", o, n, err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return ch, fmt.Errorf("cannot count reclassified assets: %w", err)
		}
		if k > 0 {
			ch.Changed[string(o)+"→"+string(n)] = int(k)
			ch.Total += int(k)
		}
		if err := moveCount(ctx, tx, sc.OrgID, o, n, k); err != nil {
			return ch, err
		}
	}
	return ch, trail.Record(ctx, tx, sc, trail.Change{Action: trail.Update, Entity: EntityScheme,
		EntityID: fmt.Sprint(sc.OrgID), Before: map[string]Scheme{"scheme": from}, After: ch})
}
