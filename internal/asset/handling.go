package asset

// Aspect is one part of an asset's handling (取扱制限), following the life
// cycle the guideline names: 分類の表示, 利用, 保管, 送信・運搬・提供, 廃棄.
type Aspect string

const (
	AspectLabelling    Aspect = "labelling"    // 分類の表示
	AspectCopying      Aspect = "copying"      // 複製・配布
	AspectStorage      Aspect = "storage"      // 保管
	AspectTransmission Aspect = "transmission" // 送信・運搬・提供
	AspectTakeout      Aspect = "takeout"      // 持ち出し
	AspectTerminal     Aspect = "terminal"     // 利用する端末
	AspectDisposal     Aspect = "disposal"     // 廃棄
	AspectChange       Aspect = "change"       // 変更管理
	AspectBackup       Aspect = "backup"       // バックアップ
	AspectRecovery     Aspect = "recovery"     // 復旧目標
)

// Aspects lists the aspects in the order a handling label prints them.
var Aspects = []Aspect{AspectLabelling, AspectCopying, AspectStorage, AspectTransmission, AspectTakeout,
	AspectTerminal, AspectDisposal, AspectChange, AspectBackup, AspectRecovery}

// Key is the message key of the aspect's name.
func (a Aspect) Key() string { return "asset.aspect." + string(a) }

// Rule is one handling rule of an asset: what to do for an aspect, as a
// message key, and which classification it follows from.
type Rule struct {
	Aspect    Aspect    `json:"aspect"`
	Key       string    `json:"key"`
	Dimension Dimension `json:"dimension"`
	Level     string    `json:"level"`
}

// HandlingRow is one line of the handling table: for an aspect, what a
// level of one dimension asks. Weight orders rows of the same aspect when
// several dimensions speak to it (backup follows both 完全性 and 可用性):
// the heaviest applicable row wins.
type HandlingRow struct {
	Aspect    Aspect
	Dimension Dimension
	Level     string
	Key       string
	Weight    int
}

