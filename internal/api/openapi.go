package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"mamori/internal/asset"
	"mamori/internal/assetfile"
	"mamori/internal/authz"
	"mamori/internal/inspection"
	"mamori/internal/org"
	"mamori/internal/policy"
	"mamori/internal/policy/doctext"
	"mamori/internal/trail"
)

// operation documents one route. The document is built from this table,
// not from the route table, so the OpenAPI test catches a route added
// without documentation (and documentation left behind by a removed route).
type operation struct {
	ID          string
	Tag         string
	Summary     string
	Description string
	Query       []param
	Body        reflect.Type // the request body, nil for none
	Response    reflect.Type // the response (or list item) type, nil for 204
	List        bool         // the response is {"items":[Response…],"next_cursor":…}
	Status      int
	Conflict    bool // may answer 409
	// Upload takes a file as multipart/form-data in the field "file"
	// instead of a JSON body.
	Upload bool
	// Produces lists the media types of a success that is a file, not JSON.
	Produces []string
}

type param struct {
	Name        string
	Schema      map[string]any
	Description string
}

var (
	str     = map[string]any{"type": "string"}
	integer = map[string]any{"type": "integer"}
	boolean = map[string]any{"type": "boolean"}
	idParam = map[string]any{"type": "string", "pattern": "^[0-9]+$"}
)

func enumOf[T ~string](vs []T) map[string]any {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return map[string]any{"type": "string", "enum": out}
}

