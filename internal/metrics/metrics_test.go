package metrics_test

import (
	"bufio"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mamori/internal/metrics"
)

// series is one parsed sample line.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

// exposition is a parsed text-format 0.0.4 document.
type exposition struct {
	types   map[string]string // family → type
	helps   map[string]string
	order   []string // families in order of appearance
	samples []series
}

// parse reads the exposition back line by line and fails the test on
// anything text format 0.0.4 does not allow: a sample before its family's
// HELP and TYPE, a family split in two, bad label syntax or escapes.
func parse(t *testing.T, text string) exposition {
	t.Helper()
	e := exposition{types: map[string]string{}, helps: map[string]string{}}
	current := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# HELP "):
			name, help, ok := strings.Cut(strings.TrimPrefix(line, "# HELP "), " ")
			if !ok || help == "" {
				t.Fatalf("line %d: HELP without text: %q", n, line)
			}
			if _, dup := e.helps[name]; dup {
				t.Fatalf("line %d: second HELP for %s", n, name)
			}
			e.helps[name] = help
			e.order = append(e.order, name)
			current = name
		case strings.HasPrefix(line, "# TYPE "):
			name, typ, _ := strings.Cut(strings.TrimPrefix(line, "# TYPE "), " ")
			if name != current {
				t.Fatalf("line %d: TYPE for %s does not follow its HELP", n, name)
			}
			if !slices.Contains([]string{"counter", "gauge", "histogram", "summary", "untyped"}, typ) {
				t.Fatalf("line %d: bad type %q", n, typ)
			}
			e.types[name] = typ
		case strings.HasPrefix(line, "#") || line == "":
			t.Fatalf("line %d: unexpected %q", n, line)
		default:
			s := parseSample(t, n, line)
			fam := s.name
			if e.types[current] == "histogram" {
				for _, suf := range []string{"_bucket", "_sum", "_count"} {
					if strings.TrimSuffix(s.name, suf) == current {
						fam = current
					}
				}
			}
			if fam != current || e.types[current] == "" {
				t.Fatalf("line %d: sample %s outside its family (current %s)", n, s.name, current)
			}
			e.samples = append(e.samples, s)
		}
	}
	if !strings.HasSuffix(text, "\n") {
		t.Fatal("exposition does not end with a line feed")
	}
	return e
}

func parseSample(t *testing.T, n int, line string) series {
	t.Helper()
	s := series{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		t.Fatalf("line %d: no metric name: %q", n, line)
	}
	s.name = line[:i]
	rest := line[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			eq := strings.IndexByte(rest, '=')
			if eq <= 0 || len(rest) < eq+2 || rest[eq+1] != '"' {
				t.Fatalf("line %d: bad label in %q", n, line)
			}
			name := rest[:eq]
			rest = rest[eq+2:]
			var v strings.Builder
			closed := false
			for len(rest) > 0 && !closed {
				c := rest[0]
				rest = rest[1:]
				switch c {
				case '\\':
					if len(rest) == 0 {
						t.Fatalf("line %d: dangling escape", n)
					}
					switch rest[0] {
					case '\\':
						v.WriteByte('\\')
					case '"':
						v.WriteByte('"')
					case 'n':
						v.WriteByte('\n')
					default:
						t.Fatalf("line %d: bad escape \\%c", n, rest[0])
					}
					rest = rest[1:]
				case '"':
					closed = true
				case '\n':
					t.Fatalf("line %d: raw line feed in label", n)
				default:
					v.WriteByte(c)
				}
			}
			if !closed {
				t.Fatalf("line %d: unterminated label value", n)
			}
			if _, dup := s.labels[name]; dup {
				t.Fatalf("line %d: label %s twice", n, name)
			}
			s.labels[name] = v.String()
			if rest == "" {
				t.Fatalf("line %d: unterminated labels", n)
			}
			if rest[0] == '}' {
				rest = rest[1:]
				break
			}
			if rest[0] != ',' {
				t.Fatalf("line %d: expected ',' or '}' in %q", n, line)
			}
			rest = rest[1:]
		}
	}
	if len(rest) < 2 || rest[0] != ' ' {
		t.Fatalf("line %d: no value: %q", n, line)
	}
	v, err := strconv.ParseFloat(rest[1:], 64)
	if err != nil {
		t.Fatalf("line %d: bad value: %v", n, err)
	}
	s.value = v
	return s
}

