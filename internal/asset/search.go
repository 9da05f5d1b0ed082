package asset

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"mamori/internal/db"
	"mamori/internal/textfold"
)

// Partial-match search in Japanese. Japanese has no spaces between words,
// so a word index does not work, and LIKE '%…%' reads every row. Instead
// every asset's searchable text (name, description, tags), folded, is cut
// into overlapping two-character grams kept in asset_grams. A query term of
// two or more characters can only match assets holding all of its grams,
// and a one-character term only those holding a gram that starts with it
// (each run's last character is kept as a gram of its own for this). The
// search is driven by the query's rarest gram and every candidate is then
// checked with LIKE on the folded text, so the gram index only narrows and
// never decides. When every gram is common, walking the sorted list finds a
// page of matches sooner, and LIKE alone is used. Both engines run the same
// SQL; PostgreSQL compares grams in the "C" collation, byte by byte as SQLite
// does, so a range of grams is the same range on both.

func isSpace(r rune) bool { return unicode.IsSpace(r) || r == 0x3000 }

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// searchText is what a search matches for an asset: its folded name,
// description and tags, a line each. Query terms hold no white space, so a
// match never spans two fields.
func searchText(name, description string, tags []string) string {
	return textfold.Fold(name) + "\n" + textfold.Fold(description) + "\n" + textfold.Fold(strings.Join(tags, " "))
}

// grams returns the distinct two-character grams of text, within runs of
// non-space characters, and the last character of each run on its own, sorted.
// A one-character query then finds its candidates as the grams starting with
// it: those hold every place the character occurs, since a character is
// either followed by another in its run or ends the run.
func grams(text string) []string {
	seen := map[string]struct{}{}
	var out []string
	keep := func(g string) {
		if _, ok := seen[g]; !ok {
			seen[g] = struct{}{}
			out = append(out, g)
		}
	}
	for _, word := range strings.FieldsFunc(text, isSpace) {
		prevSize := 0
		for i, r := range word {
			if prevSize > 0 {
				keep(word[i-prevSize : i+utf8.RuneLen(r)])
			}
			prevSize = utf8.RuneLen(r)
		}
		keep(word[len(word)-prevSize:])
	}
	slices.Sort(out)
	return out
}

// terms splits a query into folded terms, at most maxTerms of them.
func terms(q string) []string {
	t := strings.FieldsFunc(textfold.Fold(q), isSpace)
	if len(t) > maxTerms {
		t = t[:maxTerms]
	}
	return t
}

const (
	maxTerms = 5
	// maxProbe bounds how many grams of a query are weighed to find the
	// rarest; LIKE checks the whole term anyway. A gram at least selective
	// times in the register is "common": when every gram of a query is,
	// walking the list in sort order finds a page of matches sooner than
	// fetching every candidate.
	maxProbe = 8
)

// likePattern turns a folded term into a LIKE pattern with ESCAPE '\'.
func likePattern(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(term) + "%"
}

// searchPlan is how a query is matched.
type searchPlan struct {
	likes []string // every term must match search_text
	// cond and args select the candidates through the query's rarest gram;
	// empty when every gram is common, and LIKE alone is used.
	cond string
	args []any
	// filter and filterArgs, when cond is empty, keep to the assets that
	// hold one of the query's grams (or whose grams are pending) while the
	// sort order is walked: the walk then reads the sort index alone and
	// looks up only those assets' rows for LIKE, instead of every row it
	// passes (0.3 s when a term's 3,000 matches sort late among 100,000).
	filter     string
	filterArgs []any
	none       bool // some gram occurs nowhere: nothing can match
}

// withFilter sets the walk's gram filter from a probe; with too many
// pending assets to list, LIKE alone decides.
func (p searchPlan) withFilter(orgID int64, pending int, pr probe) searchPlan {
	if pending >= selective {
		return p
	}
	// "+ 0" keeps SQLite on the sort index: the set is built once and
	// each row of the walk is looked up in it.
	p.filter = `(a.id + 0) IN (SELECT asset_id FROM asset_grams WHERE org_id = ? AND ` + pr.cond() + `)`
	p.filterArgs = append([]any{orgID}, pr.args()...)
	if pending > 0 {
		p.filter = `(a.id + 0) IN (SELECT asset_id FROM asset_grams WHERE org_id = ? AND ` + pr.cond() +
			` UNION ALL SELECT id FROM assets WHERE org_id = ? AND ` + pendingCond + `)`
		p.filterArgs = append(p.filterArgs, orgID)
	}
	return p
}

// probe is one gram of a query to weigh: an exact two-character gram, or
// for a one-character term every gram starting with it.
type probe struct {
	from, to string // to is empty for an exact gram
	term     int    // which term of the query it comes from
}

func (p probe) cond() string {
	if p.to == "" {
		return `gram = ?`
	}
	return `gram >= ? AND gram <= ?`
}

func (p probe) args() []any {
	if p.to == "" {
		return []any{p.from}
	}
	return []any{p.from, p.to}
}

