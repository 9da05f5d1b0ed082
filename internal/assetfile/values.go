package assetfile

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"

	"mamori/internal/asset"
)

// The words a register file uses for coded values. A file outlives the
// wording of the screens, so the vocabulary is defined here, in code: the
// first Japanese and English labels are what an export writes (the same
// words the screens use, which a test checks), and every other entry is an
// alias that people type in their own registers. Matching ignores case,
// full-width vs half-width forms and white space.

// term is one coded value with the words that stand for it.
type term struct {
	code string
	ja   string   // written on export in Japanese
	en   string   // written on export in English
	also []string // further accepted words
}

// vocab is a set of coded values.
type vocab struct {
	name  string // names the vocabulary in a Problem (see Problem.Vocab)
	terms []term
	index map[string]string // folded word → code
}

func newVocab(name string, terms ...term) *vocab {
	v := &vocab{name: name, terms: terms, index: map[string]string{}}
	for _, t := range terms {
		for _, w := range append([]string{t.code, t.ja, t.en}, t.also...) {
			k := foldValue(w)
			if other, dup := v.index[k]; dup && other != t.code {
				panic("assetfile: " + name + ": " + w + " names both " + other + " and " + t.code)
			}
			v.index[k] = t.code
		}
	}
	return v
}

// code returns the code a cell names; ok is false for an unknown word.
func (v *vocab) code(cell string) (string, bool) {
	c, ok := v.index[foldValue(cell)]
	return c, ok
}

// label is the word an export writes for a code in lang.
func (v *vocab) label(code, lang string) string {
	for _, t := range v.terms {
		if t.code == code {
			if lang == "en" {
				return t.en
			}
			return t.ja
		}
	}
	return code
}

// labels lists the export words of every value, for a message that says
// which values a column takes.
func (v *vocab) labels(lang string) []string {
	out := make([]string, len(v.terms))
	for i, t := range v.terms {
		out[i] = v.label(t.code, lang)
	}
	return out
}

var kinds = newVocab("kind",
	term{string(asset.KindNetwork), "ネットワーク", "Network", []string{"NW", "通信回線", "回線"}},
	term{string(asset.KindSystem), "情報システム", "Information system", []string{"システム", "業務システム"}},
	term{string(asset.KindEquipment), "設備・機器", "Equipment", []string{"設備", "機器", "機器等", "ハードウェア", "hardware", "設備機器"}},
	term{string(asset.KindMedia), "電磁的記録媒体", "Storage media", []string{"記録媒体", "媒体", "外部記録媒体", "media"}},
	term{string(asset.KindSoftware), "ソフトウェア", "Software", []string{"ソフト", "アプリケーション"}},
	term{string(asset.KindService), "外部サービス", "External service", []string{"サービス", "クラウドサービス", "クラウド", "service"}},
	term{string(asset.KindInformation), "情報（データ）", "Information (data)", []string{"情報", "データ", "電子データ", "電磁的記録", "information"}},
	term{string(asset.KindDocument), "文書（印刷物）", "Document (printed)", []string{"文書", "紙文書", "印刷物", "紙", "書類", "document"}},
	term{string(asset.KindSystemDocument), "システム関連文書", "System document", []string{"システム文書", "仕様書", "ネットワーク図", "設計書", "system documents"}},
)

var domains = newVocab("domain",
	term{string(asset.DomainMyNumber), "マイナンバー利用事務系", "My Number business domain", []string{"マイナンバー系", "マイナンバー", "個人番号利用事務系", "my number"}},
	term{string(asset.DomainLGWAN), "LGWAN接続系", "LGWAN-connected domain", []string{"LGWAN系", "LGWAN"}},
	term{string(asset.DomainInternet), "インターネット接続系", "Internet-connected domain", []string{"インターネット系", "インターネット"}},
	term{string(asset.DomainStandalone), "独立（どの系にも接続しない）", "Standalone (not connected)", []string{"独立", "スタンドアロン", "スタンドアローン", "standalone"}},
	term{string(asset.DomainNone), "該当なし", "Not applicable", []string{"なし", "対象外", "n/a", "-", "－"}},
)

var statuses = newVocab("status",
	term{string(asset.StatusInUse), "使用中", "In use", []string{"運用中", "利用中", "稼働中", "使用", "in_use", "active"}},
	term{string(asset.StatusRetired), "使用終了（保管中）", "Retired (kept)", []string{"使用終了", "保管中", "休止", "retired"}},
	term{string(asset.StatusDisposed), "廃棄済み", "Disposed", []string{"廃棄済", "廃棄", "disposed"}},
)

var facts = newVocab("fact",
	term{string(asset.FactYes), "はい", "Yes", []string{"○", "〇", "◯", "◎", "有", "有り", "あり", "済", "済み", "実施", "実施済み", "設定済み", "対応済み", "true", "y", "1"}},
	term{string(asset.FactNo), "いいえ", "No", []string{"×", "✕", "✗", "無", "無し", "未実施", "未対応", "未設定", "false", "n", "0"}},
	term{string(asset.FactUnknown), "未確認", "Not recorded", []string{"不明", "?", "？", "unknown", "未記入"}},
)

// yesNo reads a truth value (管理区域): a blank cell is no.
var yesNo = newVocab("yes_no",
	term{"yes", "はい", "Yes", []string{"○", "〇", "◯", "◎", "有", "有り", "あり", "該当", "内", "管理区域内", "true", "y", "1"}},
	term{"no", "いいえ", "No", []string{"×", "✕", "✗", "無", "無し", "なし", "非該当", "外", "管理区域外", "false", "n", "0"}},
)

// foldValue folds a cell for comparison with the vocabulary: NFKC (full
// width to half width, and half-width kana to full width), lower case,
// no white space.
func foldValue(s string) string {
	s = width.Fold.String(norm.NFKC.String(s))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\uFEFF' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// level reads a classification level: "3A", "３Ａ", "機密性3A",
// "confidentiality 3a" and "C3A" all read "3A". prefixes are the
// dimension's names that may come before the level.
func level(cell string, prefixes ...string) string {
	s := foldValue(cell)
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, foldValue(p)); ok {
			s = rest
			break
		}
	}
	s = strings.TrimPrefix(s, "レベル")
	s = strings.TrimPrefix(s, "level")
	return strings.ToUpper(s)
}

var (
	confidentialityPrefixes = []string{"機密性", "confidentiality", "c"}
	integrityPrefixes       = []string{"完全性", "integrity", "i"}
	availabilityPrefixes    = []string{"可用性", "availability", "a"}
)
