// Package authz owns who may do what: the role catalogue and the one table of
// role × action × reach that the web UI, the API and the command line all
// read. Nobody is granted permissions one by one; they follow from roles.
package authz

import (
	"errors"
	"slices"
)

// ErrForbidden is what every layer returns when this table says no; the
// HTTP edge maps it to 403 and records the refusal.
var ErrForbidden = errors.New("forbidden")

// Role is a role code as used on the command line and in the API.
type Role string

const (
	Admin            Role = "admin"             // 管理者 (technical administrator)
	CISO             Role = "ciso"              // 最高情報セキュリティ責任者
	SecurityDirector Role = "security_director" // 統括情報セキュリティ責任者
	SecurityOfficer  Role = "security_officer"  // 情報セキュリティ責任者 (a 部局)
	SecurityManager  Role = "security_manager"  // 情報セキュリティ管理者 (a 課室)
	SystemAdmin      Role = "system_admin"      // 情報システム管理者 (a system)
	SystemOperator   Role = "system_operator"   // 情報システム担当者 (a system)
	Committee        Role = "committee"         // 情報セキュリティ委員会
	CSIRT            Role = "csirt"
	Auditor          Role = "auditor" // 監査人
	Staff            Role = "staff"   // 職員等: everyone has it
)

// ScopeKind says what a role assignment is bound to.
type ScopeKind string

const (
	ScopeOrg        ScopeKind = "org"
	ScopeDepartment ScopeKind = "department"
	ScopeSystem     ScopeKind = "system"
)

// RoleInfo describes a role in the catalogue.
type RoleInfo struct {
	Code   Role
	NameJA string
	NameEN string
	Scope  ScopeKind // what an assignment of this role is bound to
	// MFARequired roles must use a second factor to sign in.
	MFARequired bool
}

// Catalogue is the role catalogue, in display order. It is written to each
// organisation's roles table at first start so reports can join on it.
var Catalogue = []RoleInfo{
	{CISO, "最高情報セキュリティ責任者", "Chief Information Security Officer (CISO)", ScopeOrg, true},
	{SecurityDirector, "統括情報セキュリティ責任者", "Information Security Director", ScopeOrg, true},
	{SecurityOfficer, "情報セキュリティ責任者", "Information Security Officer (bureau)", ScopeDepartment, false},
	{SecurityManager, "情報セキュリティ管理者", "Information Security Manager (section)", ScopeDepartment, false},
	{SystemAdmin, "情報システム管理者", "Information System Administrator", ScopeSystem, false},
	{SystemOperator, "情報システム担当者", "Information System Operator", ScopeSystem, false},
	{Committee, "情報セキュリティ委員会委員", "Information Security Committee member", ScopeOrg, false},
	{CSIRT, "CSIRT要員", "CSIRT member", ScopeOrg, false},
	{Auditor, "監査人", "Auditor", ScopeOrg, false},
	{Admin, "管理者", "Administrator (accounts and settings)", ScopeOrg, true},
	{Staff, "職員等", "Staff (everyone)", ScopeOrg, false},
}

// Info returns the catalogue entry of a role.
func Info(r Role) (RoleInfo, bool) {
	for _, ri := range Catalogue {
		if ri.Code == r {
			return ri, true
		}
	}
	return RoleInfo{}, false
}

// Valid reports whether r is in the catalogue.
func (r Role) Valid() bool { _, ok := Info(r); return ok }

// Action is something a person may be allowed to do.
type Action string

