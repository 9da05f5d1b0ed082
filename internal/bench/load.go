package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Endpoint is one kind of request of the mixed load.
type Endpoint struct {
	Name   string
	Weight int
	// Write marks requests that change data; they are measured in the write
	// phase, at the concurrency a busy office produces, not at full load.
	Write bool
	// Request builds the request for one worker; nil skips this turn.
	Request func(w *Worker) (*http.Request, error)
	// OK says which statuses count as served (default: 2xx).
	OK func(status int) bool
}

// Worker is one simulated client: a signed-in browser session and an API
// token, and what it has learned about the data.
type Worker struct {
	Login  string
	Base   string
	Client *http.Client // with the session cookie
	Token  string
	Rand   *rand.Rand
	Data   *Catalog
	// What this person sees, learned through the API as them: assets to
	// open, departments and owners to filter and register by (within their
	// reach), and versions they were asked to acknowledge and have not.
	AssetIDs    []string
	Departments []string
	Owners      []string
	Pending     [][2]string
	// created holds assets this worker made, with their versions, so
	// updates change something real without reading first.
	created []createdAsset
}

type createdAsset struct {
	id      string
	version int
}

// Catalog is what the load draws on: ids and words known to exist.
type Catalog struct {
	AssetIDs     []string
	DocumentIDs  []string
	Departments  []string
	Owners       []string
	SearchWords  []string
	PersonIDs    []string
	Kinds        []string
	Levels       []string
	Domains      []string
	Statuses     []string
	TrailToken   string   // the CISO's: the trail is read by those who check it
	Campaigns    []string // self-inspection campaigns
	OpenCampaign string   // the one being answered
	signInLogins []string
}

// Sample is one measured request.
type Sample struct {
	Endpoint string
	Client   time.Duration
	Server   time.Duration // from Server-Timing; 0 when absent
	Status   int
	Err      bool
	Detail   string // the start of an error's body
	Path     string // with the query, as the worker sent it
	Login    string
}