var pageParams = []param{
	{"limit", map[string]any{"type": "integer", "minimum": 1, "maximum": MaxLimit, "default": DefaultLimit}, "Page size."},
	{"cursor", str, "The next_cursor of the previous page."},
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// confidentialityLevels are the levels of both schemes: the 2024 five and
// the legacy 3.
var confidentialityLevels = []asset.Confidentiality{asset.C3A, asset.C3B, asset.C3C, asset.C3, asset.C2, asset.C1}

// assetFilterParams are the register's filters, as the list and the
// export read them (the names of asset.Filter's JSON fields).
var assetFilterParams = []param{
	{"q", str, "Part of the name, description or a tag (Japanese partial match). Assets shown masked never match."},
	{"kind", enumOf(asset.Kinds), "Kind."},
	{"confidentiality", enumOf(confidentialityLevels), "機密性 level."},
	{"integrity", enumOf(asset.IntegrityLevels), "完全性 level."},
	{"availability", enumOf(asset.AvailabilityLevels), "可用性 level."},
	{"domain", enumOf(asset.Domains), "Network domain. Assets shown masked never match."},
	{"department_id", idParam, "This department and those below it."},
	{"owner_id", idParam, "Assets whose 管理責任者 is this person. Assets shown masked never match."},
	{"status", enumOf(asset.Statuses), "Status."},
	{"review_overdue", boolean, "Only assets whose next review date has passed (Japan time)."},
	{"tag", str, "Assets with this tag (exact, any case)."},
	{"sort", enumOf(asset.Sorts), "Order; default name."},
	{"desc", boolean, "Descending order."},
}

const assetMasking = " Restricted assets (機密性3A, 3B or legacy 3) outside the caller's reach for asset.view_restricted appear masked: " +
	"only id, kind, the classification, department_id and status, with name \"***\" and masked true."

// documentNeedToKnow is what every document read says about access.
const documentNeedToKnow = "A document (or version) the caller may not read is 404, as for a missing one: a restricted document needs a place in its access list " +
	"or document.view_restricted, and a version before publication is seen only by those who work on documents."

var fileTypes = []string{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv"}

var operations = map[string]operation{
	"GET " + Prefix + "/openapi.json": {ID: "getOpenAPI", Tag: "meta", Summary: "This OpenAPI document (no token needed)", Status: 200},
	"GET " + Prefix + "/me": {ID: "getMe", Tag: "account", Summary: "The person behind the token, with roles and permissions",
		Response: typeOf[meView](), Status: 200},

	"GET " + Prefix + "/departments": {ID: "listDepartments", Tag: "departments", Summary: "部局 and 課室 in tree order",
		Description: "Each 部局 is followed by its 課室. The cursor is the id of the last department of the previous page.",
		Query:       append(slices.Clone(pageParams), param{"q", str, "Part of the name or code."}),
		Response:    typeOf[org.Department](), List: true, Status: 200},
	"POST " + Prefix + "/departments": {ID: "createDepartment", Tag: "departments",
		Summary: "Add a 部局 (no parent_id) or a 課室 (parent_id of a 部局)",
		Body:    typeOf[org.DepartmentInput](), Response: typeOf[org.Department](), Status: 201},
	"GET " + Prefix + "/departments/{id}": {ID: "getDepartment", Tag: "departments", Summary: "One department",
		Response: typeOf[org.Department](), Status: 200},
	"PATCH " + Prefix + "/departments/{id}": {ID: "updateDepartment", Tag: "departments", Summary: "Change a department",
		Description: "Fields left out keep their values; the full object may be sent. null clears parent_id.",
		Body:        typeOf[org.DepartmentInput](), Response: typeOf[org.Department](), Status: 200},
	"DELETE " + Prefix + "/departments/{id}": {ID: "deleteDepartment", Tag: "departments",
		Summary: "Remove a department", Description: "409 while it has 課室, people or role assignments.",
		Status: 204, Conflict: true},

	"GET " + Prefix + "/people": {ID: "listPeople", Tag: "people", Summary: "People the caller may see, by kana",
		Description: "An organisation-wide role sees everyone; a 情報セキュリティ責任者 or 管理者 their 部局 or 課室 and those below it; everyone sees themself.",
		Query: append(slices.Clone(pageParams),
			param{"q", str, "Part of the name, kana, email or login."},
			param{"department_id", idParam, "This department and those below it."},
			param{"staff_category", enumOf(org.StaffCategories), "Staff category."},
			param{"active", boolean, "Only active (true) or disabled (false) people."}),
		Response: typeOf[org.Person](), List: true, Status: 200},
	"POST " + Prefix + "/people": {ID: "createPerson", Tag: "people", Summary: "Add a person (without a sign-in account)",
		Body: typeOf[org.PersonInput](), Response: typeOf[org.Person](), Status: 201},
	"GET " + Prefix + "/people/{id}": {ID: "getPerson", Tag: "people", Summary: "One person",
		Response: typeOf[org.Person](), Status: 200},
	"PATCH " + Prefix + "/people/{id}": {ID: "updatePerson", Tag: "people", Summary: "Change a person",
		Description: "Fields left out keep their values; the full object may be sent. Moving a person needs reach over both departments.",
		Body:        typeOf[org.PersonInput](), Response: typeOf[org.Person](), Status: 200},
	"POST " + Prefix + "/people/{id}/disable": {ID: "disablePerson", Tag: "people",
		Summary: "Disable a person", Description: "Ends their sessions and revokes their API tokens at once. 409 for oneself.",
		Response: typeOf[org.Person](), Status: 200, Conflict: true},
	"POST " + Prefix + "/people/{id}/enable": {ID: "enablePerson", Tag: "people", Summary: "Enable a person again",
		Response: typeOf[org.Person](), Status: 200},
	"GET " + Prefix + "/people/{id}/roles": {ID: "listPersonRoles", Tag: "roles", Summary: "The roles a person holds (one page)",
		Response: typeOf[org.RoleAssignment](), List: true, Status: 200},
	"POST " + Prefix + "/people/{id}/roles": {ID: "assignRole", Tag: "roles", Summary: "Give a person a role",
		Description: `For example {"role":"security_officer","scope_id":"12"}: a 部局 for security_officer, a 課室 for security_manager, a system for system roles, nothing for organisation-wide roles.`,
		Body:        typeOf[org.AssignmentInput](), Response: typeOf[org.RoleAssignment](), Status: 201},
	"DELETE " + Prefix + "/people/{id}/roles/{assignment_id}": {ID: "unassignRole", Tag: "roles",
		Summary: "Remove a role assignment", Status: 204},
	"GET " + Prefix + "/roles": {ID: "listRoles", Tag: "roles", Summary: "The role catalogue (one page)",
		Response: typeOf[roleView](), List: true, Status: 200},

	"GET " + Prefix + "/assets": {ID: "listAssets", Tag: "assets", Summary: "The information asset register (情報資産台帳)",
		Description: "Assets the caller may view, filtered and sorted, with the handling rules (handling) and network-domain warnings (warnings) computed for each." +
			assetMasking + " Masked assets come after the others.",
		Query:    append(slices.Clone(pageParams), assetFilterParams...),
		Response: typeOf[assetView](), List: true, Status: 200},
	"POST " + Prefix + "/assets": {ID: "createAsset", Tag: "assets", Summary: "Register an asset",
		Description: `For example {"name":"人事給与システム","kind":"system","department_id":"3","owner_id":"12","confidentiality":"2","integrity":"2","availability":"2","domain":"lgwan"}. ` +
			"Dates accept 令和7年4月1日, R7.4.1 or 2025-04-01. Outside the caller's reach (the department) the answer is 403.",
		Body: typeOf[asset.Input](), Response: typeOf[assetView](), Status: 201},
	"GET " + Prefix + "/assets/export": {ID: "exportAssets", Tag: "assets", Summary: "The register as an Excel workbook or CSV",
		Description: "format=xlsx (default) or csv (UTF-8 with BOM), under the list's filters, headers and words in the language of Accept-Language. " +
			"Cells a spreadsheet would run as formulas are neutralised. The export, with its filters, is recorded in the trail before it is sent." + assetMasking,
		Query:    append([]param{{"format", enumOf(assetfile.Formats), "File type; default xlsx."}}, assetFilterParams...),
		Produces: fileTypes, Status: 200},
	"POST " + Prefix + "/assets/import": {ID: "importAssets", Tag: "assets", Summary: "Check or import a register file",
		Description: "A file (XLSX, or CSV in UTF-8 with or without BOM or in Shift_JIS) in the multipart field file, with headers in Japanese or English. " +
			"dry_run=true reports what each row would do (create, update, unchanged, error) and writes nothing. Without it the file is imported in one transaction: " +
			"every row or none; a file with problems is answered 400 with each problem as a field (rows.3.confidentiality). Rows are matched by id (default) or by name.",
		Query: []param{
			{"dry_run", boolean, "Only check; default false."},
			{"match_by", enumOf(assetfile.Matches), "How a row finds the asset it changes; default id."},
		},
		Upload: true, Response: typeOf[importReportView](), Status: 200},
	"GET " + Prefix + "/assets/{id}": {ID: "getAsset", Tag: "assets", Summary: "One asset, with its handling rules and warnings",
		Description: "404 outside the caller's reach." + assetMasking,
		Response:    typeOf[assetView](), Status: 200},
	"PATCH " + Prefix + "/assets/{id}": {ID: "updateAsset", Tag: "assets", Summary: "Change an asset",
		Description: "Fields left out keep their values; the full object may be sent. Send version to be refused (409) when someone changed the asset since. " +
			"A change of classification changes the handling rules at once and is recorded in the trail.",
		Body: typeOf[asset.Input](), Response: typeOf[assetView](), Status: 200, Conflict: true},
	"DELETE " + Prefix + "/assets/{id}": {ID: "deleteAsset", Tag: "assets", Summary: "Remove an asset registered by mistake",
		Description: "An asset gone from use is disposed instead (PATCH status, disposed_on, disposal_method, disposal_witness_id). 409 while links refer to it.",
		Status:      204, Conflict: true},

	"GET " + Prefix + "/documents": {ID: "listDocuments", Tag: "documents", Summary: "The policy documents the caller may read, by type and number",
		Description: "Each with the version the caller reads: the one in effect, or for those who work on documents (document.edit, review, approve, vote) the newest when none is. " +
			"q searches the title and text of that version (Japanese partial match, every word). " + documentNeedToKnow,
		Query: append(slices.Clone(pageParams),
			param{"q", str, "Words that must all occur in the title or text."},
			param{"type", enumOf(policy.Types), "Document type."}),
		Response: typeOf[policy.Item](), List: true, Status: 200},
	"POST " + Prefix + "/documents": {ID: "createDocument", Tag: "documents", Summary: "Create a document with its first draft (version 1)",
		Description: `For example {"type":"standard","title":"情報セキュリティ対策基準","parent_id":"1","body":"# 1 組織体制\n…"}. ` +
			"visibility defaults to public for the basic policy, restricted for a procedure and staff otherwise; access lists who reads a restricted document " +
			"(kind role, department — with those below it — or person). ack_required defaults to true.",
		Body: typeOf[policy.DocumentInput](), Response: typeOf[documentView](), Status: 201},
	"GET " + Prefix + "/documents/{id}": {ID: "getDocument", Tag: "documents", Summary: "A document with the version the caller reads, its Markdown body and clauses",
		Description: "draft_version_id names the version being written, for those who see drafts. " +
			"acknowledgement, on a version in effect, says whether the caller was asked to acknowledge it and when they did. " + documentNeedToKnow,
		Response: typeOf[documentView](), Status: 200},
	"PATCH " + Prefix + "/documents/{id}": {ID: "updateDocument", Tag: "documents", Summary: "Change a document's settings",
		Description: "Fields left out keep their values. Send lock_version to be refused (409) when someone changed the settings since. The text is changed in a draft version.",
		Body:        typeOf[documentSettingsInput](), Response: typeOf[policy.Document](), Status: 200, Conflict: true},
	"GET " + Prefix + "/documents/{id}/compare": {ID: "compareDocumentVersions", Tag: "documents", Summary: "Two versions side by side, clause by clause",
		Description: "Clauses are matched by their id; text and heading differences are given character by character. " + documentNeedToKnow,
		Query:       []param{{"from", idParam, "The older version (required)."}, {"to", idParam, "The newer version (required)."}},
		Response:    typeOf[policy.Comparison](), Status: 200},
	"GET " + Prefix + "/documents/{id}/versions": {ID: "listDocumentVersions", Tag: "documents", Summary: "A document's versions, newest first, without their text (one page)",
		Description: documentNeedToKnow, Response: typeOf[policy.Version](), List: true, Status: 200},
	"POST " + Prefix + "/documents/{id}/versions": {ID: "createDocumentVersion", Tag: "documents", Summary: "Start the next version as a draft copy of the newest",
		Description: "409 while a version is still unpublished (draft, in review or approved).", Response: typeOf[policy.Version](), Status: 201, Conflict: true},
	"GET " + Prefix + "/documents/{id}/versions/{vid}": {ID: "getDocumentVersion", Tag: "documents", Summary: "One version with its text and clauses",
		Description: documentNeedToKnow, Response: typeOf[policy.Version](), Status: 200},
	"PATCH " + Prefix + "/documents/{id}/versions/{vid}": {ID: "updateDocumentVersion", Tag: "documents", Summary: "Change a draft's text",
		Description: "Fields left out keep their values; send lock_version to be refused (409) when someone changed the draft since. " +
			"A version in review or approved is refused (409: send it back first); a published version never changes (409, kept in the trail).",
		Body: typeOf[policy.DraftInput](), Response: typeOf[policy.Version](), Status: 200, Conflict: true},
	"POST " + Prefix + "/documents/{id}/versions/{vid}/submit": {ID: "submitDocumentVersion", Tag: "documents", Summary: "Send a draft for review",
		Response: typeOf[policy.Version](), Status: 200, Conflict: true},
	"POST " + Prefix + "/documents/{id}/versions/{vid}/approve": {ID: "approveDocumentVersion", Tag: "documents", Summary: "The CISO's approval of a version in review",
		Description: "The author of the version never approves it (403, kept in the trail); a version not in review is 409.",
		Response:    typeOf[policy.Version](), Status: 200, Conflict: true},
	"POST " + Prefix + "/documents/{id}/versions/{vid}/vote": {ID: "voteDocumentVersion", Tag: "documents", Summary: "A committee member's approval, counted to the quorum",
		Description: "The version is approved when the votes reach the quorum in the organisation's settings; 409 when the quorum is 0 (the committee does not approve) or the member has voted. The author never votes (403).",
		Response:    typeOf[policy.Version](), Status: 200, Conflict: true},
	"POST " + Prefix + "/documents/{id}/versions/{vid}/send-back": {ID: "sendBackDocumentVersion", Tag: "documents", Summary: "Return a version in review (or approved) to draft, with the reason",
		Body: typeOf[sendBackInput](), Response: typeOf[policy.Version](), Status: 200, Conflict: true},
	"POST " + Prefix + "/documents/{id}/versions/{vid}/publish": {ID: "publishDocumentVersion", Tag: "documents", Summary: "Put an approved version into effect",
		Description: `For example {"effective_date":"2026-12-01"}. The version in effect is superseded, the next review date set and everyone in the acknowledgement scope asked to acknowledge. ` +
			"A version nobody approved is refused (409, kept in the trail).",
		Body: typeOf[publishInput](), Response: typeOf[policy.Version](), Status: 200, Conflict: true},
	"POST " + Prefix + "/documents/{id}/versions/{vid}/acknowledge": {ID: "acknowledgeDocumentVersion", Tag: "documents",
		Summary: "Record that the caller has read the version in effect (確認)",
		Description: "Only a version in effect that the caller was asked to acknowledge when it was published (by staff category and department); " +
			"otherwise 403, kept in the trail. A second acknowledgement is 409.",
		Response: typeOf[policy.AckState](), Status: 200, Conflict: true},
	"GET " + Prefix + "/documents/{id}/versions/{vid}/comments": {ID: "listDocumentComments", Tag: "documents", Summary: "Reviewers' comments on a version, oldest first (one page)",
		Description: documentNeedToKnow, Response: typeOf[policy.Comment](), List: true, Status: 200},
	"POST " + Prefix + "/documents/{id}/versions/{vid}/comments": {ID: "createDocumentComment", Tag: "documents", Summary: "Comment on a version in review",
		Description: "clause is a clause id of the version (e.g. 6-(3)-①), or empty for the whole.",
		Body:        typeOf[commentInput](), Response: typeOf[policy.Comment](), Status: 201, Conflict: true},

	// Self-inspection (自己点検): inspection.go.
	"GET " + Prefix + "/checklists": {ID: "listChecklists", Tag: "checklists", Summary: "Checklist templates (点検表), newest version first",
		Query:    append(slices.Clone(pageParams), param{"status", enumOf(inspection.ChecklistStatuses), "draft, active (used by campaigns, never changes) or retired."}),
		Response: typeOf[inspection.Checklist](), List: true, Status: 200},
	"POST " + Prefix + "/checklists": {ID: "createChecklist", Tag: "checklists", Summary: "Create a checklist (a draft) with its items",
		Description: `For example {"title":"令和8年度 自己点検表","items":[{"code":"1-1","category":"人的セキュリティ","question":"離席時に画面をロックしているか",` +
			`"respondent":"all","priority":true,"clause_text":"基本方針 6-(3)-①; 対策基準 2-(1)"}],"activate":true}. respondent is all, manager ` +
			"(情報セキュリティ責任者・管理者) or system_admin (情報システム管理者); clauses are given as clause_text or as [{\"document_id\",\"clause\"}] " +
			"and must be clauses of a document's version in effect. activate puts it into use at once.",
		Body: typeOf[checklistCreateInput](), Response: typeOf[checklistView](), Status: 201},
	"POST " + Prefix + "/checklists/import": {ID: "importChecklist", Tag: "checklists", Summary: "Check or import a checklist workbook",
		Description: "An Excel workbook (the sheet 点検表, else the first; or a CSV) with the header 番号, 分類, 点検項目, 回答者, 確認する証跡, 重点, 関連条項 " +
			"(English code, category, question, respondent, evidence, priority, clauses too) in the multipart field file. dry_run=true reports every row " +
			"and problem (by row and column) and writes nothing. Otherwise the items go, in one transaction, to a new checklist (title), replace a draft's " +
			"items or become a new version (checklist_id); a file with any problem writes nothing and is answered 400 with each problem as a field (rows.3.respondent).",
		Query: []param{
			{"dry_run", boolean, "Only check; default false."},
			{"checklist_id", idParam, "A draft to replace the items of, or a checklist to make a new version of; none: a new checklist."},
			{"title", str, "The new checklist's title (required without checklist_id)."},
			{"description", str, "The new checklist's description."},
		},
		Upload: true, Response: typeOf[templateReportView](), Status: 200},
	"GET " + Prefix + "/checklists/{id}": {ID: "getChecklist", Tag: "checklists", Summary: "A checklist version with its items and their clauses",
		Response: typeOf[checklistView](), Status: 200},
	"GET " + Prefix + "/campaigns": {ID: "listCampaigns", Tag: "campaigns", Summary: "Self-inspection campaigns, newest first",
		Description: "Every campaign for those who manage campaigns or read results; the ones the caller answers for everyone else.",
		Query:       append(slices.Clone(pageParams), param{"status", enumOf(inspection.CampaignStatuses), "planned, open or closed."}),
		Response:    typeOf[inspection.Campaign](), List: true, Status: 200},
	"POST " + Prefix + "/campaigns": {ID: "createCampaign", Tag: "campaigns", Summary: "Plan a campaign (and open it)",
		Description: `For example {"title":"令和8年度 自己点検","checklist_id":"3","starts_on":"令和8年4月1日","ends_on":"2026-04-30","department_ids":["2","5"],"open":true}. ` +
			"The active people of the departments and those below them (and person_ids) answer: items for everyone, items for managers when they are " +
			"情報セキュリティ責任者・管理者 of a department covered or of their own, items for system administrators when they are 情報システム管理者. " +
			"Results are compared with previous_id, by default the latest closed campaign (no_previous: none). Respondents are fixed when it opens.",
		Body: typeOf[campaignCreateInput](), Response: typeOf[campaignView](), Status: 201},
	"GET " + Prefix + "/campaigns/{id}": {ID: "getCampaign", Tag: "campaigns", Summary: "A campaign, the caller's progress, and progress per department",
		Description: "404 for a campaign the caller neither answers nor manages nor reads the results of. progress is within the caller's reach of results.",
		Response:    typeOf[campaignView](), Status: 200},
	"POST " + Prefix + "/campaigns/{id}/open": {ID: "openCampaign", Tag: "campaigns", Summary: "Open a planned campaign: fix the respondents",
		Description: "409 when it is not planned (kept in the trail).", Response: typeOf[campaignView](), Status: 200, Conflict: true},
	"POST " + Prefix + "/campaigns/{id}/close": {ID: "closeCampaign", Tag: "campaigns", Summary: "Close an open campaign: its answers are locked",
		Description: "409 when it is not open (kept in the trail).", Response: typeOf[campaignView](), Status: 200, Conflict: true},
	"GET " + Prefix + "/campaigns/{id}/answers": {ID: "listCampaignAnswers", Tag: "campaigns", Summary: "Answers: the caller's own, one respondent's, or all in reach",
		Description: "Without scope: the items the caller (or person_id, for those who read results of the person's department) is asked, with the answers so far, " +
			"in one page. scope=managed: every answer within the caller's reach of results, by person and item, a page at a time.",
		Query: append(slices.Clone(pageParams),
			param{"scope", map[string]any{"type": "string", "enum": []string{"mine", "managed"}}, "mine (default) or managed."},
			param{"person_id", idParam, "A respondent (with scope=mine)."}),
		Response: typeOf[answerView](), List: true, Status: 200},
	"PUT " + Prefix + "/campaigns/{id}/answers/{item_id}": {ID: "putCampaignAnswer", Tag: "campaigns", Summary: "Answer one item",
		Description: `For example {"answer":"partial","comment":"共有端末のみ未対応"}: done (実施している), partial (一部実施), not_done (未実施) or na (該当なし). ` +
			"Refused, and kept in the trail, for an item the caller is not asked (403) and once the campaign is closed or before it opens (409).",
		Body: typeOf[answerInput](), Response: typeOf[answerView](), Status: 200, Conflict: true},

	"GET " + Prefix + "/trail": {ID: "listTrail", Tag: "trail", Summary: "The 監査証跡, newest first",
		Description: "The cursor is the seq of the last entry of the previous page. Dates (YYYY-MM-DD) are days in Japan time; a date as `to` includes that day.",
		Query: append(slices.Clone(pageParams),
			param{"actor_id", idParam, "Entries by this person."},
			param{"entity", str, "Entity kind, e.g. person."},
			param{"entity_id", str, "Entity id."},
			param{"action", enumOf(trail.Actions), "Action."},
			param{"from", str, "From this time (RFC 3339) or date, inclusive."},
			param{"to", str, "Until this time (RFC 3339, exclusive) or date (inclusive)."}),
		Response: typeOf[trailEntry](), List: true, Status: 200},
	"GET " + Prefix + "/trail/head": {ID: "getTrailHead", Tag: "trail", Summary: "The newest seq and hash of the chain",
		Response: typeOf[trailHeadView](), Status: 200},
}

// openAPI serves the document.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(s.openapi); err != nil {
		s.log.Debug("cannot write OpenAPI document", "err", err)
	}
	return nil
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// buildOpenAPI renders the OpenAPI 3.0.3 document from the operations and
// the route table (for each route's permission).
func (s *Server) buildOpenAPI() ([]byte, error) {
	byKey := map[string]Route{}
	for _, rt := range s.routes {
		byKey[rt.Key()] = rt
	}
	g := &schemaGen{defs: map[string]any{}}
	errRef := g.of(typeOf[errorBody]())
	paths := map[string]map[string]any{}
	for key, op := range operations {
		method, pattern, ok := strings.Cut(key, " ")
		if !ok {
			return nil, fmt.Errorf("api: operation %q is not METHOD PATTERN", key)
		}
		rt := byKey[key]
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(pattern, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": idParam})
		}
		for _, q := range op.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "required": false, "schema": q.Schema, "description": q.Description})
		}
		o := map[string]any{"operationId": op.ID, "tags": []string{op.Tag}, "summary": op.Summary}
		desc := op.Description
		if rt.Permission != "" {
			o["x-mamori-permission"] = string(rt.Permission)
			desc = strings.TrimSpace(desc + " Needs the permission " + string(rt.Permission) + ".")
		}
		if desc != "" {
			o["description"] = desc
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.Body != nil {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": g.of(op.Body)}}}
		}
		if op.Upload {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"multipart/form-data": map[string]any{"schema": map[string]any{
					"type":       "object",
					"properties": map[string]any{"file": map[string]any{"type": "string", "format": "binary", "description": "The file, at most 50 MiB."}},
					"required":   []string{"file"},
				}}}}
		}
		responses := map[string]any{}
		success := map[string]any{"description": http.StatusText(op.Status)}
		switch {
		case op.Response != nil && op.List:
			success["content"] = jsonContent(g.list(op.Response))
		case op.Response != nil:
			success["content"] = jsonContent(g.of(op.Response))
		case len(op.Produces) > 0:
			content := map[string]any{}
			for _, mt := range op.Produces {
				content[mt] = map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
			}
			success["content"] = content
		case key == "GET "+Prefix+"/openapi.json":
			success["content"] = jsonContent(map[string]any{"type": "object"})
		}
		responses[fmt.Sprint(op.Status)] = success
		errorResp := func(status int, what string) {
			responses[fmt.Sprint(status)] = map[string]any{"description": what, "content": jsonContent(errRef)}
		}
		if len(op.Query) > 0 || op.Body != nil || op.Upload {
			errorResp(400, "The request could not be read (bad_request) or a field is invalid (invalid_input).")
		}
		if !rt.Public {
			errorResp(401, "No valid API token.")
			if rt.Permission != "" {
				errorResp(403, "The caller's roles do not allow this; the refusal is kept in the trail.")
			}
		}
		if strings.Contains(pattern, "{") {
			errorResp(404, "No such record in the caller's organisation.")
		}
		if op.Conflict {
			errorResp(409, "The record is in use or the change is not possible.")
		}
		if op.Body != nil {
			errorResp(413, "The body is larger than 1 MiB.")
			errorResp(415, "The body is not application/json.")
		}
		if op.Upload {
			errorResp(413, "The file is larger than 50 MiB.")
			errorResp(415, "The body is not multipart/form-data.")
		}
		errorResp(500, "Something failed; the message carries the request id.")
		o["responses"] = responses
		if rt.Public {
			o["security"] = []any{}
		}
		if paths[pattern] == nil {
			paths[pattern] = map[string]any{}
		}
		paths[pattern][strings.ToLower(method)] = o
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "mamori API",
			"version": "1",
			"description": "The JSON API of mamori. Send an API token as `Authorization: Bearer TOKEN`. Ids are strings; " +
				"lists are {\"items\":[…],\"next_cursor\":\"…\"} with ?limit= (1–200) and ?cursor=; errors are " +
				"{\"error\":{\"code\":\"…\",\"message\":\"…\",\"fields\":{…}}} with messages in the language of Accept-Language.",
		},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearerAuth": []string{}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearerAuth": map[string]any{
				"type": "http", "scheme": "bearer",
				"description": "An API token from `mamori token create` or the account page.",
			}},
			"schemas": g.defs,
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func jsonContent(schema any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// schemaGen derives JSON schemas from the Go types the handlers encode, so
// the document cannot drift from what is sent.
type schemaGen struct {
	defs map[string]any
}

var rawMessageType = typeOf[json.RawMessage]()

// enums lists the values of the string types that have a fixed set.
var enums = map[reflect.Type]map[string]any{
	typeOf[org.DepartmentKind](): enumOf([]org.DepartmentKind{org.Bureau, org.Section}),
	typeOf[org.StaffCategory]():  enumOf(org.StaffCategories),
	typeOf[authz.ScopeKind]():    enumOf([]authz.ScopeKind{authz.ScopeOrg, authz.ScopeDepartment, authz.ScopeSystem}),
	typeOf[authz.Action]():       enumOf(authz.Actions),
	typeOf[trail.Action]():       enumOf(trail.Actions),
	typeOf[authz.Role]():         enumOf(roleCodes()),

	typeOf[asset.Kind]():            enumOf(asset.Kinds),
	typeOf[asset.Domain]():          enumOf(asset.Domains),
	typeOf[asset.Status]():          enumOf(asset.Statuses),
	typeOf[asset.Fact]():            enumOf(asset.Facts),
	typeOf[asset.Confidentiality](): enumOf(confidentialityLevels),
	typeOf[asset.Integrity]():       enumOf(asset.IntegrityLevels),
	typeOf[asset.Availability]():    enumOf(asset.AvailabilityLevels),
	typeOf[asset.Aspect]():          enumOf(asset.Aspects),
	typeOf[asset.Dimension]():       enumOf(asset.Dimensions),
	typeOf[assetfile.Outcome]():     enumOf([]assetfile.Outcome{assetfile.Create, assetfile.Update, assetfile.Unchanged, assetfile.Failed}),
	typeOf[assetfile.Match]():       enumOf(assetfile.Matches),

	typeOf[policy.Type]():        enumOf(policy.Types),
	typeOf[policy.Visibility]():  enumOf(policy.Visibilities),
	typeOf[policy.Status]():      enumOf(policy.Statuses),
	typeOf[policy.AccessKind]():  enumOf(policy.AccessKinds),
	typeOf[doctext.ChangeKind](): enumOf([]doctext.ChangeKind{doctext.Same, doctext.Added, doctext.Removed, doctext.Changed}),
	typeOf[doctext.Op]():         enumOf([]doctext.Op{doctext.Equal, doctext.Insert, doctext.Delete}),
	typeOf[policy.IDs]():         {"type": "array", "items": map[string]any{"type": "string", "pattern": "^[0-9]+$"}, "description": "Ids, as strings of digits."},
}

func roleCodes() []authz.Role {
	out := make([]authz.Role, len(authz.Catalogue))
	for i, ri := range authz.Catalogue {
		out[i] = ri.Code
	}
	return out
}

// schemaNames renames the package's own view types for the document.
var schemaNames = map[reflect.Type]string{
	typeOf[meView]():        "Me",
	typeOf[orgRef]():        "OrganisationRef",
	typeOf[roleView]():      "Role",
	typeOf[trailEntry]():    "TrailEntry",
	typeOf[trailHeadView](): "TrailHead",
	typeOf[errorBody]():     "Error",
	typeOf[errorDetail]():   "ErrorDetail",
	typeOf[fieldProblem]():  "FieldProblem",

	typeOf[assetView]():         "Asset",
	typeOf[asset.Input]():       "AssetInput",
	typeOf[handlingView]():      "HandlingRule",
	typeOf[warningView]():       "AssetWarning",
	typeOf[importReportView]():  "AssetImportReport",
	typeOf[importProblemView](): "AssetImportProblem",
	typeOf[importRowView]():     "AssetImportRow",

	typeOf[documentView]():          "DocumentWithText",
	typeOf[documentSettingsInput](): "DocumentSettingsInput",
	typeOf[publishInput]():          "DocumentPublishInput",
	typeOf[sendBackInput]():         "DocumentSendBackInput",
	typeOf[commentInput]():          "DocumentCommentInput",
	typeOf[policy.Item]():           "DocumentListItem",
	typeOf[policy.Version]():        "DocumentVersion",
	typeOf[policy.DraftInput]():     "DocumentDraftInput",
	typeOf[policy.Access]():         "DocumentAccess",
	typeOf[policy.Comparison]():     "DocumentComparison",
	typeOf[policy.Comment]():        "DocumentComment",
	typeOf[policy.AckState]():       "DocumentAcknowledgement",
	typeOf[doctext.Clause]():        "Clause",
	typeOf[doctext.ClauseChange]():  "ClauseChange",
	typeOf[doctext.Span]():          "TextSpan",
}

func schemaName(t reflect.Type) string {
	if n, ok := schemaNames[t]; ok {
		return n
	}
	r := []rune(t.Name())
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func (g *schemaGen) of(t reflect.Type) map[string]any {
	if t == rawMessageType {
		return map[string]any{"type": "object", "nullable": true, "additionalProperties": true,
			"description": "The record as stored, or null."}
	}
	if e, ok := enums[t]; ok {
		return e
	}
	switch t.Kind() {
	case reflect.Pointer:
		return map[string]any{"allOf": []any{g.of(t.Elem())}, "nullable": true}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = map[string]any{} // placeholder against recursion
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	case reflect.String:
		return str
	case reflect.Bool:
		return boolean
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return integer
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
	}
	return map[string]any{}
}

// object describes a struct. Input types (named …Input) list no required
// fields: a PATCH may send any subset, and Validate reports what is missing.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	input := strings.HasSuffix(t.Name(), "Input")
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
				walk(sf.Type)
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			o := strings.Split(opts, ",")
			var s map[string]any
			switch {
			case slices.Contains(o, "string") && isInt(sf.Type.Kind()):
				s = map[string]any{"type": "string", "pattern": "^[0-9]+$", "description": "An id, as a string of digits."}
				if input {
					s["nullable"] = true
					s["description"] = "An id, as a string of digits; null for none."
				}
			case slices.Contains(o, "string") && sf.Type.Kind() == reflect.Bool:
				s = map[string]any{"type": "string", "enum": []string{"true", "false"}}
			default:
				s = g.of(sf.Type)
			}
			props[name] = s
			if !input && !slices.Contains(o, "omitempty") {
				required = append(required, name)
			}
		}
	}
	walk(t)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	if input {
		out["additionalProperties"] = false
	}
	return out
}

// list describes the list shape around an item type.
func (g *schemaGen) list(item reflect.Type) map[string]any {
	name := schemaName(item) + "List"
	if _, ok := g.defs[name]; !ok {
		g.defs[name] = map[string]any{
			"type": "object",
			"properties": map[string]any{
				"items":       map[string]any{"type": "array", "items": g.of(item)},
				"next_cursor": map[string]any{"type": "string", "description": "Empty on the last page."},
			},
			"required": []string{"items", "next_cursor"},
		}
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}
