// Package asset owns the information asset register of seed §2(1), §4(2)
// and §6(2)(3): the assets themselves, their classification by 機密性・完全性・
// 可用性 in the organisation's scheme, the handling rules (取扱制限) derived
// from it, the network-domain rules of §6(3), links between assets, and who
// may see which asset in how much detail.
//
// Every read takes the reader's authz.Principal and applies the one masking
// rule (see access.go) itself, so the web pages, the API and the exports
// built on this package cannot show a restricted asset's details by mistake.
// Every write checks the writer's reach, validates its input into
// validate.Errors and records a trail entry in the same transaction.
package asset

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mamori/internal/textfold"
	"mamori/internal/validate"
	"mamori/internal/wareki"
)

// Kind is what sort of information asset a row is, in the three groups of
// seed §2(1).
type Kind string

const (
	KindNetwork        Kind = "network"         // ① ネットワーク
	KindSystem         Kind = "system"          // ① 情報システム
	KindEquipment      Kind = "equipment"       // ① 設備・機器
	KindMedia          Kind = "media"           // ① 電磁的記録媒体
	KindSoftware       Kind = "software"        // ① ソフトウェア
	KindService        Kind = "service"         // ① 外部サービス等
	KindInformation    Kind = "information"     // ② 取り扱う情報
	KindDocument       Kind = "document"        // ② 情報を印刷した文書
	KindSystemDocument Kind = "system_document" // ③ 仕様書・ネットワーク図等
)

// Kinds lists every kind in display order.
var Kinds = []Kind{KindNetwork, KindSystem, KindEquipment, KindMedia, KindSoftware, KindService,
	KindInformation, KindDocument, KindSystemDocument}

// KindGroup is one of the three groups of information assets in seed §2(1).
type KindGroup struct {
	No    int    // 1, 2 or 3: ①, ② or ③
	Key   string // message key of the group's name
	Kinds []Kind
}

// Groups lists the groups of seed §2(1) with their kinds, for forms that
// show the kinds grouped.
var Groups = []KindGroup{
	{1, "asset.group.1", []Kind{KindNetwork, KindSystem, KindEquipment, KindMedia, KindSoftware, KindService}},
	{2, "asset.group.2", []Kind{KindInformation, KindDocument}},
	{3, "asset.group.3", []Kind{KindSystemDocument}},
}

// IsValid reports whether k is a known kind.
func (k Kind) IsValid() bool { return slices.Contains(Kinds, k) }

// Group returns the seed §2(1) group (1, 2 or 3) of k, or 0 if unknown.
func (k Kind) Group() int {
	for _, g := range Groups {
		if slices.Contains(g.Kinds, k) {
			return g.No
		}
	}
	return 0
}

// Key is the message key of the kind's name.
func (k Kind) Key() string { return "asset.kind." + string(k) }

// Domain is the network domain (三層の対策) an asset belongs to.
type Domain string

const (
	DomainMyNumber   Domain = "mynumber"   // マイナンバー利用事務系
	DomainLGWAN      Domain = "lgwan"      // LGWAN接続系
	DomainInternet   Domain = "internet"   // インターネット接続系
	DomainStandalone Domain = "standalone" // 独立（どの系にも接続しない）
	DomainNone       Domain = "none"       // 該当なし（紙の文書など）
)

// Domains lists every domain in display order.
var Domains = []Domain{DomainMyNumber, DomainLGWAN, DomainInternet, DomainStandalone, DomainNone}

// IsValid reports whether d is a known domain.
func (d Domain) IsValid() bool { return slices.Contains(Domains, d) }

// Key is the message key of the domain's name.
func (d Domain) Key() string { return "asset.domain." + string(d) }

// Status is where an asset is in its life.
type Status string

const (
	StatusInUse    Status = "in_use"
	StatusRetired  Status = "retired"  // no longer used, still kept
	StatusDisposed Status = "disposed" // 廃棄済み: needs date, method and witness
)

// Statuses lists every status in display order.
var Statuses = []Status{StatusInUse, StatusRetired, StatusDisposed}

// IsValid reports whether s is a known status.
func (s Status) IsValid() bool { return slices.Contains(Statuses, s) }

// Key is the message key of the status's name.
func (s Status) Key() string { return "asset.status." + string(s) }

