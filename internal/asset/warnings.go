package asset

// Warning is a breach of a network-domain rule of seed §6(3): a fact the
// rule needs is not recorded, or is recorded the wrong way.
type Warning struct {
	Field string `json:"field"` // the fact's field name
	Key   string `json:"key"`   // message key of the explanation
}

// domainRule says that assets of a domain (and, when Kinds is set, only of
// those kinds) must record a fact as yes.
type domainRule struct {
	Domain Domain
	Kinds  []Kind
	Field  string
	Fact   func(Asset) Fact
	// Message keys for a fact not recorded and for one recorded as no.
	Unknown, No string
}

// domainRules are the rules of seed §6(3): ① the マイナンバー利用事務系 is cut
// off from other domains, its terminals use multi-factor sign-in and cannot
// take data out; ② the インターネット接続系's systems, networks and
// equipment watch for unauthorised traffic.
var domainRules = []domainRule{
	{DomainMyNumber, nil, "mfa_on_terminals", func(a Asset) Fact { return a.MFAOnTerminals },
		"asset.warning.mfa_on_terminals.unknown", "asset.warning.mfa_on_terminals.no"},
	{DomainMyNumber, nil, "takeout_disabled", func(a Asset) Fact { return a.TakeoutDisabled },
		"asset.warning.takeout_disabled.unknown", "asset.warning.takeout_disabled.no"},
	{DomainMyNumber, nil, "isolated_from_other_domains", func(a Asset) Fact { return a.IsolatedFromOtherDomains },
		"asset.warning.isolated_from_other_domains.unknown", "asset.warning.isolated_from_other_domains.no"},
	{DomainInternet, []Kind{KindSystem, KindNetwork, KindEquipment}, "traffic_monitoring", func(a Asset) Fact { return a.TrafficMonitoring },
		"asset.warning.traffic_monitoring.unknown", "asset.warning.traffic_monitoring.no"},
}

// Warnings returns the domain rules an asset breaks, in rule order. A
// missing (unknown) fact is a warning as much as a contrary one: nobody has
// confirmed the safeguard. A disposed asset has none.
func Warnings(a Asset) []Warning {
	if a.Status == StatusDisposed {
		return nil
	}
	var out []Warning
	for _, r := range domainRules {
		if a.Domain != r.Domain || (r.Kinds != nil && !kindIn(a.Kind, r.Kinds)) {
			continue
		}
		switch r.Fact(a) {
		case FactYes:
		case FactNo:
			out = append(out, Warning{Field: r.Field, Key: r.No})
		default:
			out = append(out, Warning{Field: r.Field, Key: r.Unknown})
		}
	}
	return out
}

func kindIn(k Kind, ks []Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