// find returns the value of the one sample with this name and labels.
func (e exposition) find(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	var found []float64
	for _, s := range e.samples {
		if s.name != name || len(s.labels) != len(labels)/2 {
			continue
		}
		match := true
		for i := 0; i < len(labels); i += 2 {
			if s.labels[labels[i]] != labels[i+1] {
				match = false
			}
		}
		if match {
			found = append(found, s.value)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s%v: %d samples", name, labels, len(found))
	}
	return found[0]
}

func scrape(t *testing.T, h http.Handler) (string, exposition) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != metrics.ContentType {
		t.Errorf("content type %q", ct)
	}
	body := rec.Body.String()
	return body, parse(t, body)
}

const weird = "GET /a\"b\\c\nd/{id}"

func TestExposition(t *testing.T) {
	t.Parallel()
	r := metrics.New(`v1.2.3 "rc"`)
	obs := []struct {
		route  string
		status int
		d      time.Duration
	}{
		{"GET /policies/{id}", 200, 500 * time.Microsecond},
		{"GET /policies/{id}", 200, time.Millisecond}, // on the boundary: le="0.001"
		{"GET /policies/{id}", 404, 3 * time.Millisecond},
		{"GET /policies/{id}", 500, 7 * time.Second}, // above every bound
		{"POST /policies", 303, 30 * time.Millisecond},
		{weird, 200, 200 * time.Millisecond},
		{"", 404, 0},
	}
	for _, o := range obs {
		r.ObserveRequest(o.route, o.status, o.d)
	}
	h := r.Handler(func() sql.DBStats {
		return sql.DBStats{OpenConnections: 7, InUse: 3, Idle: 4, WaitCount: 11, WaitDuration: 1500 * time.Millisecond}
	})
	_, e := scrape(t, h)

	wantFamilies := []string{
		"mamori_build_info",
		"mamori_db_idle_connections",
		"mamori_db_in_use_connections",
		"mamori_db_open_connections",
		"mamori_db_wait_count_total",
		"mamori_db_wait_duration_seconds_total",
		"mamori_http_request_duration_seconds",
		"mamori_http_requests_total",
		"process_start_time_seconds",
	}
	if !slices.Equal(e.order, wantFamilies) {
		t.Errorf("families %v\nwant     %v", e.order, wantFamilies)
	}
	if !slices.IsSorted(e.order) {
		t.Errorf("families not sorted: %v", e.order)
	}
	types := map[string]string{
		"mamori_db_wait_count_total":           "counter",
		"mamori_http_requests_total":           "counter",
		"mamori_http_request_duration_seconds": "histogram",
		"mamori_db_open_connections":           "gauge",
	}
	for name, typ := range types {
		if e.types[name] != typ {
			t.Errorf("%s has type %q, want %q", name, e.types[name], typ)
		}
	}

	if v := e.find(t, "mamori_build_info", "version", `v1.2.3 "rc"`); v != 1 {
		t.Errorf("build info %v", v)
	}
	for name, want := range map[string]float64{
		"mamori_db_open_connections":            7,
		"mamori_db_in_use_connections":          3,
		"mamori_db_idle_connections":            4,
		"mamori_db_wait_count_total":            11,
		"mamori_db_wait_duration_seconds_total": 1.5,
	} {
		if got := e.find(t, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if st := e.find(t, "process_start_time_seconds"); st < float64(time.Now().Add(-time.Hour).Unix()) || st > float64(time.Now().Unix()+1) {
		t.Errorf("process start time %v", st)
	}

	counts := []struct {
		route, status string
		want          float64
	}{
		{"GET /policies/{id}", "200", 2},
		{"GET /policies/{id}", "404", 1},
		{"GET /policies/{id}", "500", 1},
		{"POST /policies", "303", 1},
		{weird, "200", 1}, // escaping round-trips
		{metrics.Unmatched, "404", 1},
	}
	for _, c := range counts {
		if got := e.find(t, "mamori_http_requests_total", "route", c.route, "status", c.status); got != c.want {
			t.Errorf("requests %q %s = %v, want %v", c.route, c.status, got, c.want)
		}
	}

	// Histograms: per route, buckets ascend and are cumulative, +Inf equals
	// the count, and the observations land in the right buckets.
	type hist struct {
		les    []float64
		counts []float64
		inf    float64
	}
	hs := map[string]*hist{}
	for _, s := range e.samples {
		if s.name != "mamori_http_request_duration_seconds_bucket" {
			continue
		}
		h := hs[s.labels["route"]]
		if h == nil {
			h = &hist{inf: -1}
			hs[s.labels["route"]] = h
		}
		if h.inf >= 0 {
			t.Errorf("%q: bucket after +Inf", s.labels["route"])
		}
		if s.labels["le"] == "+Inf" {
			h.inf = s.value
			continue
		}
		le, err := strconv.ParseFloat(s.labels["le"], 64)
		if err != nil {
			t.Fatal(err)
		}
		h.les = append(h.les, le)
		h.counts = append(h.counts, s.value)
	}
	wantLE := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	if len(hs) != 4 {
		t.Errorf("%d histogram routes, want 4", len(hs))
	}
	for route, h := range hs {
		if !slices.Equal(h.les, wantLE) {
			t.Errorf("%q: buckets %v", route, h.les)
		}
		for i := 1; i < len(h.counts); i++ {
			if h.counts[i] < h.counts[i-1] {
				t.Errorf("%q: buckets not cumulative: %v", route, h.counts)
			}
		}
		count := e.find(t, "mamori_http_request_duration_seconds_count", "route", route)
		if h.inf != count {
			t.Errorf("%q: +Inf %v, count %v", route, h.inf, count)
		}
		var total float64
		for _, s := range e.samples {
			if s.name == "mamori_http_requests_total" && s.labels["route"] == route {
				total += s.value
			}
		}
		if total != count {
			t.Errorf("%q: requests_total %v, histogram count %v", route, total, count)
		}
	}
	p := hs["GET /policies/{id}"]
	if want := []float64{2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3}; !slices.Equal(p.counts, want) || p.inf != 4 {
		t.Errorf("policies buckets %v +Inf %v, want %v +Inf 4", p.counts, p.inf, want)
	}
	if sum := e.find(t, "mamori_http_request_duration_seconds_sum", "route", "GET /policies/{id}"); sum != 7.0045 {
		t.Errorf("sum %v, want 7.0045", sum)
	}
}

func TestExpositionWithoutTraffic(t *testing.T) {
	t.Parallel()
	body, e := scrape(t, metrics.New("dev").Handler(nil))
	if strings.Contains(body, "mamori_db_") {
		t.Error("database metrics without a database")
	}
	if e.find(t, "mamori_build_info", "version", "dev") != 1 {
		t.Error("no build info")
	}
	if len(e.order) != 4 { // build info, two HTTP families (empty), start time
		t.Errorf("families %v", e.order)
	}
}

func TestHandlerMethods(t *testing.T) {
	t.Parallel()
	h := metrics.New("dev").Handler(nil)
	for _, c := range []struct {
		method string
		want   int
		body   bool
	}{
		{"GET", 200, true},
		{"HEAD", 200, false},
		{"POST", 405, true},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, "/metrics", nil))
		if rec.Code != c.want || (rec.Body.Len() > 0) != c.body {
			t.Errorf("%s: status %d, body %d bytes", c.method, rec.Code, rec.Body.Len())
		}
	}
}

