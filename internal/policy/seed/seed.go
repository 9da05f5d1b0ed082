// Package seed holds the organisation's own information security basic
// policy (情報セキュリティ基本方針) as the organisation wrote it. mamori
// ships it inside the binary and loads it at first start as version 1 of
// the 基本方針, so the file is embedded rather than read at run time: the
// program must not depend on files beside it.
//
// basic_policy.txt is the organisation's text byte for byte, including
// the one page-break artefact in §5 (「情報セ」, a blank line, then
// 「セキュリティポリシー…」). It is kept unrepaired on purpose, so that
// what was received can always be shown; doctext.FromPlainText repairs
// it when the text becomes a document body.
package seed

import _ "embed" // for //go:embed

// BasicPolicyText is the basic policy as plain text (UTF-8, LF line ends):
// the title line (○…), the date of enactment, then sections 1–10.
//
//go:embed basic_policy.txt
var BasicPolicyText string

// Title is the policy's title as written, without the leading ○ that
// marks a title in a 例規集.
const Title = "一般財団法人北海道市町村職員福祉協会情報セキュリティ基本方針"

// EffectiveDate is the date the policy took effect (平成28年4月1日), as
// 'YYYY-MM-DD' like every stored date.
const EffectiveDate = "2016-04-01"
