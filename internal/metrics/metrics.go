// Package metrics owns the Prometheus text exposition at /metrics: request
// counts and latencies per route pattern, the database pool's state, build
// information and the process start time. It uses the standard library only
// and writes text format 0.0.4 by hand.
//
// Route labels are route patterns ("GET /policies/{id}"), never raw paths,
// so the number of series stays bounded by the number of routes however
// many distinct URLs are requested.
package metrics

import (
	"database/sql"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Unmatched is the route label of requests no route pattern matched.
const Unmatched = "unmatched"

// buckets are the upper bounds of the request duration histogram. They are
// kept as durations so that sorting an observation into its bucket is exact
// integer comparison.
var buckets = [...]time.Duration{
	1 * time.Millisecond,
	2500 * time.Microsecond,
	5 * time.Millisecond,
	10 * time.Millisecond,
	25 * time.Millisecond,
	50 * time.Millisecond,
	100 * time.Millisecond,
	250 * time.Millisecond,
	500 * time.Millisecond,
	1 * time.Second,
	2500 * time.Millisecond,
	5 * time.Second,
}

// processStart approximates the process start time: package variables are
// initialised before main runs.
var processStart = time.Now()

type routeStats struct {
	statuses map[int]uint64
	buckets  [len(buckets)]uint64 // per bucket, not cumulative
	count    uint64
	sum      time.Duration
}

// Registry collects request metrics. Its zero value is not usable; call New.
// All methods are safe for concurrent use.
type Registry struct {
	version string
	start   time.Time

	mu     sync.Mutex
	routes map[string]*routeStats
}

// New returns an empty registry reporting version in mamori_build_info.
func New(version string) *Registry {
	return &Registry{version: version, start: processStart, routes: map[string]*routeStats{}}
}

// ObserveRequest records one finished request. After the first request of a
// route and status it does not allocate.
func (r *Registry) ObserveRequest(route string, status int, d time.Duration) {
	if route == "" {
		route = Unmatched
	}
	if d < 0 {
		d = 0
	}
	i := 0
	for i < len(buckets) && d > buckets[i] {
		i++
	}
	r.mu.Lock()
	s := r.routes[route]
	if s == nil {
		s = &routeStats{statuses: map[int]uint64{}}
		r.routes[route] = s
	}
	s.statuses[status]++
	if i < len(buckets) {
		s.buckets[i]++
	}
	s.count++
	s.sum += d
	r.mu.Unlock()
}

// Middleware records the status and duration of every request served by
// next. route names the request's route after next has served it; nil means
// the pattern http.ServeMux matched (r.Pattern), which the mux sets on the
// request it was given, so next should be the mux itself (a middleware in
// between that replaces the request, e.g. with WithContext, hides it).
// An empty route is recorded as "unmatched".
func (r *Registry) Middleware(route func(*http.Request) string, next http.Handler) http.Handler {
	if route == nil {
		route = func(req *http.Request) string { return req.Pattern }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, start: start}
		defer func() {
			status := rec.status
			if p := recover(); p != nil {
				if !rec.wroteHeader {
					status = http.StatusInternalServerError
				}
				r.ObserveRequest(route(req), status, time.Since(start))
				panic(p)
			}
			if !rec.wroteHeader {
				status = http.StatusOK
			}
			r.ObserveRequest(route(req), status, time.Since(start))
		}()
		next.ServeHTTP(rec, req)
	})
}

// recorder remembers the status a handler sent, and tells the client in a
// Server-Timing header how long the server worked before answering: pages
// are rendered to a buffer before the first byte goes out, so this is the
// server time the budgets speak of, which the load benchmark reads without
// the client's own scheduling noise. Unwrap lets
// http.ResponseController reach the connection's own writer (for Hijack,
// SetDeadline and so on); Flush is forwarded for code that asserts
// http.Flusher directly.
type recorder struct {
	http.ResponseWriter
	start       time.Time
	status      int
	wroteHeader bool
}

func (w *recorder) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 {
		// 1xx informational responses are not the final status.
		w.status = code
		w.wroteHeader = true
		w.timing()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.status = http.StatusOK
		w.wroteHeader = true
		w.timing()
	}
	return w.ResponseWriter.Write(b)
}

// timing sets the Server-Timing header: milliseconds until the response
// starts.
func (w *recorder) timing() {
	ms := float64(time.Since(w.start).Microseconds()) / 1000
	w.Header().Set("Server-Timing", "app;dur="+strconv.FormatFloat(ms, 'f', 3, 64))
}

