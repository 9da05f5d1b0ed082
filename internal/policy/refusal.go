package policy

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"mamori/internal/db"
	"mamori/internal/scope"
	"mamori/internal/trail"
)

// Refusals. A step the rules refuse — approving one's own version,
// publishing a version nobody approved, editing a published version, … —
// returns a *Refusal: it says which rule (Key, a message key the edges show
// as they are), about which version, and matches ErrForbidden (a rule
// about the person: 403) or ErrState and db.ErrConflict (a rule about the
// version's status: 409).
//
// Every refusal is itself kept in the trail, as a denial. The step's own
// transaction is rolled back, so the entry cannot be written there: the
// edge that ran the transaction calls RecordRefusal afterwards, which
// writes it in a transaction of its own (as httpx.RecordDenied does for a
// request the role table refuses). The API does this for every document
// route (and then answers without recording the refusal a second time as
// a denied request); the web pages and the command line do the same.

// Refusal is a step refused by the life-cycle rules.
type Refusal struct {
	// Key is the message key that explains the refusal ("policy.refused.…").
	Key string
	// Step is what was tried: submit, approve, vote, send_back, publish,
	// edit, new_draft, comment.
	Step       string
	DocumentID int64
	VersionID  int64
	// Status is the version's status when the step was tried.
	Status Status
	// Forbidden is true for a rule about the person (their own version):
	// the refusal then matches ErrForbidden; otherwise ErrState and
	// db.ErrConflict.
	Forbidden bool
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("document %d version %d: %s refused (%s, status %s)", r.DocumentID, r.VersionID, r.Step, r.Key, r.Status)
}

// Unwrap lets errors.Is match the refusal's kind.
func (r *Refusal) Unwrap() []error {
	if r.Forbidden {
		return []error{ErrForbidden}
	}
	return []error{ErrState, db.ErrConflict}
}

// AsRefusal returns the refusal in err's chain, if any.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}

func refuse(step, key string, v Version, forbidden bool) *Refusal {
	return &Refusal{Key: key, Step: step, DocumentID: v.DocumentID, VersionID: v.ID, Status: v.Status, Forbidden: forbidden}
}

// refusalRecord is what the trail keeps of a refusal: the rule, never
// any of the document's text.
type refusalRecord struct {
	Step       string `json:"step"`
	Reason     string `json:"reason"`
	DocumentID int64  `json:"document_id,string"`
	Status     Status `json:"status"`
}

// RecordRefusal writes a denial to the trail, in its own transaction, when
// err carries a *Refusal; for any other error it does nothing. Call it
// after the transaction that returned err has been rolled back.
func RecordRefusal(ctx context.Context, d *db.DB, sc scope.Scope, err error) error {
	r, ok := AsRefusal(err)
	if !ok {
		return nil
	}
	return d.Transact(ctx, func(tx *db.Tx) error {
		return trail.Record(ctx, tx, sc, trail.Change{Action: trail.Denied, Entity: EntityVersion,
			EntityID: strconv.FormatInt(r.VersionID, 10),
			After:    refusalRecord{Step: r.Step, Reason: r.Key, DocumentID: r.DocumentID, Status: r.Status}})
	})
}