func TestMiddlewareRecordsPatterns(t *testing.T) {
	t.Parallel()
	r := metrics.New("dev")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "item") // implicit 200
	})
	mux.HandleFunc("POST /items", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusEarlyHints) // informational, not the status
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /empty", func(http.ResponseWriter, *http.Request) {}) // nothing written: 200
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, _ *http.Request) {
		w.(http.Flusher).Flush()
	})
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	h := r.Middleware(nil, mux)

	requests := []struct{ method, path string }{
		{"GET", "/items/1"}, {"GET", "/items/2"}, {"GET", "/items/3?x=1"},
		{"POST", "/items"},
		{"GET", "/empty"},
		{"GET", "/stream"},
		{"GET", "/nope"}, {"GET", "/nope/again"},
		{"DELETE", "/items/1"},
	}
	for _, q := range requests {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(q.method, q.path, nil))
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic was swallowed")
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/boom", nil))
	}()

	body, e := scrape(t, r.Handler(nil))
	for _, c := range []struct {
		route, status string
		want          float64
	}{
		{"GET /items/{id}", "200", 3},
		{"POST /items", "201", 1},
		{"GET /empty", "200", 1},
		{"GET /stream", "200", 1},
		{"unmatched", "404", 2},
		{"unmatched", "405", 1},
		{"GET /boom", "500", 1},
	} {
		if got := e.find(t, "mamori_http_requests_total", "route", c.route, "status", c.status); got != c.want {
			t.Errorf("%s %s = %v, want %v", c.route, c.status, got, c.want)
		}
	}
	if strings.Contains(body, "/items/1") || strings.Contains(body, "/nope") {
		t.Error("a raw path leaked into the labels")
	}

	// A custom route function is used as given.
	r2 := metrics.New("dev")
	h2 := r2.Middleware(func(*http.Request) string { return "fixed" }, mux)
	h2.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/items/9", nil))
	_, e2 := scrape(t, r2.Handler(nil))
	if e2.find(t, "mamori_http_requests_total", "route", "fixed", "status", "200") != 1 {
		t.Error("custom route not used")
	}
}