// Fact is a recorded fact about an asset's safeguards: unknown until someone
// records yes or no. A rule of seed §6(3) that needs a fact treats unknown
// like no, since nobody has confirmed the safeguard.
type Fact string

const (
	FactUnknown Fact = "unknown"
	FactYes     Fact = "yes"
	FactNo      Fact = "no"
)

// Facts lists the values in display order.
var Facts = []Fact{FactUnknown, FactYes, FactNo}

// IsValid reports whether f is a known value.
func (f Fact) IsValid() bool { return slices.Contains(Facts, f) }

// Key is the message key of the value's name.
func (f Fact) Key() string { return "asset.fact." + string(f) }

// RetentionPermanent is the retention of a record kept permanently (永年).
const RetentionPermanent = -1

// MaxRetentionYears bounds a retention period; longer is permanent.
const MaxRetentionYears = 100

// FormatRetention writes a retention period as offices write it: "5年",
// "永年", or "" when not recorded.
func FormatRetention(years int) string {
	switch {
	case years == RetentionPermanent:
		return "永年"
	case years <= 0:
		return ""
	}
	return strconv.Itoa(years) + "年"
}

// ParseRetention reads a retention period as people type it into a form or
// an Excel cell: "5", "5年", "５年", "永年", "永久", "常用", "permanent",
// or "" for none. ok is false for anything else.
func ParseRetention(s string) (years int, ok bool) {
	s = strings.TrimSpace(textfold.Width(s))
	switch strings.ToLower(s) {
	case "":
		return 0, true
	case "永年", "永久", "常用", "無期限", "permanent":
		return RetentionPermanent, true
	}
	s = strings.TrimSuffix(strings.TrimSuffix(s, "年"), "years")
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxRetentionYears {
		return 0, false
	}
	return n, true
}

// Asset is one row of the register. When Masked is set the reader may not
// see this restricted asset's details: only ID, Kind, the classification,
// DepartmentID and Status are filled in and Name is MaskedName.
type Asset struct {
	ID                       int64           `json:"id,string"`
	Name                     string          `json:"name"`
	Kind                     Kind            `json:"kind"`
	Description              string          `json:"description"`
	DepartmentID             int64           `json:"department_id,string"`
	OwnerID                  int64           `json:"owner_id,string,omitempty"`
	CustodianID              int64           `json:"custodian_id,string,omitempty"`
	Location                 string          `json:"location"`
	ControlledArea           bool            `json:"is_controlled_area"`
	Domain                   Domain          `json:"domain,omitempty"`
	Confidentiality          Confidentiality `json:"confidentiality"`
	Integrity                Integrity       `json:"integrity"`
	Availability             Availability    `json:"availability"`
	RetentionYears           int             `json:"retention_years"`
	Status                   Status          `json:"status"`
	DisposedOn               string          `json:"disposed_on,omitempty"`
	DisposalMethod           string          `json:"disposal_method,omitempty"`
	DisposalWitnessID        int64           `json:"disposal_witness_id,string,omitempty"`
	NextReviewDate           string          `json:"next_review_date,omitempty"`
	Tags                     []string        `json:"tags"`
	MFAOnTerminals           Fact            `json:"mfa_on_terminals,omitempty"`
	TakeoutDisabled          Fact            `json:"takeout_disabled,omitempty"`
	IsolatedFromOtherDomains Fact            `json:"isolated_from_other_domains,omitempty"`
	TrafficMonitoring        Fact            `json:"traffic_monitoring,omitempty"`
	Version                  int64           `json:"version,omitempty"`
	CreatedAt                int64           `json:"created_at,omitempty"` // microseconds, UTC
	UpdatedAt                int64           `json:"updated_at,omitempty"`

	// Masked is set on a restricted asset the reader may not see in detail.
	Masked bool `json:"masked,omitempty"`
	// ReviewOverdue is set when the next review date has passed (Japan time)
	// at the moment of reading; it is not stored.
	ReviewOverdue bool `json:"review_overdue,omitempty"`
}

// MaskedName stands in for the name of a masked asset. It is plain ASCII so
// it reads the same in every language and cannot start an Excel formula.
const MaskedName = "***"

// Restricted reports whether the asset's details are shown only to readers
// with asset.view_restricted over it.
func (a Asset) Restricted() bool { return a.Confidentiality.Restricted() }