const (
	ViewDepartments Action = "department.view"
	EditDepartments Action = "department.edit"
	ViewPeople      Action = "person.view"
	EditPeople      Action = "person.edit"
	ManageAccounts  Action = "account.manage" // sign-in accounts, passwords, disabling
	ViewRoles       Action = "role.view"
	AssignRoles     Action = "role.assign"
	ViewSettings    Action = "settings.view"
	EditSettings    Action = "settings.edit"
	ViewTrail       Action = "trail.view"
	ExportTrail     Action = "trail.export"
	OwnAccount      Action = "account.own" // own password, MFA, tokens, preferences

	// The information asset register (seed §2(1), §4(2), §6(2)).
	ViewAssets   Action = "asset.view"
	EditAssets   Action = "asset.edit"
	ExportAssets Action = "asset.export"
	ImportAssets Action = "asset.import"
	// ViewRestrictedAssets shows the details of a 機密性3A/3B (or legacy 3)
	// asset; without it such an asset is listed masked.
	ViewRestrictedAssets Action = "asset.view_restricted"
	// ConfigureAssets chooses the classification scheme and edits the
	// organisation's own level descriptions: a policy decision, so it sits
	// with the CISO and 統括, not with the technical administrator.
	ConfigureAssets Action = "asset.configure"

	// Policy documents (seed §5, §8, §9, §10). ViewDocuments reads the
	// published versions a document's visibility allows; restricted ones
	// need a place in its access list, or ViewRestrictedDocuments, which
	// also shows drafts.
	ViewDocuments           Action = "document.view"
	ViewRestrictedDocuments Action = "document.view_restricted"
	EditDocuments           Action = "document.edit"    // create, write drafts, submit for review
	ReviewDocuments         Action = "document.review"  // comment on a version in review
	ApproveDocuments        Action = "document.approve" // the CISO's approval, or sending back
	VoteDocuments           Action = "document.vote"    // a committee member's approval, counted to a quorum
	PublishDocuments        Action = "document.publish"
	RecordReviews           Action = "document.record_review" // §8 review records
	// TrackAcknowledgements shows who has (not) acknowledged, per
	// department, and exports it.
	TrackAcknowledgements Action = "document.track_acks"
	// 例外措置: anyone may ask to depart from a clause; the CISO decides.
	RequestExceptions Action = "exception.request"
	ViewExceptions    Action = "exception.view"
	DecideExceptions  Action = "exception.decide"

	// Self-inspection (自己点検, seed §6(9), §7).
	ViewChecklists      Action = "checklist.view"
	EditChecklists      Action = "checklist.edit"
	ManageCampaigns     Action = "campaign.manage"
	AnswerCampaigns     Action = "campaign.answer"  // one's own assigned items
	ViewCampaignResults Action = "campaign.results" // progress and results
	// Audit (情報セキュリティ監査). ConductAudits is further limited to the
	// engagements a person is assigned to, never of their own department.
	ViewAudits    Action = "audit.view"
	ManageAudits  Action = "audit.manage" // plans, engagements, auditors
	ConductAudits Action = "audit.conduct"
	RespondAudits Action = "audit.respond" // evidence replies and the response to a draft report
	ApproveAudits Action = "audit.approve" // the final report
	// Corrective actions (是正処置).
	ViewActions   Action = "action.view"
	EditActions   Action = "action.edit"
	VerifyActions Action = "action.verify"
)

// Actions lists every action, for the route table test and documentation.
var Actions = []Action{ViewDepartments, EditDepartments, ViewPeople, EditPeople, ManageAccounts,
	ViewRoles, AssignRoles, ViewSettings, EditSettings, ViewTrail, ExportTrail, OwnAccount,
	ViewAssets, EditAssets, ExportAssets, ImportAssets, ViewRestrictedAssets, ConfigureAssets,
	ViewDocuments, ViewRestrictedDocuments, EditDocuments, ReviewDocuments, ApproveDocuments, VoteDocuments,
	PublishDocuments, RecordReviews, TrackAcknowledgements, RequestExceptions, ViewExceptions, DecideExceptions,
	ViewChecklists, EditChecklists, ManageCampaigns, AnswerCampaigns, ViewCampaignResults,
	ViewAudits, ManageAudits, ConductAudits, RespondAudits, ApproveAudits, ViewActions, EditActions, VerifyActions}

// Reach is how far a permission extends from the role assignment.
type Reach string

const (
	ReachOrg        Reach = "org"        // everything in the organisation
	ReachDepartment Reach = "department" // the assigned department and those below it
	ReachSystem     Reach = "system"     // the assigned system
	ReachSelf       Reach = "self"       // the person themself
)