// planSearch weighs the query's grams with bounded counts and picks the
// rarest to select the candidates.
func planSearch(ctx context.Context, q db.Querier, orgID int64, query string) (searchPlan, error) {
	var p searchPlan
	var probes []probe
	for _, t := range terms(query) {
		p.likes = append(p.likes, likePattern(t))
		if utf8.RuneCountInString(t) == 1 {
			probes = append(probes, probe{t, t + string(utf8.MaxRune), len(p.likes)})
			continue
		}
		for _, g := range grams(t) {
			if utf8.RuneCountInString(g) == 2 {
				probes = append(probes, probe{from: g, term: len(p.likes)})
			}
		}
	}
	slices.SortFunc(probes, func(a, b probe) int {
		return cmp.Or(strings.Compare(a.from, b.from), strings.Compare(a.to, b.to), a.term-b.term)
	})
	probes = slices.Compact(probes)
	if len(probes) == 0 {
		return p, nil
	}
	if len(probes) > maxProbe {
		// Spread the probes over the query rather than taking its start.
		picked := make([]probe, 0, maxProbe)
		for i := 0; i < maxProbe; i++ {
			picked = append(picked, probes[i*len(probes)/maxProbe])
		}
		probes = picked
	}
	// The last count is of the assets whose grams are pending (registered
	// by an import and not yet indexed): no gram finds them, so they are
	// candidates whatever the grams say, and LIKE decides.
	parts := make([]string, len(probes), len(probes)+1)
	args := make([]any, 0, 4*len(probes)+2)
	for i, pr := range probes {
		parts[i] = `(SELECT COUNT(*) FROM (SELECT 1 FROM asset_grams WHERE org_id = ? AND ` + pr.cond() + ` LIMIT ?) t)`
		args = append(append(append(args, orgID), pr.args()...), selective)
	}
	parts = append(parts, `(SELECT COUNT(*) FROM (SELECT 1 FROM assets WHERE org_id = ? AND `+pendingCond+` LIMIT ?) t)`)
	args = append(args, orgID, selective)
	counts := make([]int, len(parts))
	dest := make([]any, len(parts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := q.QueryRowContext(ctx, `SELECT `+strings.Join(parts, ", "), args...).Scan(dest...); err != nil {
		return p, fmt.Errorf("cannot weigh search terms: %w", err)
	}
	pending := counts[len(probes)]
	counts = counts[:len(probes)]
	best := -1
	for i, n := range counts {
		if n == 0 {
			// No indexed asset holds this gram, so only pending ones can
			// match; the gram's postings are still read with them, since an
			// indexing that commits between this count and the listing
			// turns pending assets into indexed ones.
			if pending == 0 {
				return p.withPending(orgID, 0, "", nil), nil // nothing matches
			}
			pr := probes[i]
			return p.withPending(orgID, pending, `SELECT asset_id FROM asset_grams WHERE org_id = ? AND `+pr.cond(),
				append([]any{orgID}, pr.args()...)), nil
		}
		if n < selective && (best < 0 || n < counts[best]) {
			best = i
		}
	}
	if best >= 0 {
		if counts[best]+pending >= selective {
			// Too many candidates with the pending ones to drive.
			return p.withFilter(orgID, pending, probes[best]), nil
		}
		pr := probes[best]
		return p.withPending(orgID, pending, `SELECT asset_id FROM asset_grams WHERE org_id = ? AND `+pr.cond(),
			append([]any{orgID}, pr.args()...)), nil
	}
	// Every gram is common. Two common words together are often rare
	// ("共済 データ"), so try the assets holding a gram of the first term and
	// one of another: if they are few, they drive.
	for _, other := range probes {
		if other.term == probes[0].term {
			continue
		}
		both := `SELECT asset_id FROM asset_grams WHERE org_id = ? AND ` + probes[0].cond() +
			` INTERSECT SELECT asset_id FROM asset_grams WHERE org_id = ? AND ` + other.cond()
		bothArgs := append(append(append([]any{orgID}, probes[0].args()...), orgID), other.args()...)
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+both+` LIMIT ?) t`, append(bothArgs, selective)...).Scan(&n); err != nil {
			return p, fmt.Errorf("cannot weigh search terms: %w", err)
		}
		switch {
		case n == 0 && pending == 0:
			return p.withPending(orgID, 0, "", nil), nil // nothing matches
		case n == 0:
			// As above: the pair's postings too, for an indexing that
			// commits in between.
			return p.withPending(orgID, pending, `SELECT asset_id FROM (`+both+`) b`, bothArgs), nil
		case n+pending < selective:
			return p.withPending(orgID, pending, `SELECT asset_id FROM (`+both+`) b`, bothArgs), nil
		}
		break
	}
	return p.withFilter(orgID, pending, probes[0]), nil
}

// pendingCond selects the assets whose grams are pending, through the
// partial index assets_grams_pending (SQLite uses a partial index only for
// this very term).
const pendingCond = `grams_pending = TRUE`

// withPending finishes a plan whose candidates are the assets the query
// (SQL selecting asset ids, with args) selects through the grams, or none
// when query is empty: the assets whose grams are pending are candidates
// too. When there are too many of those to fetch, no condition drives and
// LIKE alone decides; when there are none and the grams select nothing,
// nothing matches.
func (p searchPlan) withPending(orgID int64, pending int, query string, args []any) searchPlan {
	p.cond, p.args = "", nil
	switch {
	case pending >= selective:
	case pending == 0 && query == "":
		p.none = true
	case pending == 0:
		p.cond, p.args = `a.id IN (`+query+`)`, args
	case query == "":
		p.cond, p.args = `a.id IN (SELECT id FROM assets WHERE org_id = ? AND `+pendingCond+`)`, []any{orgID}
	default:
		p.cond = `a.id IN (` + query + ` UNION ALL SELECT id FROM assets WHERE org_id = ? AND ` + pendingCond + `)`
		p.args = append(append([]any(nil), args...), orgID)
	}
	return p
}

// writeGrams brings an asset's grams from those of its old text to those
// of its new one, touching only the difference, so an edit that changes a
// word rewrites a few rows rather than all of them.
func writeGrams(ctx context.Context, tx *db.Tx, orgID, id int64, oldText, newText string) error {
	del, add := gramDiff(oldText, newText)
	for _, chunk := range chunks(del, 200) {
		args := []any{orgID, id}
		for _, g := range chunk {
			args = append(args, g)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM asset_grams WHERE org_id = ? AND asset_id = ? AND gram IN (`+placeholders(len(chunk))+`)`, args...); err != nil {
			return fmt.Errorf("cannot update search index of asset %d: %w", id, err)
		}
	}
	for _, chunk := range chunks(add, 200) {
		args := make([]any, 0, 3*len(chunk))
		for _, g := range chunk {
			args = append(args, orgID, g, id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO asset_grams (org_id, gram, asset_id) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(chunk)), ", "), args...); err != nil {
			return fmt.Errorf("cannot update search index of asset %d: %w", id, err)
		}
	}
	return nil
}

// gramDiff returns the grams of oldText that newText lacks, and those of
// newText that oldText lacks.
func gramDiff(oldText, newText string) (del, add []string) {
	var old, cur []string
	if oldText != "" {
		old = grams(oldText)
	}
	if newText != "" {
		cur = grams(newText)
	}
	return diff(old, cur)
}

// markIndexed records that the grams of the assets ids are written.
func markIndexed(ctx context.Context, tx *db.Tx, orgID int64, ids []any) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE assets SET grams_pending = FALSE WHERE org_id = ? AND id IN (`+placeholders(len(ids))+`)`,
		append([]any{orgID}, ids...)...); err != nil {
		return fmt.Errorf("cannot index assets: %w", err)
	}
	return nil
}

func chunks(s []string, n int) [][]string {
	var out [][]string
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, s[:k])
		s = s[k:]
	}
	return out
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// indexBatch is how many pending assets one transaction of IndexPending
// indexes: about 40 grams each, so a transaction holds SQLite's write lock
// for a few tens of milliseconds and other writers get their turn between.
const indexBatch = 500

// IndexPending writes the grams of the organisation's assets registered
// with their grams pending (by an import), indexBatch assets per
// transaction, until none is left; it returns how many it indexed. Search
// is correct before, during and after: a pending asset is found by LIKE.
// Several runs at once (two imports, two instances) never index an asset
// twice: on PostgreSQL each transaction claims its assets with FOR UPDATE
// SKIP LOCKED, and a SQLite write transaction has the database to itself
// and reads the flags inside it. Assets another run holds are left to it.
func IndexPending(ctx context.Context, d *db.DB, orgID int64) (int, error) {
	total := 0
	for {
		var n int
		err := d.Transact(ctx, func(tx *db.Tx) (err error) {
			n, err = indexSome(ctx, tx, orgID, indexBatch)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}

// indexSome indexes up to limit pending assets in tx.
func indexSome(ctx context.Context, tx *db.Tx, orgID int64, limit int) (int, error) {
	q := `SELECT id, search_text FROM assets WHERE org_id = ? AND ` + pendingCond + ` ORDER BY id LIMIT ?`
	if tx.Dialect() == db.Postgres {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := tx.QueryContext(ctx, q, orgID, limit)
	if err != nil {
		return 0, fmt.Errorf("cannot find assets to index: %w", err)
	}
	var ids []any
	var ps []posting
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			rows.Close()
			return 0, fmt.Errorf("cannot find assets to index: %w", err)
		}
		ids = append(ids, id)
		for _, g := range grams(text) {
			ps = append(ps, posting{g, id})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("cannot find assets to index: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if err := insertPostings(ctx, tx, "asset_grams (org_id, gram, asset_id)", orgID, ps); err != nil {
		return 0, fmt.Errorf("cannot index assets: %w", err)
	}
	if err := markIndexed(ctx, tx, orgID, ids); err != nil {
		return 0, err
	}
	return len(ids), nil
}