// drive runs the endpoints (weighted) from the workers for d and returns
// every sample: each worker on its own, or with slots > 0, that many at a
// time, slot i taking turns among workers i, i+slots, … so every role of
// the mix is measured at that concurrency.
func drive(ctx context.Context, workers []*Worker, endpoints []Endpoint, d time.Duration, slots int) ([]Sample, time.Duration) {
	total := 0
	for _, e := range endpoints {
		total += e.Weight
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var all []Sample
	var wg sync.WaitGroup
	start := time.Now()
	if slots <= 0 || slots > len(workers) {
		slots = len(workers)
	}
	for i := range slots {
		var turn []*Worker
		for j := i; j < len(workers); j += slots {
			turn = append(turn, workers[j])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []Sample
			for k := 0; ctx.Err() == nil; k++ {
				w := turn[k%len(turn)]
				pick := w.Rand.IntN(total)
				var e Endpoint
				for _, c := range endpoints {
					if pick < c.Weight {
						e = c
						break
					}
					pick -= c.Weight
				}
				s, ok := w.do(ctx, e)
				if ok {
					mine = append(mine, s)
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, time.Since(start)
}

// do sends one request of the endpoint; ok is false when the endpoint had
// nothing to do or the run ended during the request.
func (w *Worker) do(ctx context.Context, e Endpoint) (Sample, bool) {
	req, err := e.Request(w)
	if err != nil || req == nil {
		return Sample{}, false
	}
	req = req.WithContext(ctx)
	t0 := time.Now()
	resp, err := w.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Sample{}, false
		}
		return Sample{Endpoint: e.Name, Client: time.Since(t0), Err: true}, true
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s := Sample{Endpoint: e.Name, Client: time.Since(t0), Status: resp.StatusCode, Server: serverTiming(resp.Header.Get("Server-Timing")),
		Path: req.URL.RequestURI(), Login: w.Login}
	ok := e.OK
	if ok == nil {
		ok = func(st int) bool { return st >= 200 && st < 300 }
	}
	s.Err = !ok(resp.StatusCode)
	if s.Err {
		s.Detail = string(body[:min(len(body), 200)])
	}
	if e.Name == "api: create asset" && resp.StatusCode == http.StatusCreated {
		if id := jsonString(body, "id"); id != "" {
			w.created = append(w.created, createdAsset{id: id, version: 1})
		}
	}
	return s, true
}

var timingRE = regexp.MustCompile(`app;dur=([0-9.]+)`)

func serverTiming(h string) time.Duration {
	m := timingRE.FindStringSubmatch(h)
	if m == nil {
		return 0
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0
	}
	return time.Duration(ms * float64(time.Millisecond))
}

// jsonString finds "key":"value" at the top of a small JSON object without
// decoding it all: enough for the id of a created asset.
func jsonString(body []byte, key string) string {
	i := strings.Index(string(body), `"`+key+`":"`)
	if i < 0 {
		return ""
	}
	rest := string(body[i+len(key)+4:])
	j := strings.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// signIn opens a browser-like session through the real sign-in form.
func signIn(base, login, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64}}
	resp, err := c.Get(base + "/signin")
	if err != nil {
		return nil, fmt.Errorf("cannot open the sign-in form: %w", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		return nil, errors.New("the sign-in form has no csrf field")
	}
	form := url.Values{"csrf": {string(m[1])}, "login": {login}, "password": {password}, "next": {"/"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot sign in as %s: %w", login, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		return nil, fmt.Errorf("sign-in as %s: status %d to %q, want 303 to /", login, resp.StatusCode, resp.Header.Get("Location"))
	}
	return c, nil
}

func (w *Worker) get(path string) (*http.Request, error) {
	return http.NewRequest(http.MethodGet, w.Base+path, nil)
}

func (w *Worker) api(method, path, body string) (*http.Request, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, w.Base+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+w.Token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

func pick[T any](r *rand.Rand, xs []T) (T, bool) {
	var zero T
	if len(xs) == 0 {
		return zero, false
	}
	return xs[r.IntN(len(xs))], true
}

// listFilter is one of the list filters a person uses, as a query string.
func (w *Worker) listFilter() string {
	d := w.Data
	r := w.Rand
	switch r.IntN(8) {
	case 0:
		return ""
	case 1:
		k, _ := pick(r, d.Kinds)
		return "?kind=" + k
	case 2:
		l, _ := pick(r, d.Levels)
		return "?confidentiality=" + l
	case 3:
		v, _ := pick(r, d.Domains)
		return "?domain=" + v
	case 4:
		v, ok := pick(r, w.Departments)
		if !ok {
			return ""
		}
		return "?department=" + v
	case 5:
		v, _ := pick(r, d.Statuses)
		return "?status=" + v
	case 6:
		v, ok := pick(r, w.Owners)
		if !ok {
			return ""
		}
		return "?owner=" + v
	default:
		return "?review=overdue"
	}
}

// Endpoints is the mixed load: what people in an office do all day.
func Endpoints() []Endpoint {
	return []Endpoint{
		{Name: "page: asset list (filter)", Weight: 20, Request: func(w *Worker) (*http.Request, error) {
			return w.get("/assets" + w.listFilter())
		}},
		{Name: "page: asset search", Weight: 15, Request: func(w *Worker) (*http.Request, error) {
			q, ok := pick(w.Rand, w.Data.SearchWords)
			if !ok {
				return nil, nil
			}
			return w.get("/assets?q=" + url.QueryEscape(q))
		}},
		{Name: "page: asset detail", Weight: 15, Request: func(w *Worker) (*http.Request, error) {
			id, ok := pick(w.Rand, w.AssetIDs)
			if !ok {
				return nil, nil
			}
			return w.get("/assets/" + id)
		}},
		{Name: "page: document list", Weight: 5, Request: func(w *Worker) (*http.Request, error) {
			return w.get("/documents")
		}},
		{Name: "page: document search", Weight: 5, Request: func(w *Worker) (*http.Request, error) {
			q, _ := pick(w.Rand, []string{"情報資産", "パスワード", "管理区域", "委託", "監査", "バックアップ"})
			return w.get("/documents?q=" + url.QueryEscape(q))
		}},
		{Name: "page: document", Weight: 5, Request: func(w *Worker) (*http.Request, error) {
			id, ok := pick(w.Rand, w.Data.DocumentIDs)
			if !ok {
				return nil, nil
			}
			return w.get("/documents/" + id)
		}, OK: func(st int) bool { return st == 200 || st == 404 }},
		{Name: "page: home", Weight: 5, Request: func(w *Worker) (*http.Request, error) {
			return w.get("/")
		}},
		{Name: "page: self-inspection results", Weight: 3, Request: func(w *Worker) (*http.Request, error) {
			// By department, for those who follow their departments' results.
			id, ok := pick(w.Rand, w.Data.Campaigns)
			if !ok || !(strings.HasPrefix(w.Login, "demo-officer-") || strings.HasPrefix(w.Login, "demo-manager-")) {
				return nil, nil
			}
			return w.get("/campaigns/" + id + "/results")
		}},
		{Name: "page: self-inspection sheet", Weight: 3, Request: func(w *Worker) (*http.Request, error) {
			if w.Data.OpenCampaign == "" {
				return nil, nil
			}
			return w.get("/campaigns/" + w.Data.OpenCampaign + "/answer")
		}},
		{Name: "api: asset list", Weight: 15, Request: func(w *Worker) (*http.Request, error) {
			f := w.listFilter()
			f = strings.Replace(f, "?department=", "?department_id=", 1)
			f = strings.Replace(f, "?owner=", "?owner_id=", 1)
			return w.api(http.MethodGet, "/api/v1/assets"+f, "")
		}},
		{Name: "api: document list", Weight: 5, Request: func(w *Worker) (*http.Request, error) {
			return w.api(http.MethodGet, "/api/v1/documents", "")
		}},
		{Name: "api: trail", Weight: 5, Request: func(w *Worker) (*http.Request, error) {
			req, err := w.api(http.MethodGet, "/api/v1/trail?limit=50", "")
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+w.Data.TrailToken)
			}
			return req, err
		}},

		{Name: "api: create asset", Weight: 4, Write: true, Request: func(w *Worker) (*http.Request, error) {
			dept, ok := pick(w.Rand, w.Departments)
			owner, ok2 := pick(w.Rand, w.Owners)
			if !ok || !ok2 {
				return nil, nil
			}
			n := w.Rand.IntN(1_000_000)
			body := fmt.Sprintf(`{"name":"負荷試験用 業務データ%06d","kind":"information","confidentiality":"2","integrity":"1","availability":"1","domain":"lgwan","department_id":"%s","owner_id":"%s","description":"ベンチマークで登録した資産"}`, n, dept, owner)
			return w.api(http.MethodPost, "/api/v1/assets", body)
		}},
		{Name: "api: update asset", Weight: 4, Write: true, Request: func(w *Worker) (*http.Request, error) {
			if len(w.created) == 0 {
				return nil, nil
			}
			i := w.Rand.IntN(len(w.created))
			a := &w.created[i]
			body := fmt.Sprintf(`{"description":"ベンチマークで更新 %d","version":%d}`, w.Rand.IntN(1000), a.version)
			a.version++
			return w.api(http.MethodPatch, "/api/v1/assets/"+a.id, body)
		}},
		{Name: "api: acknowledge", Weight: 2, Write: true, Request: func(w *Worker) (*http.Request, error) {
			if len(w.Pending) == 0 {
				return nil, nil
			}
			v := w.Pending[0]
			w.Pending = w.Pending[1:]
			return w.api(http.MethodPost, "/api/v1/documents/"+v[0]+"/versions/"+v[1]+"/acknowledge", "{}")
		}},
	}
}

// reads and writes split the endpoints by phase.
func reads(es []Endpoint) []Endpoint {
	return slices.DeleteFunc(slices.Clone(es), func(e Endpoint) bool { return e.Write })
}

func writes(es []Endpoint) []Endpoint {
	return slices.DeleteFunc(slices.Clone(es), func(e Endpoint) bool { return !e.Write })
}