// Handling returns the handling rules for the asset's classification. The
// level code itself names its scheme ("3" is legacy, "3A"–"3C" are 2024,
// "2" and "1" mean the same in both).
func (a Asset) Handling() []Rule {
	s := SchemeLegacy
	if a.Confidentiality.In(Scheme2024) {
		s = Scheme2024
	}
	return Handling(s, a.Confidentiality, a.Integrity, a.Availability)
}

// Warnings returns the asset's breaches of the network-domain rules. A
// masked asset has none: its domain and facts are hidden.
func (a Asset) Warnings() []Warning {
	if a.Masked {
		return nil
	}
	return Warnings(a)
}

// NeedsAttention reports whether the asset belongs on a 要対応 list.
func (a Asset) NeedsAttention() bool {
	return a.Status != StatusDisposed && (a.ReviewOverdue || len(a.Warnings()) > 0)
}

// today is the current date in Japan, where the office's calendar is.
func today() string { return time.Now().In(wareki.Location).Format(dateLayout) }

const dateLayout = "2006-01-02"

// noReview is review_due for an asset without a next review date.
const noReview = "9999-12-31"

// Input is what a user submits to register or change an asset. Enumerated
// fields are the codes of the API (see the types above); an empty value
// takes the default where one exists. Dates accept what people type
// ("令和7年4月1日", "R7.4.1", "2025-04-01") and are stored as YYYY-MM-DD.
type Input struct {
	Name                     string   `json:"name"`
	Kind                     string   `json:"kind"`
	Description              string   `json:"description"`
	DepartmentID             int64    `json:"department_id,string"`
	OwnerID                  int64    `json:"owner_id,string"`
	CustodianID              int64    `json:"custodian_id,string"`
	Location                 string   `json:"location"`
	ControlledArea           bool     `json:"is_controlled_area"`
	Domain                   string   `json:"domain"`
	Confidentiality          string   `json:"confidentiality"`
	Integrity                string   `json:"integrity"`
	Availability             string   `json:"availability"`
	RetentionYears           int      `json:"retention_years"`
	Status                   string   `json:"status"`
	DisposedOn               string   `json:"disposed_on"`
	DisposalMethod           string   `json:"disposal_method"`
	DisposalWitnessID        int64    `json:"disposal_witness_id,string"`
	NextReviewDate           string   `json:"next_review_date"`
	Tags                     []string `json:"tags"`
	MFAOnTerminals           string   `json:"mfa_on_terminals"`
	TakeoutDisabled          string   `json:"takeout_disabled"`
	IsolatedFromOtherDomains string   `json:"isolated_from_other_domains"`
	TrafficMonitoring        string   `json:"traffic_monitoring"`
	// Version is the version the user edited; an update fails with
	// db.ErrConflict when the asset has changed since. Ignored on create.
	Version int64 `json:"version"`
}

// Field limits, in characters.
const (
	MaxName        = 200
	MaxDescription = 2000
	MaxLocation    = 200
	MaxMethod      = 200
	MaxTags        = 20
	MaxTag         = 40
)