func (w *recorder) Flush() {
	if !w.wroteHeader {
		w.status = http.StatusOK
		w.wroteHeader = true
		w.timing()
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ContentType is the media type of text format 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Handler serves the exposition. dbStats, when not nil, supplies the
// database pool's state (typically (*sql.DB).Stats).
func (r *Registry) Handler(dbStats func() sql.DBStats) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		var st *sql.DBStats
		if dbStats != nil {
			s := dbStats()
			st = &s
		}
		body := r.appendText(nil, st)
		w.Header().Set("Content-Type", ContentType)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if req.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}

type routeSnapshot struct {
	route    string
	statuses []statusCount
	buckets  [len(buckets)]uint64
	count    uint64
	sum      time.Duration
}

type statusCount struct {
	status int
	n      uint64
}

func (r *Registry) snapshot() []routeSnapshot {
	r.mu.Lock()
	out := make([]routeSnapshot, 0, len(r.routes))
	for route, s := range r.routes {
		rs := routeSnapshot{route: route, buckets: s.buckets, count: s.count, sum: s.sum}
		for code, n := range s.statuses {
			rs.statuses = append(rs.statuses, statusCount{code, n})
		}
		out = append(out, rs)
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b routeSnapshot) int { return strings.Compare(a.route, b.route) })
	for i := range out {
		slices.SortFunc(out[i].statuses, func(a, b statusCount) int { return a.status - b.status })
	}
	return out
}

// appendText writes every family, sorted by name, each with its HELP and
// TYPE lines and its series sorted by label values.
func (r *Registry) appendText(b []byte, db *sql.DBStats) []byte {
	b = family(b, "mamori_build_info", "gauge", "Build information; the value is always 1.")
	b = sample(b, "mamori_build_info", "version", r.version, "", "")
	b = append(b, " 1\n"...)

	if db != nil {
		gauge := func(b []byte, name, typ, help string, v float64) []byte {
			b = family(b, name, typ, help)
			b = append(b, name...)
			b = append(b, ' ')
			b = appendFloat(b, v)
			return append(b, '\n')
		}
		b = gauge(b, "mamori_db_idle_connections", "gauge", "Idle connections in the database pool.", float64(db.Idle))
		b = gauge(b, "mamori_db_in_use_connections", "gauge", "Database connections in use.", float64(db.InUse))
		b = gauge(b, "mamori_db_open_connections", "gauge", "Open database connections, in use and idle.", float64(db.OpenConnections))
		b = gauge(b, "mamori_db_wait_count_total", "counter", "Times a request waited for a free database connection.", float64(db.WaitCount))
		b = gauge(b, "mamori_db_wait_duration_seconds_total", "counter", "Total time spent waiting for a free database connection.", db.WaitDuration.Seconds())
	}

	routes := r.snapshot()
	const hist = "mamori_http_request_duration_seconds"
	b = family(b, hist, "histogram", "Time to serve an HTTP request, by route pattern.")
	for _, rs := range routes {
		var cum uint64
		for i, le := range buckets {
			cum += rs.buckets[i]
			b = sample(b, hist+"_bucket", "route", rs.route, "le", strconv.FormatFloat(le.Seconds(), 'g', -1, 64))
			b = append(b, ' ')
			b = strconv.AppendUint(b, cum, 10)
			b = append(b, '\n')
		}
		b = sample(b, hist+"_bucket", "route", rs.route, "le", "+Inf")
		b = append(b, ' ')
		b = strconv.AppendUint(b, rs.count, 10)
		b = append(b, '\n')
		b = sample(b, hist+"_sum", "route", rs.route, "", "")
		b = append(b, ' ')
		b = appendFloat(b, rs.sum.Seconds())
		b = append(b, '\n')
		b = sample(b, hist+"_count", "route", rs.route, "", "")
		b = append(b, ' ')
		b = strconv.AppendUint(b, rs.count, 10)
		b = append(b, '\n')
	}

	const reqs = "mamori_http_requests_total"
	b = family(b, reqs, "counter", "HTTP requests served, by route pattern and status code.")
	for _, rs := range routes {
		for _, sc := range rs.statuses {
			b = sample(b, reqs, "route", rs.route, "status", strconv.Itoa(sc.status))
			b = append(b, ' ')
			b = strconv.AppendUint(b, sc.n, 10)
			b = append(b, '\n')
		}
	}

	b = family(b, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.")
	b = append(b, "process_start_time_seconds "...)
	b = strconv.AppendFloat(b, float64(r.start.UnixMicro())/1e6, 'f', -1, 64)
	return append(b, '\n')
}

func family(b []byte, name, typ, help string) []byte {
	b = append(b, "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = appendEscaped(b, help, false)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, typ...)
	return append(b, '\n')
}

// sample writes a series name with up to two labels (an empty name omits
// a label), without the value.
func sample(b []byte, name, l1, v1, l2, v2 string) []byte {
	b = append(b, name...)
	if l1 == "" {
		return b
	}
	b = append(b, '{')
	b = append(b, l1...)
	b = append(b, `="`...)
	b = appendEscaped(b, v1, true)
	b = append(b, '"')
	if l2 != "" {
		b = append(b, ',')
		b = append(b, l2...)
		b = append(b, `="`...)
		b = appendEscaped(b, v2, true)
		b = append(b, '"')
	}
	return append(b, '}')
}

// appendEscaped escapes backslash and line feed (HELP text), and also the
// double quote in label values, as text format 0.0.4 requires.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

func appendFloat(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
