package web

// The classification scheme (seed §6(2)): which confidentiality levels the
// organisation uses — the five of the 2024 guideline or the older three —
// and the sentence that explains each level on the asset form, in the
// organisation's own words. Everyone who reads the register may read this
// page; asset.configure holders change it.

import (
	"errors"
	"net/http"
	"strings"

	"mamori/internal/asset"
	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/httpx"
	"mamori/internal/validate"
)

// classificationPage is the scheme and its level descriptions.
type classificationPage struct {
	Scheme       asset.Scheme
	Dims         []classificationDim
	CanConfigure bool
	// Editing names the level whose form came back with a problem
	// ("confidentiality/3A"); Switching is set when the switch did.
	Editing   string
	Switching bool
	Switch    classificationSwitch
}

// classificationDim is one dimension's levels.
type classificationDim struct {
	Legend string
	Levels []classificationLevel
}

// classificationLevel is one level with its sentence.
type classificationLevel struct {
	Dimension string
	Code      string
	Name      string
	Text      string // what the form shows: the organisation's own, else the default
	Own       bool
	Key       string // "confidentiality/3A", the form's name on this page
	Anchor    string // "level-confidentiality-3A"
}

// classificationSwitch explains a switch to the other scheme: where each
// level goes and how many assets move.
type classificationSwitch struct {
	To       asset.Scheme
	Rows     []classificationMove
	Level3   []assetLevelChoice // where legacy 3 may go, moving to 2024
	Level3To string
	Moving   int
}

// classificationMove is one level's destination.
type classificationMove struct {
	From    string
	To      string
	Count   int
	Changes bool
	Choose  bool // the destination is chosen below (legacy 3 → 2024)
}

func (s *Server) classificationSettings(w http.ResponseWriter, r *http.Request) error {
	page, err := s.classificationData(r, "", false)
	if err != nil {
		return err
	}
	return s.render(w, r, "classification", "assetweb.classification_title", page)
}

func (s *Server) classificationData(r *http.Request, editing string, switching bool) (classificationPage, error) {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	lang := s.lang(r)
	scheme, levels, err := asset.Levels(ctx, s.db, sc)
	if err != nil {
		return classificationPage{}, err
	}
	page := classificationPage{Scheme: scheme, CanConfigure: authz.CanSome(id.Principal, authz.ConfigureAssets),
		Editing: editing, Switching: switching}
	for _, dim := range asset.Dimensions {
		d := classificationDim{Legend: s.cat.T(lang, "asset.field."+string(dim))}
		for _, l := range levels {
			if l.Dimension != dim {
				continue
			}
			key := string(dim) + "/" + l.Level
			d.Levels = append(d.Levels, classificationLevel{Dimension: string(dim), Code: l.Level, Name: s.cat.T(lang, l.NameKey),
				Text: s.levelText(lang, l), Own: l.Description != "", Key: key, Anchor: "level-" + string(dim) + "-" + l.Level})
		}
		page.Dims = append(page.Dims, d)
	}
	if !page.CanConfigure {
		return page, nil
	}

	// The switch: every level of the current scheme, where it goes and how
	// many assets it holds now.
	counts, err := asset.Counts(ctx, s.db, sc, id.Principal, asset.Filter{})
	if err != nil {
		return page, err
	}
	byLevel := map[asset.Confidentiality]int{}
	for _, c := range counts.Levels {
		byLevel[c.Level] = c.Count
	}
	to := asset.Scheme2024
	if scheme == asset.Scheme2024 {
		to = asset.SchemeLegacy
	}
	sw := classificationSwitch{To: to, Level3To: string(asset.C3B)}
	if switching {
		if v := r.PostFormValue("level3_to"); v != "" {
			sw.Level3To = v
		}
	}
	mapping := asset.Mapping(scheme, to, asset.Confidentiality(sw.Level3To))
	name := func(c asset.Confidentiality) string {
		return s.cat.T(lang, asset.LevelKey(asset.DimConfidentiality, string(c)))
	}
	for _, c := range scheme.Levels() {
		dest, moves := mapping[c]
		if !moves {
			dest = c
		}
		row := classificationMove{From: name(c), To: name(dest), Count: byLevel[c], Changes: moves,
			Choose: scheme == asset.SchemeLegacy && c == asset.C3}
		if moves {
			sw.Moving += row.Count
		}
		sw.Rows = append(sw.Rows, row)
	}
	if to == asset.Scheme2024 {
		for _, c := range []asset.Confidentiality{asset.C3A, asset.C3B, asset.C3C} {
			sw.Level3 = append(sw.Level3, assetLevelChoice{Code: string(c), Name: name(c),
				Description: s.cat.T(lang, asset.DefaultDescriptionKey(asset.DimConfidentiality, string(c)))})
		}
	}
	page.Switch = sw
	return page, nil
}

func (s *Server) classificationUpdate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	lang := s.lang(r)
	in := asset.LevelInput{Dimension: r.PostFormValue("dimension"), Level: r.PostFormValue("level"),
		Description: r.PostFormValue("description")}
	// Going back to the default, or saving the default text unchanged,
	// keeps no text of the organisation's own: the default then follows
	// the catalogue (and the reader's language).
	if r.PostFormValue("reset") != "" ||
		strings.TrimSpace(in.Description) == s.cat.T(lang, asset.DefaultDescriptionKey(asset.Dimension(in.Dimension), in.Level)) {
		in.Description = ""
	}
	err := s.transact(ctx, func(tx *db.Tx) error {
		_, err := asset.SetLevelDescription(ctx, tx, sc, id.Principal, in)
		return err
	})
	if errors.Is(err, asset.ErrForbidden) {
		return deniedError{authz.ConfigureAssets}
	}
	if ve, ok := validate.As(err); ok {
		if _, bad := ve["level"]; bad {
			// The scheme changed under the form, or the form was forged.
			return &httpx.BadRequest{Key: "asset.level_not_in_scheme", Err: err}
		}
		if _, bad := ve["dimension"]; bad {
			return &httpx.BadRequest{Key: "error.bad_request", Err: err}
		}
		page, derr := s.classificationData(r, in.Dimension+"/"+in.Level, false)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "classification", "assetweb.classification_title", page, err)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/settings/classification#level-"+in.Dimension+"-"+in.Level, "assetweb.level_saved")
}

func (s *Server) classificationSwitch(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := httpx.IdentityFrom(ctx)
	sc := httpx.Scope(r, id.Org.ID)
	in := asset.SchemeSwitch{To: r.PostFormValue("to"), Level3To: r.PostFormValue("level3_to")}
	err := s.transact(ctx, func(tx *db.Tx) error {
		_, err := asset.SwitchScheme(ctx, tx, sc, id.Principal, in)
		return err
	})
	if errors.Is(err, asset.ErrForbidden) {
		return deniedError{authz.ConfigureAssets}
	}
	if _, ok := validate.As(err); ok {
		page, derr := s.classificationData(r, "", true)
		if derr != nil {
			return derr
		}
		return s.renderForm(w, r, "classification", "assetweb.classification_title", page, err)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/settings/classification", "assetweb.scheme_switched")
}
