package seed

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestBasicPolicy(t *testing.T) {
	t.Parallel()
	if !utf8.ValidString(BasicPolicyText) || strings.Contains(BasicPolicyText, "\r") {
		t.Error("the seed should be UTF-8 with LF line ends")
	}
	if got := strings.TrimSpace(BasicPolicyText); !strings.HasPrefix(got, "○"+Title+"\n") {
		t.Errorf("the seed should start with its title line: %q", got[:min(len(got), 120)])
	}
	if !strings.Contains(BasicPolicyText, "\n平成28年4月1日\n") {
		t.Error("the date of enactment is missing")
	}
	if d, err := time.Parse(time.DateOnly, EffectiveDate); err != nil || d.Year() != 2016 || d.Month() != 4 || d.Day() != 1 {
		t.Errorf("EffectiveDate %q should be 平成28年4月1日", EffectiveDate)
	}
	// The organisation's wording, with its one page-break artefact, is
	// kept as received; doctext.FromPlainText repairs it.
	if !strings.Contains(BasicPolicyText, "業務の遂行に当たって情報セ\n\nセキュリティポリシー及び情報セキュリティ実施手順を遵守しなければならない。") {
		t.Error("§5 should be as received")
	}
	if !strings.HasSuffix(BasicPolicyText, "非公開とする。") {
		t.Error("the seed should end with §10's last sentence")
	}
}
