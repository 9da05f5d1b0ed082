package bench

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Stats is one endpoint's figures.
type Stats struct {
	Endpoint  string        `json:"endpoint"`
	Write     bool          `json:"write"`
	Count     int           `json:"count"`
	Errors    int           `json:"errors"`
	RPS       float64       `json:"rps"`
	P50       time.Duration `json:"p50_ns"`
	P95       time.Duration `json:"p95_ns"`
	P99       time.Duration `json:"p99_ns"`
	ServerP50 time.Duration `json:"server_p50_ns"`
	ServerP95 time.Duration `json:"server_p95_ns"`
	ServerP99 time.Duration `json:"server_p99_ns"`
}

func summarise(samples []Sample, readTook, writeTook time.Duration) []Stats {
	by := map[string][]Sample{}
	var order []string
	for _, s := range samples {
		if _, ok := by[s.Endpoint]; !ok {
			order = append(order, s.Endpoint)
		}
		by[s.Endpoint] = append(by[s.Endpoint], s)
	}
	writeNames := map[string]bool{}
	for _, e := range Endpoints() {
		writeNames[e.Name] = e.Write
	}
	slices.Sort(order)
	var out []Stats
	for _, name := range order {
		ss := by[name]
		st := Stats{Endpoint: name, Write: writeNames[name], Count: len(ss)}
		var client, server []time.Duration
		for _, s := range ss {
			if s.Err {
				st.Errors++
			}
			client = append(client, s.Client)
			if s.Server > 0 {
				server = append(server, s.Server)
			}
		}
		took := readTook
		if st.Write {
			took = writeTook
		}
		st.RPS = float64(len(ss)) / took.Seconds()
		st.P50, st.P95, st.P99 = percentile(client, 50), percentile(client, 95), percentile(client, 99)
		st.ServerP50, st.ServerP95, st.ServerP99 = percentile(server, 50), percentile(server, 95), percentile(server, 99)
		out = append(out, st)
	}
	return out
}

// percentile is the nearest-rank percentile.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// Budget is one line of the budget table.
type Budget struct {
	What   string
	Target string
	Got    string
	Met    bool
}

// Budgets judges a result against issue 6's budgets.
func Budgets(r Result) []Budget {
	var out []Budget
	for _, e := range r.Engines {
		listLimit := 20 * time.Millisecond
		if e.Name == "postgres" {
			listLimit = 30 * time.Millisecond
		}
		lists := e.Latency
		label := fmt.Sprintf(", server p95 at %d clients", e.LatencyClients)
		if len(lists) == 0 {
			lists, label = e.Endpoints, ", server p95"
		}
		for _, st := range lists {
			if strings.HasPrefix(st.Endpoint, "page: asset list") || strings.HasPrefix(st.Endpoint, "page: asset search") ||
				strings.HasPrefix(st.Endpoint, "page: document list") || strings.HasPrefix(st.Endpoint, "page: document search") {
				out = append(out, Budget{e.Name + ": " + st.Endpoint + label, "< " + ms(listLimit) + " ms", ms(st.ServerP95) + " ms", st.ServerP95 < listLimit})
			}
		}
		for _, st := range e.Endpoints {
			if st.Write && e.Name == "sqlite" {
				out = append(out, Budget{e.Name + ": " + st.Endpoint + ", server p95", "< 20 ms", ms(st.ServerP95) + " ms", st.ServerP95 < 20*time.Millisecond})
			}
		}
		if e.Name != "sqlite" {
			continue
		}
		out = append(out,
			Budget{"sqlite: mixed read load", "≥ 1,000 req/s", fmt.Sprintf("%.0f req/s", e.ReadRPS), e.ReadRPS >= 1000},
			Budget{"sqlite: trail verify", "≥ 1,000,000 entries/s", fmt.Sprintf("%.0f entries/s (%d in %s s)", e.TrailPerSec, e.TrailEntries, fmt.Sprintf("%.2f", e.TrailVerify.Seconds())), e.TrailPerSec >= 1e6},
			Budget{"sqlite: start to serving", "< 0.3 s", fmt.Sprintf("%.3f s", e.StartTime.Seconds()), e.StartTime < 300*time.Millisecond},
			Budget{"sqlite: resident memory under load", "< 150 MB", fmt.Sprintf("%.0f MB", float64(e.RSSPeakBytes)/1e6), e.RSSPeakBytes < 150e6},
		)
		if r.Scale == "large" {
			out = append(out, Budget{"sqlite: demo seed --scale large", "< 2 min", fmt.Sprintf("%.0f s", e.SeedTime.Seconds()), e.SeedTime < 2*time.Minute})
		}
		if e.ScalingRatio > 0 {
			out = append(out, Budget{"sqlite: first page at 100,000 ÷ at 1,000 assets", "near 1 (≤ 2)", fmt.Sprintf("%.2f (%s ms ÷ %s ms)", e.ScalingRatio, ms(e.FirstPageBig), ms(e.FirstPage1k)), e.ScalingRatio <= 2})
		}
	}
	return out
}

