package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"mamori/internal/authz"
	"mamori/internal/httpx"
	"mamori/internal/inspection"
	"mamori/internal/scope"
	"mamori/internal/wareki"
)

// inspectionCtx is what every self-inspection handler starts from.
func inspectionCtx(r *http.Request) (*httpx.Identity, scope.Scope) {
	id := httpx.IdentityFrom(r.Context())
	return id, httpx.Scope(r, id.Org.ID)
}

// inspIsoDay turns a stored "YYYY-MM-DD" into a time for the template's date
// function (和暦 or ISO as the reader prefers); zero for anything else.
func inspIsoDay(v string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", v, wareki.Location)
	if err != nil {
		return time.Time{}
	}
	return t
}

// dayText writes a stored date as the reader prefers it.
func (s *Server) inspDayText(r *http.Request, v string) string {
	if v == "" {
		return ""
	}
	id := httpx.IdentityFrom(r.Context())
	iso := id != nil && id.Account.DateStyle == "iso"
	return formatDate(inspIsoDay(v), iso, false, s.lang(r))
}

// inspectionError turns package inspection's refusal by the role table
// into the UI's, so the page is a 403 and the refusal lands in the trail.
func inspectionError(err error, perm authz.Action) error {
	if errors.Is(err, inspection.ErrForbidden) {
		if _, ok := inspection.AsRefusal(err); !ok {
			return deniedError{perm}
		}
	}
	return err
}

// refused shows a step refused by a campaign's rules (answering after it
// closed, an item one is not asked, opening it twice): the refusal is
// written to the trail, and the page says why in the reader's words. It
// reports false when err is no refusal.
func (s *Server) inspRefused(w http.ResponseWriter, r *http.Request, err error) (bool, error) {
	rf, ok := inspection.AsRefusal(err)
	if !ok {
		return false, nil
	}
	_, sc := inspectionCtx(r)
	if rerr := inspection.RecordRefusal(r.Context(), s.db, sc, err); rerr != nil {
		return true, rerr
	}
	status := http.StatusConflict
	if rf.Forbidden {
		status = http.StatusForbidden
	}
	s.renderStatus(w, r, status, "error", "campaign.refused_title",
		errorPage{Status: status, Message: s.cat.T(s.lang(r), rf.Key), RequestID: httpx.RequestID(r.Context())})
	return true, nil
}

// inspRateClass is the badge of a 実施率.
func inspRateClass(c inspection.Counts) string {
	switch rate := c.Rate(); {
	case rate < 0:
		return "badge-neutral"
	case rate >= 95:
		return "badge-success"
	case rate >= 60:
		return "badge-info"
	case rate >= 40:
		return "badge-warning"
	}
	return "badge-danger"
}

// inspDeltaText writes a change of 実施率 in points ("+12.5", "-3.0").
func inspDeltaText(d *float64) string {
	if d == nil {
		return ""
	}
	if *d > 0 {
		return "+" + inspTrimZero(*d)
	}
	return inspTrimZero(*d)
}

func inspTrimZero(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

// inspClipRunes shortens s to n characters with an ellipsis.
func inspClipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
