package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"mamori/internal/authz"
	"mamori/internal/db"
	"mamori/internal/evidence"
	"mamori/internal/scope"
)

// OwnerAction is the evidence owner kind of files attached to an action
// (what was done: a revised procedure, a record of training); ref is the
// action's id.
const OwnerAction = "action"

func init() { evidence.RegisterOwner(OwnerAction, canReadFiles) }

// canReadFiles: an action's files are read by those who see the action.
func canReadFiles(ctx context.Context, q db.Querier, sc scope.Scope, p authz.Principal, ref string) (bool, error) {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return false, nil
	}
	_, _, err = Get(ctx, q, sc, p, id)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Attach stores an evidence file on an action, by someone who may record
// its progress, while it is not yet closed. A refused file returns the
// *evidence.Refusal and stores nothing.
func Attach(ctx context.Context, tx *db.Tx, sc scope.Scope, p authz.Principal, id int64, fileName string, r io.Reader) (evidence.File, error) {
	a, perm, err := Get(ctx, tx, sc, p, id)
	if err != nil {
		return evidence.File{}, err
	}
	if !perm.Edit {
		return evidence.File{}, ErrForbidden
	}
	if a.Status == Verified {
		return evidence.File{}, ErrState
	}
	f, err := evidence.Store(ctx, tx, sc, p, evidence.Owner{Kind: OwnerAction, Ref: strconv.FormatInt(id, 10)}, fileName, r, 0)
	if err != nil {
		return evidence.File{}, fmt.Errorf("cannot attach file to corrective action %d: %w", id, err)
	}
	return f, nil
}