// Markdown renders the result as the table docs/benchmarks.md holds.
func Markdown(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run %s on %d CPUs (%s), %d MiB, %s, %s; scale %s.\n\n", r.At.Format("2006-01-02 15:04 MST"),
		r.Machine.CPUs, r.Machine.CPU, r.Machine.MemoryMiB, r.Machine.OS, r.Machine.Go, r.Scale)
	b.WriteString("| budget | target | measured | |\n| --- | --- | --- | --- |\n")
	for _, bu := range Budgets(r) {
		mark := "met"
		if !bu.Met {
			mark = "**missed**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", bu.What, bu.Target, bu.Got, mark)
	}
	for _, e := range r.Engines {
		fmt.Fprintf(&b, "\n**%s** — %d assets listed by the API for the load; seed %.0f s; start %.3f s; peak RSS %.0f MB; read load %.0f req/s (%d errors), write errors %d. The read load at %d clients, then the writes:\n\n",
			e.Name, e.Assets, e.SeedTime.Seconds(), e.StartTime.Seconds(), float64(e.RSSPeakBytes)/1e6, e.ReadRPS, e.ReadErrors, e.WriteErrors, e.ReadClients)
		b.WriteString("| endpoint | requests | req/s | client p50 / p95 / p99 ms | server p50 / p95 / p99 ms | errors |\n| --- | --- | --- | --- | --- | --- |\n")
		for _, st := range e.Endpoints {
			fmt.Fprintf(&b, "| %s | %d | %.0f | %s / %s / %s | %s / %s / %s | %d |\n", st.Endpoint, st.Count, st.RPS,
				ms(st.P50), ms(st.P95), ms(st.P99), ms(st.ServerP50), ms(st.ServerP95), ms(st.ServerP99), st.Errors)
		}
		if len(e.Latency) > 0 {
			fmt.Fprintf(&b, "\nThe read load again at %d clients at a time (one per CPU; the same accounts taking turns), for latency:\n\n", e.LatencyClients)
			b.WriteString("| endpoint | requests | req/s | client p50 / p95 / p99 ms | server p50 / p95 / p99 ms | errors |\n| --- | --- | --- | --- | --- | --- |\n")
			for _, st := range e.Latency {
				fmt.Fprintf(&b, "| %s | %d | %.0f | %s / %s / %s | %s / %s / %s | %d |\n", st.Endpoint, st.Count, st.RPS,
					ms(st.P50), ms(st.P95), ms(st.P99), ms(st.ServerP50), ms(st.ServerP95), ms(st.ServerP99), st.Errors)
			}
		}
		for _, n := range e.Notes {
			fmt.Fprintf(&b, "\n%s\n", n)
		}
	}
	return b.String()
}

// Markers delimit the generated part of docs/benchmarks.md.
const (
	MarkStart = "<!-- load benchmark: start (written by make bench) -->"
	MarkEnd   = "<!-- load benchmark: end -->"
)

// WriteInto replaces the generated part of a Markdown file, or appends it.
func WriteInto(path, table string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(old)
	block := MarkStart + "\n" + table + MarkEnd
	i, j := strings.Index(s, MarkStart), strings.Index(s, MarkEnd)
	if i >= 0 && j > i {
		s = s[:i] + block + s[j+len(MarkEnd):]
	} else {
		s = strings.TrimRight(s, "\n") + "\n\n## Load benchmark (`make bench`)\n\n" + block + "\n"
	}
	return os.WriteFile(path, []byte(s), 0o644)
}
