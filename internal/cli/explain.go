package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/validate"
)

// explain turns validation problems into English sentences for the
// terminal, using the same message catalogue as the UI.
func explain(err error) error {
	if ve, ok := validate.As(err); ok {
		cat, cerr := i18n.Load()
		var parts []string
		for f, p := range ve {
			msg := p.Key
			if cerr == nil {
				msg = cat.T("en", p.Key, p.Args...)
			}
			parts = append(parts, f+": "+msg)
		}
		sort.Strings(parts)
		return fmt.Errorf("refused: %s", strings.Join(parts, "; "))
	}
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("not found: %w", err)
	}
	return err
}