func TestObserveRequestConcurrent(t *testing.T) {
	t.Parallel()
	r := metrics.New("dev")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				r.ObserveRequest("GET /x/{id}", 200+g%2, time.Duration(i)*time.Microsecond)
			}
		})
	}
	// Scrape while observing.
	h := r.Handler(nil)
	for range 5 {
		scrape(t, h)
	}
	wg.Wait()
	_, e := scrape(t, h)
	if got := e.find(t, "mamori_http_request_duration_seconds_count", "route", "GET /x/{id}"); got != 8000 {
		t.Errorf("count %v, want 8000", got)
	}
}

func TestObserveRequestDoesNotAllocate(t *testing.T) {
	r := metrics.New("dev")
	r.ObserveRequest("GET /x/{id}", 200, time.Millisecond)
	if n := testing.AllocsPerRun(1000, func() {
		r.ObserveRequest("GET /x/{id}", 200, 3*time.Millisecond)
	}); n != 0 {
		t.Errorf("%v allocations per observation", n)
	}
}

func BenchmarkObserveRequest(b *testing.B) {
	r := metrics.New("dev")
	routes := []string{"GET /policies/{id}", "GET /people", "POST /policies", "GET /trail"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.ObserveRequest(routes[i&3], 200, time.Duration(i&1023)*time.Millisecond)
		i++
	}
}

func BenchmarkObserveRequestParallel(b *testing.B) {
	r := metrics.New("dev")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			r.ObserveRequest("GET /policies/{id}", 200, time.Duration(i&1023)*time.Millisecond)
			i++
		}
	})
}

// TestServerTiming checks that every response says how long the server
// worked before answering, however the handler starts its response.
func TestServerTiming(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /write", func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(2 * time.Millisecond)
		fmt.Fprint(w, "x")
	})
	mux.HandleFunc("GET /header", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /flush", func(w http.ResponseWriter, _ *http.Request) { w.(http.Flusher).Flush() })
	h := metrics.New("dev").Middleware(nil, mux)
	for _, path := range []string{"/write", "/header", "/flush", "/missing"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		v := w.Header().Get("Server-Timing")
		dur, ok := strings.CutPrefix(v, "app;dur=")
		ms, err := strconv.ParseFloat(dur, 64)
		if !ok || err != nil || ms < 0 {
			t.Errorf("%s: Server-Timing %q", path, v)
		}
		if path == "/write" && ms < 2 {
			t.Errorf("%s: %v ms, want at least the 2 ms the handler slept", path, ms)
		}
	}
}
