package assetfile

import (
	"mamori/internal/tabular"
)

// Column is one column of a register file. Key is the API's JSON field
// name where the column holds that field as it is (name, confidentiality,
// department_id…); a column holding a reference by name (department,
// owner, custodian, disposal_witness) has the reference's name instead.
type Column struct {
	Key string
	JA  string // header in Japanese: written on export, named in messages
	EN  string // header in English
	// Also are further headers accepted on import, beside Key, JA and EN.
	Also []string
	// Field is the asset.Input field (its JSON name) the column fills, for
	// matching a validation problem to the column.
	Field string
	// Export columns are written by Export, in this order.
	Export bool
}

// Column keys.
const (
	ColID                = "id"
	ColName              = "name"
	ColKind              = "kind"
	ColDescription       = "description"
	ColDepartment        = "department"
	ColDepartmentID      = "department_id"
	ColOwner             = "owner"
	ColOwnerID           = "owner_id"
	ColCustodian         = "custodian"
	ColCustodianID       = "custodian_id"
	ColLocation          = "location"
	ColControlledArea    = "is_controlled_area"
	ColDomain            = "domain"
	ColConfidentiality   = "confidentiality"
	ColIntegrity         = "integrity"
	ColAvailability      = "availability"
	ColRetention         = "retention_years"
	ColStatus            = "status"
	ColDisposedOn        = "disposed_on"
	ColDisposalMethod    = "disposal_method"
	ColDisposalWitness   = "disposal_witness"
	ColDisposalWitnessID = "disposal_witness_id"
	ColNextReview        = "next_review_date"
	ColTags              = "tags"
	ColMFA               = "mfa_on_terminals"
	ColTakeout           = "takeout_disabled"
	ColIsolated          = "isolated_from_other_domains"
	ColMonitoring        = "traffic_monitoring"
)

// Columns are the register's columns in export order (columns that only
// an import reads come after the one they stand in for).
var Columns = []Column{
	{ColID, "管理番号", "ID", []string{"資産ID", "管理ID", "asset id"}, "", true},
	{ColName, "名称", "Name", []string{"資産名", "資産名称", "情報資産名", "情報資産の名称", "名前"}, "name", true},
	{ColKind, "種別", "Kind", []string{"資産種別", "種類", "type"}, "kind", true},
	{ColDescription, "説明", "Description", []string{"概要", "内容"}, "description", true},
	{ColDepartment, "所属", "Department", []string{"所管部署", "部署", "所管課", "担当課", "管理部署", "所管"}, "department_id", true},
	{ColDepartmentID, "所属ID", "Department ID", nil, "department_id", false},
	{ColOwner, "管理責任者", "Owner", []string{"責任者", "owner (responsible person)"}, "owner_id", true},
	{ColOwnerID, "管理責任者ID", "Owner ID", nil, "owner_id", false},
	{ColCustodian, "管理者（保管者）", "Custodian", []string{"管理担当者", "保管者", "管理者"}, "custodian_id", true},
	{ColCustodianID, "管理者ID", "Custodian ID", nil, "custodian_id", false},
	{ColLocation, "設置場所", "Location", []string{"保管場所", "保管場所・設置場所", "設置・保管場所", "所在", "場所"}, "location", true},
	{ColControlledArea, "管理区域", "Controlled area", []string{"controlled_area", "管理区域内", "in a controlled area"}, "is_controlled_area", true},
	{ColDomain, "ネットワーク領域", "Network domain", []string{"領域", "ネットワーク", "接続系", "ネットワーク区分", "network"}, "domain", true},
	{ColConfidentiality, "機密性", "Confidentiality", []string{"機密性区分", "機密性分類"}, "confidentiality", true},
	{ColIntegrity, "完全性", "Integrity", []string{"完全性区分", "完全性分類"}, "integrity", true},
	{ColAvailability, "可用性", "Availability", []string{"可用性区分", "可用性分類"}, "availability", true},
	{ColRetention, "保存期間", "Retention (years)", []string{"retention", "retention period", "保存年限"}, "retention_years", true},
	{ColStatus, "状態", "Status", []string{"状況", "ステータス"}, "status", true},
	{ColDisposedOn, "廃棄日", "Disposal date", []string{"廃棄年月日"}, "disposed_on", true},
	{ColDisposalMethod, "廃棄方法", "Disposal method", nil, "disposal_method", true},
	{ColDisposalWitness, "廃棄の立会者", "Disposal witness", []string{"立会者", "廃棄立会者"}, "disposal_witness_id", true},
	{ColDisposalWitnessID, "立会者ID", "Disposal witness ID", nil, "disposal_witness_id", false},
	{ColNextReview, "次回見直し日", "Next review date", []string{"見直し日", "次回見直し", "見直し予定日"}, "next_review_date", true},
	{ColTags, "タグ", "Tags", []string{"キーワード"}, "tags", true},
	{ColMFA, "端末の多要素認証", "MFA on terminals", []string{"多要素認証", "multi-factor sign-in on terminals"}, "mfa_on_terminals", true},
	{ColTakeout, "端末からの情報持ち出し不可設定", "Take-out disabled", []string{"持ち出し不可設定", "情報持ち出し不可", "data take-out disabled on terminals"}, "takeout_disabled", true},
	{ColIsolated, "他の領域との通信の遮断", "Isolated from other domains", []string{"他領域との遮断", "通信の遮断", "cut off from other domains"}, "isolated_from_other_domains", true},
	{ColMonitoring, "不正通信の監視", "Traffic monitoring", []string{"不正通信監視", "unauthorised-traffic monitoring"}, "traffic_monitoring", true},
}

// columnByKey finds a column.
func columnByKey(key string) (Column, bool) {
	for _, c := range Columns {
		if c.Key == key {
			return c, true
		}
	}
	return Column{}, false
}

// Header is a column's header in lang ("ja" or "en").
func (c Column) Header(lang string) string {
	if lang == "en" {
		return c.EN
	}
	return c.JA
}

// tabularColumns is the column set as tabular.MapHeader reads it. The
// name column is required: a register without names is no register.
func tabularColumns() []tabular.Column {
	out := make([]tabular.Column, len(Columns))
	for i, c := range Columns {
		names := append([]string{c.JA, c.EN, c.Key}, c.Also...)
		out[i] = tabular.Column{Key: c.Key, Names: names, Required: c.Key == ColName}
	}
	return out
}

// exportColumns are the columns Export writes.
func exportColumns() []Column {
	var out []Column
	for _, c := range Columns {
		if c.Export {
			out = append(out, c)
		}
	}
	return out
}