// HandlingTable is the one definition of the handling rules (DESIGN.md,
// 取扱制限): aspect × level → message key. Legacy 3 is handled as 3B, the
// part of the former level 3 it maps to, so switching scheme never loosens
// an asset's handling. The highest levels (3A, 3B, legacy 3) may not be
// worked on from terminals the organisation did not issue; 完全性2 asks for
// backups and controlled change; 可用性2 for backups and a recovery-time
// target.
var HandlingTable = []HandlingRow{
	{AspectLabelling, DimConfidentiality, "3A", "handling.labelling.c3a", 0},
	{AspectLabelling, DimConfidentiality, "3B", "handling.labelling.c3b", 0},
	{AspectLabelling, DimConfidentiality, "3", "handling.labelling.c3", 0},
	{AspectLabelling, DimConfidentiality, "3C", "handling.labelling.c3c", 0},
	{AspectLabelling, DimConfidentiality, "2", "handling.labelling.c2", 0},
	{AspectLabelling, DimConfidentiality, "1", "handling.labelling.c1", 0},

	{AspectCopying, DimConfidentiality, "3A", "handling.copying.c3a", 0},
	{AspectCopying, DimConfidentiality, "3B", "handling.copying.c3b", 0},
	{AspectCopying, DimConfidentiality, "3", "handling.copying.c3b", 0},
	{AspectCopying, DimConfidentiality, "3C", "handling.copying.c3c", 0},
	{AspectCopying, DimConfidentiality, "2", "handling.copying.c2", 0},
	{AspectCopying, DimConfidentiality, "1", "handling.copying.c1", 0},

	{AspectStorage, DimConfidentiality, "3A", "handling.storage.c3a", 0},
	{AspectStorage, DimConfidentiality, "3B", "handling.storage.c3b", 0},
	{AspectStorage, DimConfidentiality, "3", "handling.storage.c3b", 0},
	{AspectStorage, DimConfidentiality, "3C", "handling.storage.c3c", 0},
	{AspectStorage, DimConfidentiality, "2", "handling.storage.c2", 0},
	{AspectStorage, DimConfidentiality, "1", "handling.storage.c1", 0},

	{AspectTransmission, DimConfidentiality, "3A", "handling.transmission.c3a", 0},
	{AspectTransmission, DimConfidentiality, "3B", "handling.transmission.c3b", 0},
	{AspectTransmission, DimConfidentiality, "3", "handling.transmission.c3b", 0},
	{AspectTransmission, DimConfidentiality, "3C", "handling.transmission.c3c", 0},
	{AspectTransmission, DimConfidentiality, "2", "handling.transmission.c2", 0},
	{AspectTransmission, DimConfidentiality, "1", "handling.transmission.c1", 0},

	{AspectTakeout, DimConfidentiality, "3A", "handling.takeout.c3a", 0},
	{AspectTakeout, DimConfidentiality, "3B", "handling.takeout.c3b", 0},
	{AspectTakeout, DimConfidentiality, "3", "handling.takeout.c3b", 0},
	{AspectTakeout, DimConfidentiality, "3C", "handling.takeout.c3c", 0},
	{AspectTakeout, DimConfidentiality, "2", "handling.takeout.c2", 0},
	{AspectTakeout, DimConfidentiality, "1", "handling.takeout.c1", 0},

	{AspectTerminal, DimConfidentiality, "3A", "handling.terminal.issued_only", 0},
	{AspectTerminal, DimConfidentiality, "3B", "handling.terminal.issued_only", 0},
	{AspectTerminal, DimConfidentiality, "3", "handling.terminal.issued_only", 0},
	{AspectTerminal, DimConfidentiality, "3C", "handling.terminal.c3c", 0},
	{AspectTerminal, DimConfidentiality, "2", "handling.terminal.c2", 0},
	{AspectTerminal, DimConfidentiality, "1", "handling.terminal.c1", 0},

	{AspectDisposal, DimConfidentiality, "3A", "handling.disposal.c3a", 0},
	{AspectDisposal, DimConfidentiality, "3B", "handling.disposal.c3b", 0},
	{AspectDisposal, DimConfidentiality, "3", "handling.disposal.c3b", 0},
	{AspectDisposal, DimConfidentiality, "3C", "handling.disposal.c3b", 0},
	{AspectDisposal, DimConfidentiality, "2", "handling.disposal.c2", 0},
	{AspectDisposal, DimConfidentiality, "1", "handling.disposal.c1", 0},

	{AspectChange, DimIntegrity, "2", "handling.change.i2", 0},
	{AspectChange, DimIntegrity, "1", "handling.change.i1", 0},

	{AspectBackup, DimAvailability, "2", "handling.backup.a2", 3},
	{AspectBackup, DimIntegrity, "2", "handling.backup.i2", 2},
	{AspectBackup, DimIntegrity, "1", "handling.backup.none", 0},
	{AspectBackup, DimAvailability, "1", "handling.backup.none", 0},

	{AspectRecovery, DimAvailability, "2", "handling.recovery.a2", 0},
	{AspectRecovery, DimAvailability, "1", "handling.recovery.a1", 0},
}

// Handling returns the handling rules for a classification in a scheme, one
// per aspect in the order of Aspects. A level the scheme does not have (or
// an unknown one) contributes no rules rather than guessed ones.
func Handling(s Scheme, c Confidentiality, i Integrity, a Availability) []Rule {
	if !c.In(s) {
		c = ""
	}
	level := map[Dimension]string{DimConfidentiality: string(c), DimIntegrity: string(i), DimAvailability: string(a)}
	out := make([]Rule, 0, len(Aspects))
	for _, asp := range Aspects {
		best, found := HandlingRow{}, false
		for _, r := range HandlingTable {
			if r.Aspect != asp || level[r.Dimension] != r.Level {
				continue
			}
			if !found || r.Weight > best.Weight {
				best, found = r, true
			}
		}
		if found {
			out = append(out, Rule{Aspect: asp, Key: best.Key, Dimension: best.Dimension, Level: best.Level})
		}
	}
	return out
}