// Rule grants a role an action with a reach.
type Rule struct {
	Role   Role
	Action Action
	Reach  Reach
}

// Table is the one permission table. Keep it sorted by role.
var Table = []Rule{
	{Admin, ViewDepartments, ReachOrg},
	{Admin, EditDepartments, ReachOrg},
	{Admin, ViewPeople, ReachOrg},
	{Admin, EditPeople, ReachOrg},
	{Admin, ManageAccounts, ReachOrg},
	{Admin, ViewRoles, ReachOrg},
	{Admin, AssignRoles, ReachOrg},
	{Admin, ViewSettings, ReachOrg},
	{Admin, EditSettings, ReachOrg},
	{Admin, ViewTrail, ReachOrg},
	{Admin, ExportTrail, ReachOrg},

	{CISO, ViewDepartments, ReachOrg},
	{CISO, EditDepartments, ReachOrg},
	{CISO, ViewPeople, ReachOrg},
	{CISO, EditPeople, ReachOrg},
	{CISO, ViewRoles, ReachOrg},
	{CISO, AssignRoles, ReachOrg},
	{CISO, ViewSettings, ReachOrg},
	{CISO, ViewTrail, ReachOrg},
	{CISO, ExportTrail, ReachOrg},
	{CISO, ViewAssets, ReachOrg},
	{CISO, EditAssets, ReachOrg},
	{CISO, ExportAssets, ReachOrg},
	{CISO, ImportAssets, ReachOrg},
	{CISO, ViewRestrictedAssets, ReachOrg},
	{CISO, ConfigureAssets, ReachOrg},
	{CISO, ViewRestrictedDocuments, ReachOrg},
	{CISO, EditDocuments, ReachOrg},
	{CISO, ReviewDocuments, ReachOrg},
	{CISO, ApproveDocuments, ReachOrg},
	{CISO, PublishDocuments, ReachOrg},
	{CISO, RecordReviews, ReachOrg},
	{CISO, TrackAcknowledgements, ReachOrg},
	{CISO, ViewExceptions, ReachOrg},
	{CISO, DecideExceptions, ReachOrg},
	{CISO, ViewChecklists, ReachOrg},
	{CISO, EditChecklists, ReachOrg},
	{CISO, ManageCampaigns, ReachOrg},
	{CISO, ViewCampaignResults, ReachOrg},
	{CISO, ViewAudits, ReachOrg},
	{CISO, ManageAudits, ReachOrg},
	{CISO, ApproveAudits, ReachOrg},
	{CISO, ViewActions, ReachOrg},
	{CISO, EditActions, ReachOrg},

	{SecurityDirector, ViewDepartments, ReachOrg},
	{SecurityDirector, EditDepartments, ReachOrg},
	{SecurityDirector, ViewPeople, ReachOrg},
	{SecurityDirector, EditPeople, ReachOrg},
	{SecurityDirector, ViewRoles, ReachOrg},
	{SecurityDirector, AssignRoles, ReachOrg},
	{SecurityDirector, ViewSettings, ReachOrg},
	{SecurityDirector, ViewTrail, ReachOrg},
	{SecurityDirector, ExportTrail, ReachOrg},
	{SecurityDirector, ViewAssets, ReachOrg},
	{SecurityDirector, EditAssets, ReachOrg},
	{SecurityDirector, ExportAssets, ReachOrg},
	{SecurityDirector, ImportAssets, ReachOrg},
	{SecurityDirector, ViewRestrictedAssets, ReachOrg},
	{SecurityDirector, ConfigureAssets, ReachOrg},
	// 統括 runs the document set day to day but does not approve: the
	// basic policy gives approval to the CISO (or the committee).
	{SecurityDirector, ViewRestrictedDocuments, ReachOrg},
	{SecurityDirector, EditDocuments, ReachOrg},
	{SecurityDirector, ReviewDocuments, ReachOrg},
	{SecurityDirector, PublishDocuments, ReachOrg},
	{SecurityDirector, RecordReviews, ReachOrg},
	{SecurityDirector, TrackAcknowledgements, ReachOrg},
	{SecurityDirector, ViewExceptions, ReachOrg},
	{SecurityDirector, ViewChecklists, ReachOrg},
	{SecurityDirector, EditChecklists, ReachOrg},
	{SecurityDirector, ManageCampaigns, ReachOrg},
	{SecurityDirector, ViewCampaignResults, ReachOrg},
	{SecurityDirector, ViewAudits, ReachOrg},
	{SecurityDirector, ManageAudits, ReachOrg},
	{SecurityDirector, ViewActions, ReachOrg},
	{SecurityDirector, EditActions, ReachOrg},
	{SecurityDirector, VerifyActions, ReachOrg},

	{SecurityOfficer, ViewPeople, ReachDepartment},
	{SecurityOfficer, EditPeople, ReachDepartment},
	{SecurityOfficer, ViewAssets, ReachDepartment},
	{SecurityOfficer, EditAssets, ReachDepartment},
	{SecurityOfficer, ExportAssets, ReachDepartment},
	{SecurityOfficer, ImportAssets, ReachDepartment},
	{SecurityOfficer, ViewRestrictedAssets, ReachDepartment},
	{SecurityOfficer, ReviewDocuments, ReachOrg},
	{SecurityOfficer, TrackAcknowledgements, ReachDepartment},
	{SecurityOfficer, ViewExceptions, ReachDepartment},
	{SecurityOfficer, ViewChecklists, ReachDepartment},
	{SecurityOfficer, ViewCampaignResults, ReachDepartment},
	{SecurityOfficer, ViewAudits, ReachDepartment},
	{SecurityOfficer, RespondAudits, ReachDepartment},
	{SecurityOfficer, ViewActions, ReachDepartment},
	{SecurityOfficer, EditActions, ReachDepartment},

	{SecurityManager, ViewPeople, ReachDepartment},
	{SecurityManager, EditPeople, ReachDepartment},
	{SecurityManager, ViewAssets, ReachDepartment},
	{SecurityManager, EditAssets, ReachDepartment},
	{SecurityManager, ExportAssets, ReachDepartment},
	{SecurityManager, ImportAssets, ReachDepartment},
	{SecurityManager, ViewRestrictedAssets, ReachDepartment},
	{SecurityManager, TrackAcknowledgements, ReachDepartment},
	{SecurityManager, ViewExceptions, ReachDepartment},
	{SecurityManager, ViewChecklists, ReachDepartment},
	{SecurityManager, ViewCampaignResults, ReachDepartment},
	{SecurityManager, ViewAudits, ReachDepartment},
	{SecurityManager, RespondAudits, ReachDepartment},
	{SecurityManager, ViewActions, ReachDepartment},
	{SecurityManager, EditActions, ReachDepartment},

	// 情報システム管理者: the system asset they run (the assignment's scope id
	// is that asset's id), not the information it holds.
	{SystemAdmin, ViewAssets, ReachSystem},
	{SystemAdmin, EditAssets, ReachSystem},
	{SystemAdmin, ViewRestrictedAssets, ReachSystem},

	{Auditor, ViewPeople, ReachOrg},
	{Auditor, ViewTrail, ReachOrg},
	{Auditor, ExportTrail, ReachOrg},
	// Auditors and the committee review the whole register, but a
	// restricted asset's details stay with those who handle it.
	{Auditor, ViewAssets, ReachOrg},
	{Auditor, ExportAssets, ReachOrg},
	{Auditor, ViewExceptions, ReachOrg},
	{Auditor, ViewChecklists, ReachOrg},
	{Auditor, ViewCampaignResults, ReachOrg},
	{Auditor, ViewAudits, ReachOrg},
	{Auditor, ConductAudits, ReachOrg},
	{Auditor, ViewActions, ReachOrg},
	{Auditor, VerifyActions, ReachOrg},

	{Committee, ViewAssets, ReachOrg},
	{Committee, ExportAssets, ReachOrg},
	{Committee, ReviewDocuments, ReachOrg},
	{Committee, VoteDocuments, ReachOrg},
	{Committee, ViewCampaignResults, ReachOrg},
	{Committee, ViewAudits, ReachOrg},

	{CSIRT, ViewPeople, ReachOrg},

	{Staff, ViewDepartments, ReachOrg},
	{Staff, ViewRoles, ReachOrg},
	{Staff, ViewPeople, ReachSelf},
	{Staff, OwnAccount, ReachSelf},
	// Every worker sees the assets they are 管理責任者 or custodian of.
	{Staff, ViewAssets, ReachSelf},
	{Staff, ViewRestrictedAssets, ReachSelf},
	{Staff, ViewDocuments, ReachOrg},
	{Staff, RequestExceptions, ReachSelf},
	{Staff, ViewExceptions, ReachSelf},
	{Staff, AnswerCampaigns, ReachSelf},
	{Staff, ViewActions, ReachSelf},
	{Staff, EditActions, ReachSelf},
}