// Validate checks every field that can be checked without storage, fills in
// defaults and normalises text, dates and tags. Whether the confidentiality
// level belongs to the organisation's scheme and whether the department and
// people exist is checked by Check, which Create and Update call.
func (in *Input) Validate() error {
	e := validate.Errors{}
	in.Name = e.Text("name", in.Name, true, MaxName, false)
	in.Description = e.Text("description", in.Description, false, MaxDescription, true)
	in.Location = e.Text("location", in.Location, false, MaxLocation, false)
	in.DisposalMethod = e.Text("disposal_method", in.DisposalMethod, false, MaxMethod, false)

	if !Kind(in.Kind).IsValid() {
		choice(e, "kind", in.Kind)
	}
	if in.Domain == "" {
		in.Domain = string(DomainNone)
	}
	if !Domain(in.Domain).IsValid() {
		choice(e, "domain", in.Domain)
	}
	if !Confidentiality(in.Confidentiality).IsValid() {
		choice(e, "confidentiality", in.Confidentiality)
	}
	if !Integrity(in.Integrity).IsValid() {
		choice(e, "integrity", in.Integrity)
	}
	if !Availability(in.Availability).IsValid() {
		choice(e, "availability", in.Availability)
	}
	if in.Status == "" {
		in.Status = string(StatusInUse)
	}
	if !Status(in.Status).IsValid() {
		choice(e, "status", in.Status)
	}
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"mfa_on_terminals", &in.MFAOnTerminals}, {"takeout_disabled", &in.TakeoutDisabled},
		{"isolated_from_other_domains", &in.IsolatedFromOtherDomains}, {"traffic_monitoring", &in.TrafficMonitoring},
	} {
		if *f.v == "" {
			*f.v = string(FactUnknown)
		}
		if !Fact(*f.v).IsValid() {
			choice(e, f.name, *f.v)
		}
	}
	if in.RetentionYears != RetentionPermanent && (in.RetentionYears < 0 || in.RetentionYears > MaxRetentionYears) {
		e.Add("retention_years", "asset.retention_invalid", MaxRetentionYears)
	}
	if in.DepartmentID <= 0 {
		e.Add("department_id", "error.required")
	}
	if in.OwnerID <= 0 {
		e.Add("owner_id", "error.required")
	}
	if in.CustodianID < 0 {
		e.Add("custodian_id", "error.invalid_choice")
	}
	if in.DisposalWitnessID < 0 {
		e.Add("disposal_witness_id", "error.invalid_choice")
	}
	in.NextReviewDate = dateField(e, "next_review_date", in.NextReviewDate)
	in.DisposedOn = dateField(e, "disposed_on", in.DisposedOn)

	// Disposal is recorded with when, how and who witnessed it (seed §6(2):
	// 廃棄 is one of the handled steps); those fields mean nothing otherwise.
	if Status(in.Status) == StatusDisposed {
		if in.DisposedOn == "" {
			e.Add("disposed_on", "asset.disposal_date_required")
		} else if in.DisposedOn > today() {
			e.Add("disposed_on", "asset.disposal_date_future")
		}
		if in.DisposalMethod == "" {
			e.Add("disposal_method", "asset.disposal_method_required")
		}
		if in.DisposalWitnessID <= 0 {
			e.Add("disposal_witness_id", "asset.disposal_witness_required")
		}
	} else if in.DisposedOn != "" || in.DisposalMethod != "" || in.DisposalWitnessID != 0 {
		e.Add("status", "asset.disposal_without_status")
	}

	tags, key := normaliseTags(in.Tags)
	if key != "" {
		e.Add("tags", key, tagLimit(key))
	}
	in.Tags = tags
	return e.Err()
}

func tagLimit(key string) int {
	if key == "asset.too_many_tags" {
		return MaxTags
	}
	return MaxTag
}

// normaliseTags folds full-width letters and digits, splits on spaces,
// commas and 読点, drops empty and repeated tags (case-insensitively) and
// keeps the order given. It returns a message key when a limit is broken.
func normaliseTags(in []string) ([]string, string) {
	out := []string{}
	seen := map[string]bool{}
	for _, raw := range in {
		for _, t := range splitTags(raw) {
			k := textfold.Fold(t)
			if seen[k] {
				continue
			}
			seen[k] = true
			if utf8.RuneCountInString(t) > MaxTag {
				return out, "asset.tag_too_long"
			}
			if !utf8.ValidString(t) || hasControl(t) {
				return out, "error.invalid_utf8"
			}
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return out[:MaxTags], "asset.too_many_tags"
	}
	return out, ""
}

// ParseTags splits a tag cell or form field ("個人情報、サーバ室 PC") into tags.
func ParseTags(s string) []string {
	tags, _ := normaliseTags([]string{s})
	return tags
}

func splitTags(s string) []string {
	s = textfold.Width(s)
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '、' || r == '，' || r == ';' || r == '；' || isSpace(r)
	})
}

// choice records a missing or unknown code.
func choice(e validate.Errors, field, value string) {
	if value == "" {
		e.Add(field, "error.required")
		return
	}
	e.Add(field, "error.invalid_choice")
}

// dateField checks and normalises a date field.
func dateField(e validate.Errors, field, value string) string {
	d, ok := parseDate(value)
	if !ok {
		e.Add(field, "error.invalid_date")
		return value
	}
	return d
}

// parseDate reads a date as people type it and returns YYYY-MM-DD.
func parseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	t, err := wareki.Parse(s)
	if err != nil {
		return "", false
	}
	return t.Format(dateLayout), true
}