// Assignment is one role held by a person, bound to a scope.
type Assignment struct {
	Role      Role
	ScopeKind ScopeKind
	ScopeID   int64 // department or system id; 0 for the organisation
}

// Principal is a person as far as permissions are concerned.
type Principal struct {
	PersonID    int64
	Assignments []Assignment // Staff is implied and need not be listed
}

// Has reports whether the principal holds a role (in any scope).
func (p Principal) Has(r Role) bool {
	if r == Staff {
		return true
	}
	return slices.ContainsFunc(p.Assignments, func(a Assignment) bool { return a.Role == r })
}

// Target is what an action is applied to. Departments lists the target's
// department and all its ancestors, so a 部局 role covers its 課室.
type Target struct {
	Departments []int64
	SystemID    int64
	PersonID    int64
}

// Grant is the reach of one action for one principal, in a form list
// queries turn into SQL conditions.
type Grant struct {
	All         bool    // the whole organisation
	Departments []int64 // these departments and those below them
	Systems     []int64
	Self        bool // the principal's own records
}

// Any reports whether the grant allows anything at all.
func (g Grant) Any() bool { return g.All || len(g.Departments) > 0 || len(g.Systems) > 0 || g.Self }

// GrantFor works out how far a principal may perform an action.
func GrantFor(p Principal, a Action) Grant {
	var g Grant
	assignments := append([]Assignment{{Role: Staff, ScopeKind: ScopeOrg}}, p.Assignments...)
	for _, as := range assignments {
		for _, r := range Table {
			if r.Role != as.Role || r.Action != a {
				continue
			}
			switch r.Reach {
			case ReachOrg:
				g.All = true
			case ReachDepartment:
				if as.ScopeKind == ScopeDepartment && as.ScopeID != 0 && !slices.Contains(g.Departments, as.ScopeID) {
					g.Departments = append(g.Departments, as.ScopeID)
				}
			case ReachSystem:
				if as.ScopeKind == ScopeSystem && as.ScopeID != 0 && !slices.Contains(g.Systems, as.ScopeID) {
					g.Systems = append(g.Systems, as.ScopeID)
				}
			case ReachSelf:
				g.Self = true
			}
		}
	}
	return g
}

// Can reports whether the principal may perform the action on the target.
func Can(p Principal, a Action, t Target) bool {
	g := GrantFor(p, a)
	if g.All {
		return true
	}
	if g.Self && t.PersonID != 0 && t.PersonID == p.PersonID {
		return true
	}
	for _, d := range g.Departments {
		if slices.Contains(t.Departments, d) {
			return true
		}
	}
	if t.SystemID != 0 && slices.Contains(g.Systems, t.SystemID) {
		return true
	}
	return false
}

// CanSome reports whether the principal may perform the action on anything:
// used to decide whether to show a menu entry or a page at all.
func CanSome(p Principal, a Action) bool { return GrantFor(p, a).Any() }

// MFARequired reports whether any of the principal's roles demands MFA.
func MFARequired(p Principal) bool {
	for _, as := range p.Assignments {
		if ri, ok := Info(as.Role); ok && ri.MFARequired {
			return true
		}
	}
	return false
}
